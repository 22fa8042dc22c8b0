"""What the renderer needs to know about one page, independent of its renditions.

A page has one phone address (``path``) and is made in each of its ``renditions``
(Hugo's output formats): the kiosk and print ones live under ``kiosk/`` and ``print/``.
Every page has a phone and a kiosk rendition; the ones worth putting on paper add print. ``sources`` lists the content files it was made from,
which the build writes into a manifest so rebuilds can become incremental.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import operator
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


_HAS_HISTORY: dict[type, bool] = {}  # model types whose ``history`` says when they changed


def has_history(kind: type) -> bool:
    """Whether ``kind`` is an item of the village (a notice, a ledger…): a model read from a file of
    its own, whose ``history`` says when that file changed."""
    shows = _HAS_HISTORY.get(kind)
    if shows is None:
        shows = _HAS_HISTORY[kind] = dataclasses.is_dataclass(kind) and any(
            f.name == "history" for f in dataclasses.fields(kind))
    return shows


def same_pages(pages: list[Page], earlier: dict[str, Page], unchanged: set[int]) -> tuple[list[Page], dict[str, Page]]:
    """``pages``, each the very object the last build planned (``earlier``, by path) where it shows
    the same: its digest then need not be worked out again (``rendering/record.py``), which for ten
    thousand notices cost a tenth of every save and a quarter of a second of every command. Only
    where every value it shows is a model replayed unchanged (``reading/memo.py``), or text, a
    number or a day, or lists and small records of those: a model the linking made anew may
    differ. ``unchanged``: the ids of the models replayed (``Memo.unchanged``). Also gives, by path,
    the pages the next build may take in the same way."""
    found, keep = [], {}
    for page in pages:
        old = earlier.get(page.path)
        if old is page:  # a kind gave the page it planned last time (``kinds/notices.pages``)
            keep[page.path] = page
        elif old is not None and (old.template, old.title, old.renditions, old.sources) == \
                (page.template, page.title, page.renditions, page.sources) \
                and old.context.keys() == page.context.keys() \
                and all(_same(value, old.context[name], unchanged) for name, value in page.context.items()):
            page = keep[page.path] = old
        elif all(_plain(value) for value in page.context.values()):
            keep[page.path] = page
        found.append(page)
    return found, keep


_ATOMS = (str, int, bool, type(None), dt.date)


def _same(value, earlier, unchanged: set[int], depth: int = 3) -> bool:
    kind = type(value)
    if kind is not type(earlier):
        return False
    if kind in _ATOMS:
        return value == earlier
    if value is earlier and id(value) in unchanged:
        return True
    if depth == 0:
        return False
    if kind in (list, tuple):
        if len(value) != len(earlier):
            return False
        # A list page's twenty notices, the very ones replayed: at once, not one by one (a thousand
        # list pages compared on every save in serve).
        if all(map(operator.is_, value, earlier)) and unchanged.issuperset(map(id, value)):
            return True
        return all(_same(v, e, unchanged, depth - 1) for v, e in zip(value, earlier))
    names = _fields_of(kind)
    if names is not None:
        return all(_same(getattr(value, name), getattr(earlier, name), unchanged, depth - 1) for name in names)
    return False


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _fields_of(kind: type) -> tuple[str, ...] | None:
    """The fields of a small record (a dataclass that is no item of the village, a list's pager),
    None for anything else: asked once a type, not of each of a thousand pagers on every save."""
    found = _FIELDS.get(kind, ())
    if found == ():
        found = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind)) \
            if dataclasses.is_dataclass(kind) and not has_history(kind) else None
    return found


def _plain(value, depth: int = 3) -> bool:
    """Whether a value could be found the same by ``_same``: a page that shows anything else is
    never kept (nor stored with the readings, where it might not even be pickled)."""
    kind = type(value)
    if kind in _ATOMS or has_history(kind):
        return True
    if depth == 0:
        return False
    if kind in (list, tuple):
        return all(_plain(v, depth - 1) for v in value)
    names = _fields_of(kind)
    return names is not None and all(_plain(getattr(value, name), depth - 1) for name in names)
