"""What a run observes about the machine and the processes it started."""
