# CONNECT without a port (RFC 9110 9.3.6: no default port)
status = 400
reason = 'CONNECT needs an authority-form'
