# NUL in a field value
status = 400
reason = 'invalid character in field value'
