# CONNECT to an invalid IPv6 literal
status = 400
reason = 'invalid IPv6'
