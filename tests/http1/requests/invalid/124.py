# a Host with a path
status = 400
reason = 'invalid host'
