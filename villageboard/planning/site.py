"""The site (全站): every kind's typed models, linked, and the pages they make.

Each content kind is a module in ``kinds/`` with ``load(site)`` (read and check its own
files into typed models, kept in the ``Site`` field named for it) and ``pages(site)`` (the
pages it contributes); optionally ``sections(site)`` for the home page's big buttons,
``panels(site)`` for blocks on the home page, ``slides(site)`` for the kiosk's attract loop
and ``files(site)`` for other outputs (CSV, SVG). Kinds load in the order of ``KINDS``: a
later one links to what an earlier one read (decisions join the 村务 listing, funds check
the ledgers' vouchers, revisions read the history of every item). Adding a kind is adding
its module to ``KINDS`` and, if others read its models, a typed field here.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path


from villageboard.cache import NONE, Cache, default_root
from villageboard.reading import images, markup, pdfs, privacy, sources
from villageboard.reading.memo import Memo
from villageboard.rendering import qr
from villageboard.kinds import (compact, decisions, feeds, finance, grids, home, households, kiosk, notices, poster,
                                revisions, search, village as village_kind)
from villageboard.reading.assets import Assets
from villageboard.reading.diagnostics import Report
from villageboard.reading.history import History
from villageboard.kinds.withdrawn import Withdrawn
from villageboard.planning.pages import Listed, Page, Panel, Section, Slide
from villageboard.kinds.village import Village

SOURCE_SUFFIXES = {".md", ".markdown", ".yaml", ".yml", ".txt"}
WITHDRAWN = "withdrawn.html"  # the template of a removed item's page (``kinds/withdrawn.py``)
# kiosk comes last: it checks the links and dates of everything the other kinds loaded.
KINDS = [home, notices, finance, decisions, compact, households, grids, revisions, feeds, search, poster, kiosk]


@dataclass
class Site:
    content: Path
    today: dt.date
    report: Report
    village: Village | None = None
    assets: Assets | None = None
    history: History | None = None
    drafts: bool = False  # `serve --drafts`: drafts are shown, marked 草稿; never for `build`
    preview: bool = False  # `serve`: pages carry the preview script (errors shown, reload on a new build)
    jobs: int = 1  # processes reading may use (--jobs)
    cache: Cache = NONE  # the build cache (构建缓存) beside the content
    memo: Memo | None = None  # what earlier builds of a running `serve` read, replayed for unchanged files
    # What each kind read, as typed models (filled in the order of KINDS; later kinds link to earlier ones).
    notices: dict[str, list[notices.Notice]] = field(default_factory=dict)  # section -> public notices
    withdrawn_notices: dict[str, list[Withdrawn]] = field(default_factory=dict)
    listings: dict[str, list[Listed]] = field(default_factory=dict)  # section -> what its list shows
    books: finance.Books = field(default_factory=finance.Books)
    decisions: list[decisions.Decision] = field(default_factory=list)
    decisions_withdrawn: list[Withdrawn] = field(default_factory=list)
    compact: compact.Compact = field(default_factory=compact.Compact)
    households: list[households.Household] = field(default_factory=list)
    households_withdrawn: list[Withdrawn] = field(default_factory=list)
    attachment_pages: dict[str, tuple] = field(default_factory=dict)  # picture's site path -> (pdf, page index, pdf hash)
    worked_out: dict[tuple, object] = field(default_factory=dict)  # what several kinds ask, once (notices.entries)

    def sections(self) -> list[Section]:
        found = [s for kind in KINDS for s in getattr(kind, "sections", lambda site: [])(self)]
        return sorted(found, key=lambda s: s.order)

    def panels(self) -> list[Panel]:
        found = [p for kind in KINDS for p in getattr(kind, "panels", lambda site: [])(self)]
        return sorted(found, key=lambda p: p.order)

    def slides(self) -> list[Slide]:
        found = [s for kind in KINDS for s in getattr(kind, "slides", lambda site: [])(self)]
        return sorted(found, key=lambda s: s.order)

    def pages(self) -> list[Page]:
        found = [page for kind in KINDS for page in kind.pages(self)]
        gone = {page.path for page in found if page.template == WITHDRAWN}
        # A removed item keeps its address only where it could have been published: one a list or a
        # live item claims was never its (a notice once named index.md, refused then with
        # E-OUTPUT-COLLISION, deleted or renamed since, would otherwise stop every build for good).
        taken = {page.path for page in found if page.path in gone and page.template != WITHDRAWN}
        return [page for page in found if page.template != WITHDRAWN or page.path not in taken] if taken else found

    def files(self) -> list[tuple[str, bytes | str]]:
        """Other outputs (CSV, SVG, feeds) as (site path, data)."""
        return [f for kind in KINDS for f in getattr(kind, "files", lambda site: [])(self)]


def load(content: Path, today: dt.date, drafts: bool = False, jobs: int = 1, memo: Memo | None = None,
         cache_root: Path | None = None) -> Site:
    """Read and check all of ``content``; look at ``site.report`` for what is wrong. With a ``memo``,
    a file unchanged since the memo's last build (or the one it stored) is not read again.
    ``cache_root``: the build cache, when not the one beside ``content`` (``default_root``)."""
    site = Site(content=content, today=today, report=Report(), drafts=drafts, jobs=jobs,
                cache=Cache(cache_root or default_root(content)), memo=memo)
    if memo is not None:
        if not memo.kept and memo.history is None:  # a command, or the first build of serve
            memo.restore(site.cache, content)
        memo.start()
    sources.forget_paths()
    for step in (markup, search, qr, images, pdfs):  # every slow step keeps its results in this village's cache
        step.use_cache(site.cache)
    if not content.is_dir():
        site.report.error(content, 1, "E-CONTENT-MISSING", "找不到内容文件夹")
        return site
    found = _every_file(site)
    if site.report.errors:  # a link no step can follow: nothing is read through it
        return site
    site.village = village_kind.load(content, site.report)
    if site.village is None:
        return site
    site.assets = Assets(content, site.village.public_phones)
    site.history = History(content, site.report, site.village.public_phones, earlier=memo and memo.history)
    if memo is not None:
        memo.history = site.history
    for kind in KINDS:
        kind.load(site)
    _check_every_file(site, found)
    return site


def _every_file(site: Site) -> list[tuple[str, bool]]:
    """Every entry of ``content/`` as (its path inside, whether a file), in order; dot files (git's,
    an editor's) are never published and left out. Every link (快捷方式) is checked here, before
    any step follows it: one that loops or leads nowhere would end the build in 内部错误 or
    silently drop what it names, and one that leads out of ``content/`` (a folder too) would
    publish what is not the village's to publish. In ``serve``, the walk of the build before
    where the system told of no name changed since (``memo.Told``), and no link was found: what a
    link leads to can change where nothing tells."""
    memo = site.memo
    found, said, links = memo.listed(_EVERY_FILE, None, lambda: _walk(site)) if memo else _walk(site)
    if links and memo.told is not None:
        memo.told = None  # so each file is looked at, and content/ walked again
        found, said, links = memo.listed(_EVERY_FILE, None, lambda: _walk(site))
    site.report.items += said
    return found


_EVERY_FILE = ("every file",)  # the memo's key (``Memo.listed``) for ``_walk``


def _walk(site: Site) -> tuple[list[tuple[str, bool]], list, bool]:
    """``_every_file`` afresh: what it found, what it said, whether it found a link."""
    report, links = Report(), False
    found, waiting = [], [""]
    top, root = os.path.join(site.content, ""), site.content.resolve()
    while waiting:
        inside = waiting.pop()
        try:
            listing = list(os.scandir(top + inside))
        except OSError:  # a folder that cannot be listed: as os.walk, passed over here
            continue
        for entry in listing:
            if entry.name.startswith("."):
                continue
            name = inside + entry.name
            if entry.is_symlink():
                links = True
                try:
                    target = Path(entry.path).resolve(strict=True)
                except (OSError, RuntimeError):  # RuntimeError: a loop
                    report.error(entry.path, 1, "E-SOURCE-LINK",
                                 "这是一个链接（快捷方式），它指向的文件或文件夹不存在，或者绕回了它自己，什么也读不出来；"
                                 "请删掉它，把文件本身放进来")
                    continue
                if not target.is_relative_to(root):
                    report.error(entry.path, 1, "E-SOURCE-OUTSIDE",
                                 "这个文件是指向 content 文件夹之外的链接（快捷方式），不能发布；请把文件本身放进来")
                    continue
            if entry.is_dir(follow_symlinks=False):
                waiting.append(name + os.sep)
                found.append((name, False))
            elif not entry.is_file():  # a named pipe would keep a reader waiting for ever; a device never ends
                report.warning(entry.path, 1, "W-CONTENT-SPECIAL",
                               "这不是普通文件（是管道、设备之类的特殊文件），读不出内容，不会发布；"
                               "请删掉它，把要发布的文件本身放进来")
                found.append((name, False))
            else:
                found.append((name, True))
    return sorted(found), report.items, links


def _check_every_file(site: Site, found: list[tuple[str, bool]]) -> None:
    """A file's name becomes an address on the site and in build-manifest.json, so no personal
    numbers in it; and nothing may silently disappear, so a source file that no kind read is in
    the wrong place. Said again as the build before said it where it walked the same files and
    read the same ones (``serve``: a save that made no file and read no other)."""
    memo, report, phones = site.memo, site.report, site.village.public_phones
    before = memo.checked if memo else None
    if before is not None and before[0] is found and before[2] == phones and before[1] == report.read:
        said = before[3]
    else:
        said = _check_names(site.content, found, report.read, phones)
        if memo is not None:
            memo.checked = (found, set(report.read), phones, said)
    report.items += said


def _check_names(content: Path, found: list[tuple[str, bool]], read_paths: set[Path], phones) -> list:
    report = Report()
    read = {str(p) for p in read_paths}
    root = os.path.join(content.resolve(), "")
    for name, is_file in found:
        if privacy.CANDIDATE_RE.search(os.path.basename(name)):  # most names hold no number at all
            privacy.scan(content / name, os.path.basename(name), report, phones, where="文件名里")
        if is_file and os.path.splitext(name)[1].lower() in SOURCE_SUFFIXES:
            real = root + name
            if real not in read and os.path.isfile(real) and Path(real).resolve() not in read_paths:
                report.warning(real, 1, "W-CONTENT-UNREAD",
                               "这个文件没有被读取，不会发布：请检查它放的文件夹和扩展名"
                               "（例如公告应直接放在 party/ 或 affairs/ 下，扩展名 .md）")
    return report.items
