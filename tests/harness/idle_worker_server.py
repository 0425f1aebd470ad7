"""Two worker processes with a known imbalance, for the balance column's test: one child
serves (tests/harness/fixture_server.py, its READY line passed through), the other only
sleeps, so the idlest worker's share of the workers' CPU is ~0 whatever the load."""
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).with_name("fixture_server.py")

sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
server = subprocess.Popen([sys.executable, str(FIXTURE), *sys.argv[1:]])
try:
    server.wait()
finally:                    # the launcher stops the whole process group; this is for a crash
    sleeper.kill()
