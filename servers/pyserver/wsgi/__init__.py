"""Events <-> PEP 3333: environ, wsgi.input, start_response, write, close."""
from pyserver.wsgi.handler import WsgiHandler

__all__ = ["WsgiHandler"]
