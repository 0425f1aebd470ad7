# control character in a field value
status = 400
