# EOF before the Content-Length body is complete
status = 400
reason = 'truncated body'
