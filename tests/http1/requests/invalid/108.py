# a fragment in an origin-form target (never sent in a request)
status = 400
reason = 'invalid character'
