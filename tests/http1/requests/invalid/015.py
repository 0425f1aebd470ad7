# chunked twice
status = 400
reason = 'more than once'
