# more than max_header_fields fields
status = 431
limits = Limits(max_header_fields=3)
reason = 'too many header fields'
