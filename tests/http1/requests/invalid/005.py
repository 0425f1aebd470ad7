# negative Content-Length
status = 400
