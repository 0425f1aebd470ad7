# chunk sizes: upper and lower case hex, leading zeros
requests = [{'method': b'POST',
  'target': b'/',
  'version': b'1.1',
  'headers': [(b'host', b'h'), (b'transfer-encoding', b'chunked')],
  'body': b'0123456789abcdefghij!',
  'trailers': []}]
