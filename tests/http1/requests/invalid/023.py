# whitespace before the chunk size
status = 400
