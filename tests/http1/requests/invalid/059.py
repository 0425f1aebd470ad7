# tab as the request line separator
status = 400
