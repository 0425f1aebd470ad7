# Content-Length with trailing garbage
status = 400
