# empty lines before the request line are ignored (RFC 9112 2.2)
requests = [{'method': b'GET',
  'target': b'/',
  'version': b'1.1',
  'headers': [(b'host', b'example.com')],
  'body': b'',
  'trailers': []}]
