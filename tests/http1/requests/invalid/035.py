# CR CR LF line end
status = 400
