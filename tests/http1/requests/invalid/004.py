# Content-Length with a plus sign
status = 400
reason = 'invalid content-length'
