# a Host with userinfo
status = 400
reason = 'invalid host'
