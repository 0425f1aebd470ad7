# a fragment in an absolute-form target
status = 400
reason = 'invalid absolute-form'
