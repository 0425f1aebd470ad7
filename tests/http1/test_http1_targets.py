"""split_target: the parts the WSGI layer takes from each form a target may have
(the forms themselves are checked by the corpus, requests/valid 029-033 and
requests/invalid 091-130)."""
from __future__ import annotations

import pytest

from pyserver.http1 import split_target


@pytest.mark.parametrize("target, parts", [
    (b"/a/b?x=1?y", (None, b"/a/b", b"x=1?y")),
    (b"/", (None, b"/", b"")),
    (b"http://h:8080/a%2Fb?q", (b"h:8080", b"/a%2Fb", b"q")),
    (b"HTTPS://[::1]", (b"[::1]", b"/", b"")),       # RFC 9112 §3.3: an empty path is "/"
    (b"http://h?q=/x", (b"h", b"/", b"q=/x")),
    (b"h:443", (None, b"h:443", b"")),              # authority-form: no path
    (b"*", (None, b"*", b"")),
])
def test_parts_of_each_form(target, parts):
    assert split_target(target) == parts
