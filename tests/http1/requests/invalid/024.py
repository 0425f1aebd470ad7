# whitespace after the chunk size without an extension
status = 400
