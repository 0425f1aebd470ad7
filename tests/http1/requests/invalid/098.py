# CONNECT with an origin-form target
status = 400
reason = 'CONNECT needs an authority-form'
