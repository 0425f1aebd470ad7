# field name with obs-text
status = 400
