# bare LF inside a chunk extension
status = 400
