# absolute-form without Host on HTTP/1.1 (RFC 9112 3.2.2: the client MUST still send it)
status = 400
reason = 'missing host'
