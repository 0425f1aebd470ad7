# Content-Length that overflows 63 bits
status = 400
reason = 'overflows'
