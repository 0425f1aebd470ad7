# EOF after a chunk's data, before its CRLF
status = 400
reason = 'truncated body'
