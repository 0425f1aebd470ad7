# request line over the limit, still without its line end
status = 414
limits = Limits(max_request_line=32)
eof = False
