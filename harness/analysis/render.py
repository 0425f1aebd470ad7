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


# --- sortable tables: the page's one script (inline, so report.html still needs no server) ------
# A click on a column header sorts the table by that column, a second click the other way.
# Cells that start with a number sort as numbers ("1,234", "12.5%", "94 (flagged)"), others
# as text with their digits compared as numbers ("c64" before "c128"); "–" (no value) stays last.
SORTABLE_TABLES = """<style>th[data-sort]{cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}</style>
<script>
(function () {
  var NUMBER = /^[+-]?\\d[\\d,]*(\\.\\d+)?/;
  function key(row, col) {
    var text = row.cells[col] ? row.cells[col].textContent.trim() : "";
    var m = text.match(NUMBER);
    return {missing: text === "" || text === "\\u2013", num: m ? parseFloat(m[0].replace(/,/g, "")) : null, text: text};
  }
  function compare(a, b) {
    if (a.missing || b.missing) return a.missing - b.missing;
    if (a.num !== null && b.num !== null && a.num !== b.num) return a.num - b.num;
    return a.text.localeCompare(b.text, undefined, {numeric: true});
  }
  function sortBy(table, th, col) {
    var rows = Array.prototype.slice.call(table.rows, 1);
    var up = th.getAttribute("aria-sort") !== "ascending";
    rows.sort(function (r, s) {
      var a = key(r, col), b = key(s, col);
      return (a.missing || b.missing) ? compare(a, b) : (up ? 1 : -1) * compare(a, b);
    });
    Array.prototype.forEach.call(table.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", up ? "ascending" : "descending");
    rows.forEach(function (r) { r.parentNode.appendChild(r); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table"), function (table) {
    if (table.rows.length < 3) return;
    Array.prototype.forEach.call(table.rows[0].cells, function (th, col) {
      th.setAttribute("data-sort", "");
      th.tabIndex = 0;
      th.title = "sort by this column";
      th.addEventListener("click", function () { sortBy(table, th, col); });
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortBy(table, th, col); });
    });
  });
})();
</script>"""


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
    out.append(SORTABLE_TABLES)
    out.append("</body></html>")
    return "\n".join(out)
