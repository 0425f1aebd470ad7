# a Host with two ports
status = 400
reason = 'invalid host'
