# missing Host on HTTP/1.1
status = 400
reason = 'missing host'
