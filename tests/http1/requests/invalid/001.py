# Content-Length with Transfer-Encoding (smuggling)
status = 400
reason = 'both content-length and transfer-encoding'
