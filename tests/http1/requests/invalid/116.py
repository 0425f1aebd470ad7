# absolute-form with userinfo (RFC 9110 4.2.4: treat as an error)
status = 400
reason = 'userinfo'
