# http scheme without an authority
status = 400
reason = 'invalid absolute-form'
