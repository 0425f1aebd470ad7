# two Host fields on HTTP/1.0 too
status = 400
