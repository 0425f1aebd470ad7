# chunked body with extensions (ignored)
requests = [{'method': b'POST',
  'target': b'/up',
  'version': b'1.1',
  'headers': [(b'host', b'example.com'), (b'transfer-encoding', b'chunked')],
  'body': b'hello world',
  'trailers': []}]
