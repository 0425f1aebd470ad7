# bare CR in the request line
status = 400
