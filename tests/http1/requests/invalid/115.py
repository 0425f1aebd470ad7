# absolute-form with an empty host (RFC 9110 4.2.1: MUST reject)
status = 400
reason = 'empty host'
