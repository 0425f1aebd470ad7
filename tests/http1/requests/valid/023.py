# empty Host value is allowed (RFC 9110 7.2)
requests = [{'method': b'GET',
  'target': b'/',
  'version': b'1.1',
  'headers': [(b'host', b'')],
  'body': b'',
  'trailers': []}]
