# Transfer-Encoding before Content-Length
status = 400
