# a valid pipelined request, then a smuggling attempt
status = 400
requests = [dict(method=b'GET', target=b'/ok', version=b'1.1', headers=[(b'host', b'h')])]
