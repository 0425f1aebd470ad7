# repeated identical Content-Length is accepted
requests = [{'method': b'PUT',
  'target': b'/x',
  'version': b'1.1',
  'headers': [(b'host', b'example.com'), (b'content-length', b'3'), (b'content-length', b'3')],
  'body': b'abc',
  'trailers': []}]
