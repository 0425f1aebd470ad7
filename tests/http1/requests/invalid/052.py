# HTTP/1.2 (only 1.0 and 1.1 are served)
status = 505
