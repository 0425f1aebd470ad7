# version with three parts
status = 400
