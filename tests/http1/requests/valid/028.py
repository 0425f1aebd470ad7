# OWS around a transfer coding and after trailer values
requests = [{'method': b'POST',
  'target': b'/',
  'version': b'1.1',
  'headers': [(b'host', b'h'), (b'transfer-encoding', b'chunked')],
  'body': b'ok',
  'trailers': [(b'x-t', b'v')]}]
