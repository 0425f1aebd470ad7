# an invalid Host beside an absolute-form target (ignored, but still invalid)
status = 400
reason = 'invalid host'
