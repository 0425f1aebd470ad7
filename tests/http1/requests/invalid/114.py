# angle brackets in the query
status = 400
reason = 'invalid character'
