# OWS around values is stripped, inner whitespace kept, empty values allowed
requests = [{'method': b'GET',
  'target': b'/',
  'version': b'1.1',
  'headers': [(b'host', b'example.com'),
              (b'x-empty', b''),
              (b'x-spaces', b''),
              (b'x-tabs', b'a \t b'),
              (b'x-inner', b'a  b')],
  'body': b'',
  'trailers': []}]
