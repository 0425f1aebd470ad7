# chunk extension without a name
status = 400
