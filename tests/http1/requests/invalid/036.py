# obs-fold (RFC 9112 5.2: MAY reject; we do)
status = 400
reason = 'obs-fold'
