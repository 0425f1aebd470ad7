# chunk extension with an unterminated quoted string
status = 400
