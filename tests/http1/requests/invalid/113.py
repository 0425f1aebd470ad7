# a double quote in the path
status = 400
reason = 'invalid character'
