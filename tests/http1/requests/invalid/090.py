# request line over the limit, then a head that has not ended
status = 414
limits = Limits(max_request_line=32)
eof = False
