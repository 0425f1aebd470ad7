"""A user journey: mostly cheap pages, some waits on I/O, a little CPU, with think time.

Weights: /hello 5, /json 3, /io?ms=20 2, /cpu?n=2000 1; each user thinks 50-150 ms
between requests (a closed loop: throughput follows users / (think + response time)).
"""
from locust import FastHttpUser, between, task


class BrowsingUser(FastHttpUser):
    wait_time = between(0.05, 0.15)

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
