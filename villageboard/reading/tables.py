"""Tables in notice bodies, readable on a phone.

A table of five columns on a 360 px screen squeezes Chinese into one-character columns
(王/某/英 stacked). On a narrow screen (site.css) each row becomes a card of "label:
value" lines instead, so each cell needs its column's name: this gives every body cell a
``data-label`` from the table's header row (site.css: ``table:has(td[data-label])``).
Tables without a header row, or with merged cells, keep the plain table (it scrolls sideways).
"""
from __future__ import annotations

import html
import re

TABLE_RE = re.compile(r"<table>(.*?)</table>", re.S)
HEAD_RE = re.compile(r"<thead>(.*?)</thead>", re.S)
HEADER_CELL_RE = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
ROW_RE = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL_RE = re.compile(r"<td\b")
TAG_RE = re.compile(r"<[^>]+>")


def label_cells(page_html: str) -> str:
    """``page_html`` (sanitized Markdown output) with its header-row tables made into cards."""
    return TABLE_RE.sub(_one, page_html)


def _one(match: re.Match) -> str:
    inner = match.group(1)
    head = HEAD_RE.search(inner)
    if head is None or "<table" in inner or "colspan" in inner or "rowspan" in inner:
        return match.group(0)
    labels = [_attribute(cell) for cell in HEADER_CELL_RE.findall(head.group(1))]
    if not labels or not any(labels):
        return match.group(0)

    def row(m: re.Match) -> str:
        cells = CELL_RE.findall(m.group(1))
        if len(cells) != len(labels):  # a row of its own shape: its cells cannot be named
            return m.group(0)
        names = iter(labels)
        return "<tr>" + CELL_RE.sub(lambda _: f'<td data-label="{next(names)}"', m.group(1)) + "</tr>"

    body = inner[:head.start()] + head.group(0) + ROW_RE.sub(row, inner[head.end():])
    return f"<table>{body}</table>"


def _attribute(cell_html: str) -> str:
    """A header cell's text, ready to stand in a double-quoted attribute."""
    text = " ".join(html.unescape(TAG_RE.sub("", cell_html)).split())
    return html.escape(text, quote=True)
