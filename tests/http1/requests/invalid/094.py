# an asterisk followed by more
status = 400
reason = 'none of the forms'
