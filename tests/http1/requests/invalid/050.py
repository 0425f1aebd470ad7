# HTTP/2.0 request line
status = 505
