"""One URL pattern per contract endpoint; everything else is the contract's 404."""
from django.urls import path

from workloads.python.django_site import views

urlpatterns = [
    path("hello", views.hello),
    path("json", views.json_),
    path("io", views.io),
    path("cpu", views.cpu),
    path("mixed", views.mixed),
    path("upstream", views.upstream),
    path("echo", views.echo),
]

handler404 = views.not_found
