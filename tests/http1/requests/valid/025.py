# chunk data may contain CR and LF bytes; EOF right after a complete body is a clean close
requests = [{'method': b'POST',
  'target': b'/',
  'version': b'1.1',
  'headers': [(b'host', b'h'), (b'transfer-encoding', b'chunked')],
  'body': b'abcdefghijklmnopqrstuvwxyz\r\n\r',
  'trailers': []}]
