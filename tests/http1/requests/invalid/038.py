# space between field name and colon (RFC 9112 5.1: MUST reject)
status = 400
reason = 'whitespace between field name and colon'
