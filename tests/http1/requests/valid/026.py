# Connection: close on HTTP/1.1, listed among other tokens
requests = [{'method': b'GET',
  'target': b'/',
  'version': b'1.1',
  'headers': [(b'host', b'h'), (b'connection', b'Upgrade, Close')],
  'body': b'',
  'trailers': []}]
closes = True
