# HTTP/1.0 keep-alive: pipelined requests, then one without keep-alive
requests = [{'method': b'GET',
  'target': b'/1',
  'version': b'1.0',
  'headers': [(b'connection', b'Keep-Alive')],
  'body': b'',
  'trailers': []},
 {'method': b'POST',
  'target': b'/2',
  'version': b'1.0',
  'headers': [(b'connection', b'keep-alive'), (b'content-length', b'2')],
  'body': b'ok',
  'trailers': []},
 {'method': b'GET', 'target': b'/3', 'version': b'1.0', 'headers': [], 'body': b'', 'trailers': []}]
closes = True
