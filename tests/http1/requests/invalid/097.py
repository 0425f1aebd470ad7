# authority-form on lower-case connect (not CONNECT)
status = 400
reason = 'authority-form target on a method other than CONNECT'
