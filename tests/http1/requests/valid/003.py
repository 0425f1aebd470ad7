# POST with Content-Length
requests = [{'method': b'POST',
  'target': b'/echo',
  'version': b'1.1',
  'headers': [(b'host', b'example.com'),
              (b'content-type', b'text/plain'),
              (b'content-length', b'11')],
  'body': b'hello world',
  'trailers': []}]
