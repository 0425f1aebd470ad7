# absolute-form with a scheme other than http(s)
status = 400
reason = 'scheme other than http'
