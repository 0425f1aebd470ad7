# chunk size line over the line limit
status = 400
limits = Limits(max_header_field_size=32)
reason = 'chunk line too long'
