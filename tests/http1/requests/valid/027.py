# Content-Length with leading zeros; HTTP/1.0 POST without keep-alive
requests = [{'method': b'POST',
  'target': b'/z',
  'version': b'1.0',
  'headers': [(b'content-length', b'005')],
  'body': b'hello',
  'trailers': []}]
closes = True
