# a body exactly at max_body, as Content-Length and as chunks
requests = [{'method': b'POST',
  'target': b'/',
  'version': b'1.1',
  'headers': [(b'host', b'h'), (b'content-length', b'8')],
  'body': b'12345678',
  'trailers': []},
 {'method': b'POST',
  'target': b'/',
  'version': b'1.1',
  'headers': [(b'host', b'h'), (b'transfer-encoding', b'chunked')],
  'body': b'12345678',
  'trailers': []}]
limits = Limits(max_body=8)
