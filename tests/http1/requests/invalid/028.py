# bare LF ending a chunk size line (strict: chunk framing needs CRLF)
status = 400
reason = 'bare LF in chunk line'
