# a Host with an unclosed IPv6 literal
status = 400
reason = 'invalid host'
