# EOF in the middle of the request line
status = 400
reason = 'truncated head'
