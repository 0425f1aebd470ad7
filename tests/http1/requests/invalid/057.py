# space in the target
status = 400
