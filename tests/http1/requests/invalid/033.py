# bare CR in a field value (RFC 9112 2.2: MUST reject)
status = 400
reason = 'bare CR'
