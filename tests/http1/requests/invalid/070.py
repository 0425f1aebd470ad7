# Content-Length over max_body
status = 413
limits = Limits(max_body=8)
