# HTTP/1.0 without Host is fine; not keep-alive
requests = [{'method': b'GET',
  'target': b'/index.html',
  'version': b'1.0',
  'headers': [(b'user-agent', b'curl/8')],
  'body': b'',
  'trailers': []}]
closes = True
