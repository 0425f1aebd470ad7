# trailer section with bare LF line ends (field-section rules)
requests = [{'method': b'POST',
  'target': b'/',
  'version': b'1.1',
  'headers': [(b'host', b'h'), (b'transfer-encoding', b'chunked')],
  'body': b'x',
  'trailers': [(b'x-t', b'1'), (b'x-u', b'2')]}]
