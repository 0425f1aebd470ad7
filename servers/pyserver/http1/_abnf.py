"""RFC 9110 / RFC 9112 grammar as named regex fragments (bytes patterns).

Each fragment quotes the rule it implements. Only this module knows the
grammar; the readers compile what they need from these names. Where we are
stricter or looser than the RFC, the comment says so.
"""
from __future__ import annotations

import re

# RFC 9110 §5.6.2
#   token  = 1*tchar
#   tchar  = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
#            "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
TCHAR = rb"[-!#$%&'*+.^_`|~0-9A-Za-z]"
TOKEN = TCHAR + rb"+"

# RFC 9110 §5.6.3
#   OWS = *( SP / HTAB )
#   BWS = OWS
OWS = rb"[ \t]*"
BWS = OWS

# RFC 9110 §5.5
#   field-value   = *field-content
#   field-content = field-vchar [ 1*( SP / HTAB / field-vchar ) field-vchar ]
#   field-vchar   = VCHAR / obs-text
#   obs-text      = %x80-FF
# A field line's text after the colon is OWS field-value OWS; as a character
# class that is "SP, HTAB, VCHAR, obs-text". We validate the class and strip
# OWS afterwards, which accepts exactly the same lines.
FIELD_VCHAR = rb"[\x21-\x7e\x80-\xff]"
FIELD_TEXT = rb"[ \t\x21-\x7e\x80-\xff]*"

# RFC 9112 §5
#   field-line = field-name ":" OWS field-value OWS
#   field-name = token
# No whitespace is allowed between the field name and the colon (§5.1: a
# server MUST reject such a message with 400). obs-fold (a line starting
# with SP/HTAB, §5.2) does not match TOKEN at the start of a line: rejected.
# Line ends: CRLF, or a bare LF (RFC 9112 §2.2 "a recipient MAY recognize a
# single LF as a line terminator and ignore any preceding CR"). A bare CR is
# never accepted (§2.2: MUST reject or replace); it fails FIELD_TEXT.
FIELD_LINE = TOKEN + rb":" + FIELD_TEXT + rb"\r?\n"
FIELD_SECTION = rb"(?:" + FIELD_LINE + rb")*"

# RFC 9112 §3
#   request-line   = method SP request-target SP HTTP-version
#   method         = token
# RFC 9112 §2.3
#   HTTP-version  = HTTP-name "/" DIGIT "." DIGIT
#   HTTP-name     = %s"HTTP"
# The request line only splits off the target here: one or more VCHAR /
# obs-text bytes (no SP, no CTL). Its form is checked against the method by
# _targets.py with the fragments below.
METHOD = TOKEN
REQUEST_TARGET = rb"[\x21-\x7e\x80-\xff]+"
HTTP_VERSION = rb"HTTP/(?P<version>[0-9]\.[0-9])"
REQUEST_LINE = (
    rb"(?P<method>" + METHOD + rb") (?P<target>" + REQUEST_TARGET + rb") " + HTTP_VERSION
)

# RFC 3986 §2.1-2.3 (the URI grammar RFC 9110 §4.1 and RFC 9112 §3.2 build on)
#   unreserved  = ALPHA / DIGIT / "-" / "." / "_" / "~"
#   sub-delims  = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "="
#   pct-encoded = "%" HEXDIG HEXDIG
# RFC 3986 §3.3 / §3.4
#   pchar       = unreserved / pct-encoded / sub-delims / ":" / "@"
#   segment     = *pchar
#   query       = *( pchar / "/" / "?" )
# Looser than RFC 3986 in one respect: paths and queries may also hold the
# ASCII characters that the WHATWG URL Standard's percent-encode sets leave
# unescaped, so every browser sends them raw (https://url.spec.whatwg.org/
# #percent-encoded-bytes): [ ] { } | \ ^ `. Still refused: SP and CTLs, '"',
# "<", ">", "#" (a fragment is never part of a request-target), a "%" not
# followed by two hex digits, and non-ASCII bytes (clients percent-encode them).
UNRESERVED = rb"A-Za-z0-9\-._~"
SUB_DELIMS = rb"!$&'()*+,;="
PCT_ENCODED = rb"%[0-9A-Fa-f]{2}"
BROWSER_RAW = rb"\[\]{}|\\^`"
PCHAR_RAW = UNRESERVED + SUB_DELIMS + rb":@" + BROWSER_RAW   # pchar, but for pct-encoded


