# chunked body over max_body
status = 413
limits = Limits(max_body=8)
requests = []
