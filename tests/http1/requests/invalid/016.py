# unknown coding identity before chunked
status = 501
