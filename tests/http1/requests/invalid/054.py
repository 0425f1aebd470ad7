# two-digit version
status = 400
