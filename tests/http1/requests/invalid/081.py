# vertical tab before a transfer coding
status = 400
