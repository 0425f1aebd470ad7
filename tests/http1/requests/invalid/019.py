# chunk size not hex
status = 400
reason = 'invalid chunk line'
