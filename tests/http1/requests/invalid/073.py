# obs-fold in a trailer
status = 400
