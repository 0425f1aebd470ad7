# gzip then chunked in two fields
status = 501
