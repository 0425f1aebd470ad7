# CONNECT with an absolute-form target
status = 400
reason = 'CONNECT needs an authority-form'
