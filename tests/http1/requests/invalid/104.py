# CONNECT with userinfo
status = 400
reason = 'CONNECT needs an authority-form'
