# chunked not last: chunked, gzip
status = 400
reason = 'not the final'
