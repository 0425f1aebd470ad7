# Transfer-Encoding with only a comma
status = 400
