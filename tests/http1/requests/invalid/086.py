# NUL in the request target
status = 400
