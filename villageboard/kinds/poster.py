"""The board poster (公开栏海报): one sheet for the paper board on the wall.

What a villager passing the board should take in from two metres: the village, the pinned
and newest notices, this period's accounts, the supervision phone, and a QR code of the
site (一村一码) for everything else. Made for A4 (``print/poster.html``) and A3
(``print/poster-a3.html``): the same page, its type scaled with the paper.

The poster always fits one sheet: it lists at most ``PINNED`` pinned and ``LATEST`` newest
items, as many as ``ROOM`` lines hold (a pinned title may take two lines, a latest one is cut
to one), and its sheet has the paper's height and clips whatever is left over.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from villageboard.kinds import finance, notices
from villageboard.planning.pages import Page
from villageboard.reading.chinese_amounts import yuan

PINNED = 2
LATEST = 3
ROOM = 10  # lines for the two lists: an item is its title and its date line, a long pinned title one more
TITLE_WIDTH = 20  # Chinese characters on a line of a title (poster.css: 1.05rem of 24 pt on 186 mm; A3 scales alike)
AMOUNT_WIDTH = 12  # characters of an amount a money box holds at full size: 9,999,999.99 (poster.css)
PAPERS = {"A4": "poster.html", "A3": "poster-a3.html"}  # paper -> page address under print/


@dataclass
class Line:
    """One item on the poster: a title, its section and date, and what a reader must know of its state."""

    title: str
    section: str
    published_on: object
    status: str | None  # 未通过, 已修订 (expired and withdrawn items are not on the poster)


def load(site) -> None:
    """The poster has no sources of its own."""


def _line(entry) -> Line:
    status = None
    if getattr(entry, "failed", False):
        status = "未通过"
    elif entry.revisions:
        status = "已修订"
    return Line(entry.title, entry.section_title, entry.published_on, status)


def _char_width(c: str) -> float:
    """A character's width in Chinese characters, as the poster's CJK font prints it. East Asian wide and
    full-width characters are one, and so are the ambiguous ones (“ ” ‘ ’ · — … ①), which a Chinese font
    prints full width; digits and most Latin letters about half, wide capitals and m, w, %, @ more."""
    if unicodedata.east_asian_width(c) in ("W", "F", "A"):
        return 1
    return 0.8 if c.isupper() or c in "mw%@" else 0.55


def title_lines(title: str) -> int:
    """Lines a pinned title takes on the poster (at most two; the rest is cut off)."""
    return 1 if sum(_char_width(c) for c in title) <= TITLE_WIDTH else 2


def long_amounts(ledger) -> bool:
    """Whether an amount in the money boxes is longer than AMOUNT_WIDTH (eight digits or more before the
    point): then all three print smaller, and up to 999,999,999.99 still stands on one line in its box."""
    return ledger is not None and any(len(yuan(a)) > AMOUNT_WIDTH
                                      for a in (ledger.income_total, ledger.expenditure_total, ledger.closing))


def chosen(site) -> tuple[list, list]:
    """(pinned, latest) entries as the home page has them, without withdrawn items, cut to what one sheet holds."""
    listed = lambda e: not getattr(e, "withdrawn", False)
    pinned = notices.newest_current(site, True, PINNED, listed)
    left = ROOM - sum(1 + title_lines(e.title) for e in pinned)
    return pinned, notices.newest_current(site, False, min(LATEST, left // 2), listed)


def pages(site):
    pinned, latest = chosen(site)
    ledger = finance.latest(site)
    sources = [site.village.path] + [e.path for e in pinned + latest] + ([ledger.path] if ledger else [])
    for paper, path in PAPERS.items():
        other = next(p for k, p in PAPERS.items() if k != paper)
        yield Page(path, "poster.html", f"{site.village.name}村务公开栏海报（{paper}）",
                   {"paper": paper, "other_paper": other, "pinned": [_line(e) for e in pinned],
                    "latest": [_line(e) for e in latest], "ledger": ledger,
                    "long_amounts": long_amounts(ledger),
                    "site_url": site.village.phone_url("")},
                   sources, renditions=("print",))
