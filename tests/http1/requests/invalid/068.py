# a field line over the limit, still without its line end
status = 431
limits = Limits(max_header_field_size=16)
eof = False
