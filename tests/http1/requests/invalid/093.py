# asterisk-form on lower-case options (methods are case-sensitive)
status = 400
reason = 'asterisk-form'
