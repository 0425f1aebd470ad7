# method with a non-token character
status = 400
