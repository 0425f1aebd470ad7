# Content-Length in hex
status = 400
