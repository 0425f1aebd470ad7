# obs-text and quotes in values are kept as bytes
requests = [{'method': b'GET',
  'target': b'/',
  'version': b'1.1',
  'headers': [(b'host', b'example.com'),
              (b'x-latin', b'caf\xe9'),
              (b'x-utf8', b'\xe2\x82\xac'),
              (b'x-quoted', b'"a, b"; q=0.5')],
  'body': b'',
  'trailers': []}]
