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


def _get_view(handler):
    """A plain function view for one GET endpoint of the contract."""
    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        return _response(handlers.answer_get(handler, request.method, query))
    view.__name__ = view.__qualname__ = handler.__name__
    return view


hello = _get_view(handlers.hello)
json_ = _get_view(handlers.json_)
io = _get_view(handlers.io)
cpu = _get_view(handlers.cpu)
mixed = _get_view(handlers.mixed)
upstream = _get_view(handlers.upstream)


@csrf_exempt
def echo(request: HttpRequest) -> HttpResponse:
    return _response(handlers.answer_echo(request.method, request.read))


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _response(handlers.not_found())
