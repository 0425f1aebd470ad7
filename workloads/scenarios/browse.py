"""A user journey: mostly cheap pages, some waits on I/O, a little CPU, with think time.

Weights: /hello 5, /json 3, /io?ms=20 2, /cpu?n=2000 1; each user thinks 50-150 ms
between requests (a closed loop: throughput follows users / (think + response time)).
"""
from locust import FastHttpUser, between, task


# Read by harness/scenarios.py (parsed, not imported): the think time Z, the mix (the
# row's target) and its least mean response time R, for the limit N / (Z + R).
THINK_S = (0.05, 0.15)
MIX = "/hello 5, /json 3, /io?ms=20 2, /cpu?n=2000 1"
LEAST_RESPONSE_S = 0.00364     # 20 ms (/io) x 2 / 11 requests; the other paths taken as 0


class BrowsingUser(FastHttpUser):
    wait_time = between(*THINK_S)

    @task(5)
    def hello(self):
        self.client.get("/hello")

    @task(3)
    def json(self):
        self.client.get("/json")

    @task(2)
    def io(self):
        self.client.get("/io?ms=20", name="/io")

    @task(1)
    def cpu(self):
        self.client.get("/cpu?n=2000", name="/cpu")
