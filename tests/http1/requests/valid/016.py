# transfer codings are case-insensitive; empty list elements are ignored
requests = [{'method': b'POST',
  'target': b'/',
  'version': b'1.1',
  'headers': [(b'host', b'h'), (b'transfer-encoding', b', CHUNKED ,')],
  'body': b'x',
  'trailers': []}]
