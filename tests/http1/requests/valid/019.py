# Expect: 100-continue with a body; the body is read before the answer, so the connection stays open
requests = [{'method': b'POST',
  'target': b'/e',
  'version': b'1.1',
  'headers': [(b'host', b'h'), (b'expect', b'100-continue'), (b'content-length', b'5')],
  'body': b'hello',
  'trailers': []}]
