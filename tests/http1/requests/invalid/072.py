# too many trailer fields
status = 431
limits = Limits(max_header_fields=1)
