# EOF in the middle of a chunked body
status = 400
reason = 'truncated body'
