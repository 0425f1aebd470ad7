# simple GET
requests = [{'method': b'GET',
  'target': b'/',
  'version': b'1.1',
  'headers': [(b'host', b'example.com')],
  'body': b'',
  'trailers': []}]
