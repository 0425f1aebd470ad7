# Content-Length: 0 and an explicit empty chunked body
requests = [{'method': b'POST',
  'target': b'/z',
  'version': b'1.1',
  'headers': [(b'host', b'h'), (b'content-length', b'0')],
  'body': b'',
  'trailers': []},
 {'method': b'POST',
  'target': b'/z',
  'version': b'1.1',
  'headers': [(b'host', b'h'), (b'transfer-encoding', b'chunked')],
  'body': b'',
  'trailers': []}]
