"""Request targets and Host (RFC 9112 §3.2, RFC 9110 §7.2): which form a
target has, whether the method allows it, and what its parts are.

RFC 9112 §3.2 allows four forms, each in its own context:

* origin-form ("/path?query"): any method but CONNECT;
* absolute-form ("http://host/path?query"): any method but CONNECT; a
  server MUST accept it (§3.2.2), and its authority then replaces Host;
* authority-form ("host:port"): CONNECT only, and CONNECT only with it
  (§3.2.3);
* asterisk-form ("*"): OPTIONS only (§3.2.4).

Anything else is a 400 (RFC 9112 §3: "Recipients of an invalid
request-line SHOULD respond with ... a 400 (Bad Request)").
"""
from __future__ import annotations

import ipaddress

from ._abnf import absolute_form_re, authority_form_re, host_field_re, origin_form_re, scheme_re
from .events import ProtocolError


def check_target(method: bytes, target: bytes) -> None:
    """Raise ProtocolError(400) unless ``target`` is a form ``method`` may use."""
    if method == b"CONNECT":
        m = authority_form_re.fullmatch(target)
        if m is None:
            raise ProtocolError(400, "CONNECT needs an authority-form target (host:port)")
        _check_host(m, "authority-form target")
        return
    first = target[:1]
    if first == b"/":
        if origin_form_re.fullmatch(target) is None:
            raise ProtocolError(400, "invalid character or escape in the request target")
        return
    if target == b"*":
        if method != b"OPTIONS":
            raise ProtocolError(400, "asterisk-form target on a method other than OPTIONS")
        return
    m = absolute_form_re.fullmatch(target)
    if m is not None:
        _check_host(m, "absolute-form target")
        return
    raise _diagnose(target)


def _diagnose(target: bytes) -> ProtocolError:
    """Name what is wrong with a target that is in none of the forms."""
    if authority_form_re.fullmatch(target):
        return ProtocolError(400, "authority-form target on a method other than CONNECT")
    m = scheme_re.match(target)
    if m is None:
        return ProtocolError(400, "request target is in none of the forms of RFC 9112 §3.2")
    if m.group(1).lower() not in (b"http", b"https"):
        return ProtocolError(400, "absolute-form target with a scheme other than http(s)")
    if b"@" in target[m.end():].lstrip(b"/").split(b"/", 1)[0]:
        return ProtocolError(400, "userinfo in an absolute-form target")
    return ProtocolError(400, "invalid absolute-form target")


def _check_host(m, where: str) -> None:
    """A target's host must not be empty (RFC 9110 §4.2.1 for http URIs; a
    CONNECT needs somewhere to go) and an IPv6 literal must be one."""
    if not m.group("host"):
        raise ProtocolError(400, f"empty host in the {where}")
    if m.group("ipv6") is not None and not _is_ipv6(m.group("ipv6")):
        raise ProtocolError(400, f"invalid IPv6 address in the {where}")


def check_host_field(value: bytes) -> None:
    """RFC 9112 §3.2: a Host field with an invalid value is a 400. Its value
    is uri-host [ ":" port ] (RFC 9110 §7.2); it may be empty when the
    target URI has no authority."""
    m = host_field_re.fullmatch(value)
    if m is None:
        raise ProtocolError(400, "invalid host field")
    if m.group("ipv6") is not None and not _is_ipv6(m.group("ipv6")):
        raise ProtocolError(400, "invalid IPv6 address in the host field")


def _is_ipv6(text: bytes) -> bool:
    try:
        ipaddress.IPv6Address(text.decode("ascii"))
    except ValueError:
        return False
    return True


def split_target(target: bytes) -> tuple[bytes | None, bytes, bytes]:
    """(authority, path, query) of a target that check_target accepted.

    ``authority`` is the absolute-form's host[:port] (RFC 9112 §3.2.2: it
    overrides Host), else None. ``path`` is b"/" for an absolute-form
    without one (RFC 9112 §3.3), the target itself for the authority- and
    asterisk-forms (there is no path), else the path."""
    if target[:1] == b"/":
        path, _, query = target.partition(b"?")
        return None, path, query
    m = absolute_form_re.fullmatch(target)
    if m is None:       # authority-form or asterisk-form
        return None, target, b""
    return m.group("authority"), m.group("path") or b"/", m.group("query") or b""
