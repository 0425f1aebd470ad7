"""Plain function views: each adapts one shared handler to Django's request and response.

Every view is CSRF-exempt: this is an API for non-browser clients, and CSRF
protects cookie-authenticated form posts. Without it CsrfViewMiddleware would
answer the contract's POST /echo, and any other method on a GET endpoint
(which the contract answers 404), with 403
(https://docs.djangoproject.com/en/5.2/ref/csrf/). The middleware itself still
runs on every request.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from workloads.python import handlers


def _response(reply: handlers.Reply) -> HttpResponse:
    status, content_type, body = reply
    return HttpResponse(body, status=status, content_type=content_type)


def _get(handler, request: HttpRequest) -> HttpResponse:
    return _response(handlers.answer_get(handler, request.method, request.META.get("QUERY_STRING", "")))


@csrf_exempt
def hello(request: HttpRequest) -> HttpResponse:
    return _get(handlers.hello, request)


@csrf_exempt
def json_(request: HttpRequest) -> HttpResponse:
    return _get(handlers.json_, request)


@csrf_exempt
def io(request: HttpRequest) -> HttpResponse:
    return _get(handlers.io, request)


@csrf_exempt
def cpu(request: HttpRequest) -> HttpResponse:
    return _get(handlers.cpu, request)


@csrf_exempt
def mixed(request: HttpRequest) -> HttpResponse:
    return _get(handlers.mixed, request)


@csrf_exempt
def upstream(request: HttpRequest) -> HttpResponse:
    return _get(handlers.upstream, request)


@csrf_exempt
def echo(request: HttpRequest) -> HttpResponse:
    return _response(handlers.answer_echo(request.method, request.read))


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _response(handlers.not_found())
