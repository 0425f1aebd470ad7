# Transfer-Encoding in an HTTP/1.0 request
status = 400
