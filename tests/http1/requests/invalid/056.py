# no version (HTTP/0.9 simple request)
status = 400
