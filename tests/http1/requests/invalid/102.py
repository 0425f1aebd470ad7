# CONNECT with an empty port
status = 400
reason = 'CONNECT needs an authority-form'
