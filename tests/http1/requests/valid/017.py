# field names are lower-cased, repeated fields kept in order
requests = [{'method': b'GET',
  'target': b'/',
  'version': b'1.1',
  'headers': [(b'host', b'h'), (b'accept', b'a'), (b'x-mixed-case', b'V'), (b'accept', b'b')],
  'body': b'',
  'trailers': []}]
