"""The contract as a Django project (workloads/python/django_site/), same handlers.

The WSGI entry point, as startproject's ``wsgi.py``: ``workloads.python.django_app:app``.
"""
from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

# Set, not setdefault: this module is the contract's Django app whatever the environment says.
os.environ["DJANGO_SETTINGS_MODULE"] = "workloads.python.django_site.settings"

app = get_wsgi_application()
