# chunk data longer than its size (no CRLF after the data)
status = 400
reason = 'not followed by CRLF'
