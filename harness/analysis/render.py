"""The report as a list of blocks, rendered to Markdown and to self-contained HTML.

Markdown and HTML are rendered from the same blocks, so they say the same thing; the
HTML embeds its images, so it can be mailed or archived alone.
"""
from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str
    note: bool = False


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Image:
    png: Path
    alt: str


@dataclass
class Bullets:
    items: list[str]


def _md_cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: list, base: Path) -> str:
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + b.text)
        elif isinstance(b, Para):
            out.append(("> " if b.note else "") + b.text)
        elif isinstance(b, Table):
            out.append("| " + " | ".join(map(_md_cell, b.header)) + " |")
            out.append("|" + "---|" * len(b.header))
            out += ["| " + " | ".join(map(_md_cell, r)) + " |" for r in b.rows]
        elif isinstance(b, Image):
            out.append(f"![{b.alt}]({b.png.relative_to(base).as_posix()})")
        elif isinstance(b, Bullets):
            out += [f"- {i}" for i in b.items]
        out.append("")
    return "\n".join(out)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1180px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3} tr:nth-child(even) td{background:#fafafa}
img{max-width:100%;height:auto;border:1px solid #eee;margin:.4em 0 1.2em}
blockquote{border-left:4px solid #d62728;margin:1em 0;padding:.3em 1em;background:#fff4f4}
code{background:#f3f3f3;padding:0 .2em}
"""


def _inline(text: str) -> str:
    """The little markdown the report uses: **bold** and `code`, HTML-escaped."""
    out, bold, code = [], False, False
    i = 0
    text = str(text)
    while i < len(text):
        if text.startswith("**", i) and not code:
            out.append("</b>" if bold else "<b>")
            bold = not bold
            i += 2
        elif text[i] == "`":
            out.append("</code>" if code else "<code>")
            code = not code
            i += 1
        else:
            out.append(html.escape(text[i]))
            i += 1
    return "".join(out)


def render_html(blocks: list, title: str) -> str:
    out = [f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)}</title>"
           f"<style>{_CSS}</style><body>"]
    for b in blocks:
        if isinstance(b, Heading):
            out.append(f"<h{b.level}>{_inline(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            out.append(f"<blockquote>{_inline(b.text)}</blockquote>" if b.note else f"<p>{_inline(b.text)}</p>")
        elif isinstance(b, Table):
            out.append("<table><tr>" + "".join(f"<th>{_inline(h)}</th>" for h in b.header) + "</tr>")
            out += ["<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in b.rows]
            out.append("</table>")
        elif isinstance(b, Image):
            data = base64.b64encode(b.png.read_bytes()).decode("ascii")
            out.append(f'<img alt="{html.escape(b.alt)}" src="data:image/png;base64,{data}">')
        elif isinstance(b, Bullets):
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b.items) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out)
