# bare CR ending the request line
status = 400
reason = 'bare CR in request line'
