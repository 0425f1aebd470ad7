# gzip alone: no chunked, body length unknown
status = 400
