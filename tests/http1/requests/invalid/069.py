# an endless head of small fields
status = 431
limits = Limits(max_header_fields=4, max_header_field_size=8)
eof = False
