# absolute-form with a non-numeric port
status = 400
reason = 'invalid absolute-form'
