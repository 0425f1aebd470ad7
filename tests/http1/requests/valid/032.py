# asterisk-form (RFC 9112 3.2.4): OPTIONS *, on HTTP/1.1 and 1.0
requests = [{'body': b'',
  'headers': [(b'host', b'h')],
  'method': b'OPTIONS',
  'target': b'*',
  'trailers': [],
  'version': b'1.1'},
 {'body': b'',
  'headers': [],
  'method': b'OPTIONS',
  'target': b'*',
  'trailers': [],
  'version': b'1.0'}]
closes = True
