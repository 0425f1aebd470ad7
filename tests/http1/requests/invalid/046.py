# field line without a colon
status = 400
reason = 'without a colon'
