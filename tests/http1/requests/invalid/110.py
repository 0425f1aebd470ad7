# a percent sign without two hex digits
status = 400
reason = 'escape'
