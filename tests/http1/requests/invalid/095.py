# authority-form on GET (RFC 9112 3.2.3: CONNECT only)
status = 400
reason = 'authority-form target on a method other than CONNECT'
