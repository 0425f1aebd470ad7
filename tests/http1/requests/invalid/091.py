# asterisk-form on GET (RFC 9112 3.2.4: OPTIONS only)
status = 400
reason = 'asterisk-form'
