# origin-form without its leading slash
status = 400
reason = 'none of the forms'
