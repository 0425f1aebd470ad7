# field name with a non-token character
status = 400
reason = 'invalid character in field name'
