# HTTP/0.9 style version
status = 505
