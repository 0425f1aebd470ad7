# a Host with a space inside
status = 400
reason = 'invalid host'
