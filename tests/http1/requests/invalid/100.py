# CONNECT with the asterisk-form
status = 400
reason = 'CONNECT needs an authority-form'
