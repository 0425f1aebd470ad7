# a Host with an invalid IPv6 address
status = 400
reason = 'invalid IPv6'
