"""What the renderer needs to know about one page, independent of its renditions.

A page has one phone address (``path``) and is made in each of its ``renditions``
(Hugo's output formats): the kiosk and print ones live under ``kiosk/`` and ``print/``.
Every page has a phone and a kiosk rendition; the ones worth putting on paper add print. ``sources`` lists the content files it was made from,
which the build writes into a manifest so rebuilds can become incremental.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Sequence

PER_PAGE = 20


@dataclass
class Page:
    path: str
    template: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    sources: list[Path] = field(default_factory=list)
    renditions: tuple[str, ...] = ("phone", "kiosk")


class Listed(Protocol):
    """One entry of a section's list (a notice, a decision, a withdrawn item): what every
    list, archive, feed and search result needs of it, whatever its kind."""

    url: str
    title: str
    slug: str
    path: Path
    date: dt.date
    published_on: dt.date
    category: str | None
    summary: str | None
    pinned: bool
    section_title: str
    revisions: list
    status: Any  # kinds.status.Status: 未通过, 已撤下, 已过公示期, 已修订

    def is_expired(self, today: dt.date) -> bool: ...


@dataclass
class Section:
    """A big button on the home page (党务公开, 村务公开, 财务公开…)."""

    key: str
    title: str
    url: str
    hint: str
    order: int


@dataclass
class Panel:
    """A block that a kind contributes to the home page, rendered from ``template``."""

    template: str
    order: int
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class Slide:
    """One screen of the kiosk's attract loop, readable from two metres."""

    label: str  # e.g. 置顶公告, 财务公开, 村规民约
    title: str
    lines: list[str]
    url: str  # phone path of the page it comes from
    order: int = 50


@dataclass
class Pager:
    number: int
    count: int
    base: str  # "party/index" -> party/index.html, party/index-2.html …

    def url(self, number: int) -> str:
        return f"{self.base}.html" if number == 1 else f"{self.base}-{number}.html"

    @property
    def path(self) -> str:
        return self.url(self.number)

    @property
    def prev(self) -> str | None:
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.url(self.number + 1) if self.number < self.count else None


def paginate(items: Sequence, base: str, per_page: int = PER_PAGE):
    """Yield (pager, items on that page); an empty list still gets its first page."""
    count = max(1, math.ceil(len(items) / per_page))
    for n in range(1, count + 1):
        yield Pager(n, count, base), items[(n - 1) * per_page: n * per_page]
