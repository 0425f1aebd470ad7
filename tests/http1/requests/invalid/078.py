# EOF before the trailer section ends
status = 400
reason = 'truncated body'
