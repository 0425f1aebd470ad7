# a transfer coding that only looks like chunked
status = 400
