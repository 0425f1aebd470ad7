# space before the colon of Content-Length (the classic smuggling variant)
status = 400
reason = 'whitespace between field name and colon'
