# EOF in the middle of the head
status = 400
reason = 'truncated head'
