# two Host fields
status = 400
reason = 'more than one host'
