"""One endpoint, no think time: each user requests ARENA_TARGET (default /hello) in a loop.

The closed-loop counterpart of a wrk run, for comparing locust with wrk on one path.
Run by harness/drivers/locust.py; the target comes from the environment so one file
serves every workload.
"""
import os

from locust import FastHttpUser, constant, task

TARGET = os.environ.get("ARENA_TARGET", "/hello")
THINK_S = 0.0       # no think time (read by harness/scenarios.py)


class EndpointUser(FastHttpUser):
    wait_time = constant(THINK_S)

    @task
    def hit(self):
        self.client.get(TARGET, name=TARGET)
