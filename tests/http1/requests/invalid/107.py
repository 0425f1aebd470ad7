# a query without a path
status = 400
reason = 'none of the forms'
