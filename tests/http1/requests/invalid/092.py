# asterisk-form on M-SEARCH (SSDP is not HTTP/1.1)
status = 400
reason = 'asterisk-form'
