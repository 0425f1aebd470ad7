# an invalid Host on HTTP/1.0
status = 400
reason = 'invalid host'
