# chunked with a parameter is not chunked
status = 400
