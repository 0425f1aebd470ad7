"""The contract app and the fixture apps wrapped in wsgiref.validate.validator,
with the validator's warnings turned into errors: any PEP 3333 slip by the
server (or the app) becomes an exception, hence a 500 the tests see."""
from __future__ import annotations

import warnings
from wsgiref.validate import WSGIWarning, validator

import fixture_apps as apps
from workloads.python import wsgi_app

warnings.simplefilter("error", WSGIWarning)

_contract = validator(wsgi_app.app)
_fixtures = validator(apps.app)


def app(environ, start_response):
    if environ["PATH_INFO"] in ("/stream", "/file", "/environ", "/body"):
        return _fixtures(environ, start_response)
    return _contract(environ, start_response)
