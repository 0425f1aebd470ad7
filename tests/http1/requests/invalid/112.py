# raw UTF-8 in the path (clients percent-encode it)
status = 400
reason = 'invalid character'
