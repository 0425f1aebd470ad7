# CONNECT with an empty host
status = 400
reason = 'empty host'
