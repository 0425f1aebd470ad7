# two differing Content-Length fields
status = 400
reason = 'conflicting content-length'
