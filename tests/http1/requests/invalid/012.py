# gzip, chunked: chunked is last, but gzip is not implemented
status = 501