def _many(raw: bytes) -> bytes:
    """*( [raw] / pct-encoded ), written as the unrolled loop [raw]*(?:%HH[raw]*)*: the
    same bytes, but re matches a run of plain characters in one step instead of trying
    the alternation once per character (1.6 us for "/io?ms=50" before, on every request)."""
    return rb"[" + raw + rb"]*(?:" + PCT_ENCODED + rb"[" + raw + rb"]*)*"


SEGMENT = _many(PCHAR_RAW)
QUERY = _many(PCHAR_RAW + rb"/?")

# RFC 3986 §3.2.2 / §3.2.3
#   host        = IP-literal / IPv4address / reg-name
#   IP-literal  = "[" ( IPv6address / IPvFuture ) "]"
#   IPvFuture   = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
#   reg-name    = *( unreserved / pct-encoded / sub-delims )
#   port        = *DIGIT
# An IPv4address is a reg-name by its characters. IPv6address is matched
# here by its characters only; _targets.py checks its grammar (ipaddress).
REG_NAME = _many(UNRESERVED + SUB_DELIMS)
IP_LITERAL = (rb"\[(?:(?P<ipv6>[0-9A-Fa-f:.]+)|[vV][0-9A-Fa-f]+\.[" + UNRESERVED + SUB_DELIMS
              + rb":]+)\]")
HOST = rb"(?P<host>" + IP_LITERAL + rb"|" + REG_NAME + rb")"
PORT = rb"[0-9]*"

# RFC 9112 §3.2.1 origin-form = absolute-path [ "?" query ]
# RFC 9110 §4.1  absolute-path = 1*( "/" segment )
ORIGIN_FORM = rb"(?:/" + SEGMENT + rb")+(?:\?" + QUERY + rb")?"
# RFC 9112 §3.2.2 absolute-form = absolute-URI; RFC 3986 §4.3
#   absolute-URI = scheme ":" hier-part [ "?" query ]
#   hier-part    = "//" authority path-abempty / ...
#   authority    = [ userinfo "@" ] host [ ":" port ]
#   path-abempty = *( "/" segment )
# Only the http and https schemes (RFC 9110 §4.2), whose URIs always have an
# authority; the scheme is case-insensitive (RFC 3986 §3.1). userinfo is
# left out: RFC 9110 §4.2.4 says to treat it as an error.
ABSOLUTE_FORM = (
    rb"(?P<scheme>[hH][tT][tT][pP][sS]?)://(?P<authority>" + HOST + rb"(?::" + PORT + rb")?)"
    rb"(?P<path>(?:/" + SEGMENT + rb")*)(?:\?(?P<query>" + QUERY + rb"))?"
)
# RFC 3986 §3.1 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ":"
SCHEME = rb"([A-Za-z][A-Za-z0-9+.-]*):"
# RFC 9112 §3.2.3 authority-form = uri-host ":" port (CONNECT only). RFC 9110
# §9.3.6: "There is no default port; a client MUST send the port number".
AUTHORITY_FORM = HOST + rb":(?P<port>[0-9]+)"
# RFC 9110 §7.2 Host = uri-host [ ":" port ]
HOST_FIELD = HOST + rb"(?::" + PORT + rb")?"

# RFC 9112 §7.1
#   chunk-size = 1*HEXDIG
# RFC 9112 §7.1.1
#   chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
#   chunk-ext-name = token
#   chunk-ext-val  = token / quoted-string
# RFC 9110 §5.6.4
#   quoted-string  = DQUOTE *( qdtext / quoted-pair ) DQUOTE
#   qdtext         = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
#   quoted-pair    = "\" ( HTAB / SP / VCHAR / obs-text )
QUOTED_STRING = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
CHUNK_SIZE = rb"[0-9A-Fa-f]+"
CHUNK_EXT = (
    rb"(?:" + BWS + rb";" + BWS + TOKEN
    + rb"(?:" + BWS + rb"=" + BWS + rb"(?:" + TOKEN + rb"|" + QUOTED_STRING + rb"))?)*"
)
# The chunk line is terminated by CRLF only (no bare LF here: lenient chunk
# line parsing is a known request-smuggling vector).
CHUNK_LINE = rb"(?P<size>" + CHUNK_SIZE + rb")" + CHUNK_EXT


token_re = re.compile(TOKEN)
field_section_re = re.compile(FIELD_SECTION)
request_line_re = re.compile(REQUEST_LINE)
chunk_line_re = re.compile(CHUNK_LINE)
version_re = re.compile(rb"HTTP/[0-9]\.[0-9]")
origin_form_re = re.compile(ORIGIN_FORM)
scheme_re = re.compile(SCHEME)
absolute_form_re = re.compile(ABSOLUTE_FORM)
authority_form_re = re.compile(AUTHORITY_FORM)
host_field_re = re.compile(HOST_FIELD)
