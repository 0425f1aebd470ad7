# form feed in a field value
status = 400
