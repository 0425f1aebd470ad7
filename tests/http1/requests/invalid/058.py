# two spaces between method and target
status = 400
