# a field line over max_header_field_size
status = 431
limits = Limits(max_header_field_size=16)
reason = 'header field too large'
