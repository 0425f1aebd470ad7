"""pyserver: one WSGI server, three concurrency modes."""
