# bare CR in a chunk extension
status = 400
