# lower-case http name
status = 400
reason = 'malformed HTTP version'
