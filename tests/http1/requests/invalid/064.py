# request line over max_request_line
status = 414
limits = Limits(max_request_line=32)
