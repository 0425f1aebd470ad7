# absolute-form of a URN
status = 400
reason = 'scheme other than http'
