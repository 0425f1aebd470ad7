# exactly max_header_fields fields, each exactly max_header_field_size bytes; request line exactly max_request_line
requests = [{'method': b'GET',
  'target': b'/aaaaaaaaaaaaaaa',
  'version': b'1.1',
  'headers': [(b'host', b'0123456789'), (b'x-b', b'01234567890'), (b'x-c', b'0123456789')],
  'body': b'',
  'trailers': []}]
limits = Limits(max_request_line=29, max_header_fields=3, max_header_field_size=16)
