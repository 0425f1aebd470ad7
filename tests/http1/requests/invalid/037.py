# whitespace line right after the request line
status = 400
