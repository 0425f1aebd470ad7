"""pyserver.http1: the sans-I/O HTTP/1.1 server core (see docs/dev/http1-api.md)."""
from ._connection import ServerConnection
from ._limits import Limits
from ._targets import split_target

__all__ = ["ServerConnection", "Limits", "split_target"]
