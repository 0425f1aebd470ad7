# chunk size overflowing 63 bits
status = 400
reason = 'overflows'
