# Content-Length as a list of equal values (rejected: one value per field)
status = 400
