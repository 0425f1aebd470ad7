# a truncated escape at the end of the query
status = 400
reason = 'escape'
