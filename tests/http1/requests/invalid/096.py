# authority-form on OPTIONS
status = 400
reason = 'authority-form target on a method other than CONNECT'
