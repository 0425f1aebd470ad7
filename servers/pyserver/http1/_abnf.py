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
# request-target (§3.2) is taken as sent; we only require it to be one or
# more VCHAR / obs-text bytes (no SP, no CTL), not one of the four forms.
METHOD = TOKEN
REQUEST_TARGET = rb"[\x21-\x7e\x80-\xff]+"
HTTP_VERSION = rb"HTTP/(?P<version>[0-9]\.[0-9])"
REQUEST_LINE = (
    rb"(?P<method>" + METHOD + rb") (?P<target>" + REQUEST_TARGET + rb") " + HTTP_VERSION
)

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
