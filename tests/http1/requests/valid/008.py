# bare LF line ends in the head are accepted (RFC 9112 2.2 MAY); mixed with CRLF
requests = [{'method': b'GET',
  'target': b'/lf',
  'version': b'1.1',
  'headers': [(b'host', b'example.com'), (b'x-a', b'1')],
  'body': b'',
  'trailers': []},
 {'method': b'GET',
  'target': b'/lf2',
  'version': b'1.1',
  'headers': [(b'host', b'example.com')],
  'body': b'',
  'trailers': []}]
