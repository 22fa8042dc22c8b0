"""Notices (公告): party affairs (党务公开) in ``content/party`` and village affairs
(村务公开) in ``content/affairs``, one Markdown file with YAML front matter each."""
from __future__ import annotations

import datetime as dt
import functools
import heapq
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from villageboard.kinds import attachments as attachment_files
from villageboard.reading import markup
from villageboard.kinds.attachments import Attachment
from villageboard.reading.assets import Assets
from villageboard.reading.fields import Field, Schema
from villageboard.reading.history import Deletion, FileHistory
from villageboard.reading.memo import read_each, resorted
from villageboard.planning.pages import PER_PAGE, Page, Panel, Section, Slide, paginate
from villageboard.reading.sources import check_address, read_markdown, list_sources, real_path
from villageboard.kinds.withdrawn import Withdrawn, last_record, was_public
from villageboard.kinds.status import Status

SECTIONS = {  # folder -> (title, hint, order)
    "party": ("党务公开", "支部工作、党员发展、党费", 10),
    "affairs": ("村务公开", "村级事务、补贴、项目建设", 20),
}
DEFAULT_UNIT = "村民委员会"

# An attachment is a file name beside the notice, or {file, title} so villagers read a real name.
ATTACHMENT = Schema(
    file=Field("text", required=True, label="文件"),
    title=Field("text", label="附件标题"),
)

SCHEMA = Schema(
    title=Field("text", required=True, label="标题"),
    date=Field("date", required=True, label="日期"),
    category=Field("text", label="类别"),
    summary=Field("text", label="摘要"),
    publish=Field("date", label="发布日期"),
    expires=Field("date", label="到期日期"),
    pinned=Field("bool", default=False, label="置顶"),
    draft=Field("bool", default=False, label="草稿"),
    attachments=Field("list", item=Field("map", schema=ATTACHMENT, shorthand="file", label="附件"), default=list,
                      label="附件"),
    unit=Field("text", label="发布单位"),
)


@dataclass
class Notice:
    """公告: one notice of a section, as the villager will read it."""

    section: str
    slug: str
    path: Path
    title: str
    date: dt.date
    body_html: str
    history: FileHistory
    category: str | None = None
    summary: str | None = None
    publish: dt.date | None = None
    expires: dt.date | None = None
    pinned: bool = False
    draft: bool = False
    unit: str = DEFAULT_UNIT
    attachments: list[Attachment] = field(default_factory=list)
    as_of: dt.date | None = None  # the day the site is built for: whether it is past ``expires`` then

    @property
    def url(self) -> str:
        return f"{self.section}/{self.slug}.html"

    @property
    def status(self) -> Status:
        """What every list shows beside the title: 已过公示期, 已修订."""
        return Status.of(expired=self.as_of is not None and self.is_expired(self.as_of), revised=bool(self.revisions))

    @property
    def section_title(self) -> str:
        return SECTIONS[self.section][0]

    @property
    def published_on(self) -> dt.date:
        return self.publish or self.date

    def is_public(self, today: dt.date) -> bool:
        return today >= self.published_on  # drafts never get this far unless a preview asked for them

    def is_expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires

    @property
    def revisions(self):
        return self.history.revised_after(self.published_on)


def _read(path: Path, section: str, site) -> Notice | None:
    report = site.report
    read = check_address(path, report, "E-NOTICE-FILENAME") and read_markdown(path, site)
    if not read:
        return None
    later = LATER_LIST_PAGE.fullmatch(path.stem)
    if later:  # 2026-2.md, "2026年第2号": free today, the year's second list page once the year has more notices
        year, page = later.groups()
        report.warning(path, 1, "W-NOTICE-FILENAME-LIST",
                       f"文件名 {path.stem} 和“{year}年”列表第 {page} 页的网址一样：这一栏 {year} 年的公告多于 "
                       f"{PER_PAGE * (int(page) - 1)} 条时，两个会冲突，网站就生成不了；请趁早改个名字，"
                       f"例如 {year}-di{page}hao")
    doc, node = read
    rec = SCHEMA.read(node, path, report, doc.meta_line)
    if rec is None or rec["title"] is None or rec["date"] is None:
        return None
    if rec["draft"] and not site.drafts:  # never published: its attachments and links are not checked or copied
        report.draft(path, rec["title"])
        return None
    publish, expires = rec["publish"], rec["expires"]
    what = f"{SECTIONS[section][0]}《{rec['title']}》"
    report.schedule(publish or rec["date"], site.today, f"{what}发布")
    if expires:
        report.schedule(expires, site.today, f"{what}到期，移入往年公告", after=True)
    if expires and expires < (publish or rec["date"]):
        report.error(path, rec.line_of("expires"), "E-NOTICE-EXPIRES",
                     f"到期日期 {expires} 早于发布日期 {publish or rec['date']}")
    if (publish or rec["date"]) > site.today:
        # Not public yet: what it links is checked now, as it will be on its day (a scheduled build must
        # not fail then), but none of it is registered for publishing: a picture or list guessed at its
        # address would be out before the notice.
        published, pages = site.assets, site.attachment_pages
        site.assets, site.attachment_pages = Assets(site.content, site.village.public_phones), {}
        try:
            _notice(path, section, site, rec, doc, publish, expires)
        finally:
            site.assets, site.attachment_pages = published, pages
        return None
    return _notice(path, section, site, rec, doc, publish, expires)


def _notice(path: Path, section: str, site, rec, doc, publish, expires) -> Notice:
    report = site.report
    attachments = []
    for item, line in zip(rec["attachments"], rec.item_lines.get("attachments", [])):
        if item["file"] is None:  # {title: …} without a file: already reported as missing
            continue
        found = attachment_files.load(site, item["file"], item["title"], path, line)
        if found:
            attachments.append(found)
    return Notice(
        section=section, slug=path.stem, path=path, title=rec["title"], date=rec["date"],
        body_html=markup.render(doc.body, path, doc.body_line, site.assets, report, site.village.public_phones),
        history=site.history.of(path), category=rec["category"], summary=rec["summary"],
        publish=publish, expires=expires, pinned=rec["pinned"], draft=rec["draft"], unit=rec["unit"] or DEFAULT_UNIT,
        attachments=attachments, as_of=site.today if expires else None,  # only an expiry makes the day matter
    )


# The names a section's lists take (index.html, index-2.html, 2026.html): a notice file named so is
# refused by every build (E-OUTPUT-COLLISION), so its removal is no withdrawal.
LIST_NAMES = re.compile(r"index(-[0-9]+)?|[0-9]{4}")  # ASCII: \d would take ２０２６ too
# The names of a year's later list pages (2026-2.html): a notice may take one until its year has that many.
LATER_LIST_PAGE = re.compile(r"([0-9]{4})-([2-9]|[1-9][0-9]{1,3})")


def _withdrawn(deletion: Deletion, section: str, site, live: Callable[[], dict[Path, Notice]]) -> Withdrawn | None:
    """The removed notice as it last stood, if it had been published by then."""
    if LIST_NAMES.fullmatch(deletion.path.stem):  # a list page's address: it was never published there
        return None
    rec = last_record(deletion, SCHEMA, site, front_matter=True)
    if not rec or rec["title"] is None or rec["date"] is None or rec["draft"]:
        return None
    published = rec["publish"] or rec["date"]
    if not was_public(published, deletion, site.today):
        return None
    # Only a rename (git's, by content) moves a notice: one removed and another added under its title
    # is a withdrawal, and the old text must not pass for the new one's.
    moved_to = site.history.moved_to(deletion)
    moved = live().get(moved_to) if moved_to is not None else None
    return Withdrawn(section, SECTIONS[section][0], deletion.path.stem, deletion.path, rec["title"], rec["date"],
                     published, deletion.removed, moved, category=rec["category"])


def newest(n) -> tuple:
    """The order of the lists, newest last."""
    return n.published_on, n.date, n.slug


def _newest_first(items: list[Notice]) -> list[Notice]:
    return sorted(items, key=newest, reverse=True)


def load(site) -> None:
    found: dict[str, list[Notice]] = {}
    files = {section: list_sources(site.content / section, (".md",), site) for section in SECTIONS}
    markup.prepare([p for paths in files.values() for p in paths], site)
    for section in SECTIONS:
        notices = read_each(site, files[section], functools.partial(_read, section=section, site=site), section)
        found[section] = [n for n in notices if n and n.is_public(site.today)]
    site.notices = found
    # By their real paths, as git names them; asked only where a notice was renamed away.
    live = functools.cache(lambda: {real_path(n.path): n for notices in found.values() for n in notices})
    site.withdrawn_notices = {
        section: [w for d in site.history.deleted_in(site.content / section, ".md")
                  if (w := _withdrawn(d, section, site, live))]
        for section in SECTIONS}
    # What the section listings show. Other kinds (decisions) add their own entries here;
    # an entry needs: url, title, published_on, date, slug, category, summary, pinned,
    # section_title, revisions, status (status.Status), path and is_expired(today).
    site.listings = {section: found[section] + [w for w in site.withdrawn_notices[section] if not w.moved_to]
                            for section in SECTIONS}


def entries(site, section: str) -> list:
    """The section's list, newest first. It and ``current`` are worked out once a build: every list
    page, the home page, the kiosk and the poster ask, and at ten thousand notices each sort cost
    a hundredth of a second. Not to be changed by those who ask."""
    listed = site.listings[section]
    key = ("entries", section, len(listed))  # the kinds that add to a list have all loaded by now
    if key not in site.worked_out:
        # In serve, the list of the save before with what the save changed taken out and put in.
        site.worked_out[key] = _newest_first(listed) if site.memo is None else \
            site.memo.again(f"entries {section}", listed, lambda: _newest_first(listed), _resorted)
    return site.worked_out[key]


# Each section's list, newest first, with what a save changed put in its place (``reading/memo.py``).
_resorted = functools.partial(resorted, key=newest, greatest_first=True)


def current(site, section: str) -> list:
    """Not expired, pinned first, newest first."""
    listed = entries(site, section)
    key = ("current", section, len(listed))
    if key not in site.worked_out:
        def make():
            live = [n for n in listed if not n.is_expired(site.today)]
            return [n for n in live if n.pinned] + [n for n in live if not n.pinned]  # each newest first

        def patch(made, gone, added):  # what a save changed put in its place, if still current
            return _recurrent(made, gone, [n for n in added if not n.is_expired(site.today)])

        site.worked_out[key] = make() if site.memo is None else \
            site.memo.again(f"current {section} {site.today}", listed, make, patch)
    return site.worked_out[key]


def _pinned_newest(n) -> tuple:
    """The order of ``current``: pinned first, each newest first."""
    return n.pinned, newest(n)


_recurrent = functools.partial(resorted, key=_pinned_newest, greatest_first=True)


def newest_current(site, pinned: bool, count: int | None = None, keep=None) -> list:
    """The ``count`` newest (None: all) current entries of every section that are pinned, or not
    pinned, and that ``keep`` keeps, newest first: as sorting them all would give, but taken from
    the head of each section's ``current``, which is in that order already (six wanted out of ten
    thousand, in every save)."""
    if count is not None and count <= 0:
        return []
    found = []
    for section in SECTIONS:
        taken = 0
        for n in current(site, section):
            if n.pinned != pinned:
                if pinned:  # the pinned ones come first
                    break
                continue
            if keep is None or keep(n):
                found.append(n)
                taken += 1
                if taken == count:
                    break
    return _newest_first(found) if count is None else heapq.nlargest(count, found, key=newest)


def sections(site) -> list[Section]:
    return [Section(key, title, f"{key}/index.html", hint, order)
            for key, (title, hint, order) in SECTIONS.items()]


def panels(site) -> list[Panel]:
    pinned, latest = newest_current(site, True), newest_current(site, False, 6)
    # First of the panels: on a phone the first screen holds the village and its news (order 1).
    return [Panel("parts/home-notices.html", 1, {"pinned": pinned, "latest": latest})]


@dataclass
class NoticeSlide(Slide):
    """A pinned notice in the kiosk's attract loop; the kiosk drops it once ``expires`` has passed."""

    expires: dt.date | None = None


def slides(site) -> list[Slide]:
    """置顶公告 for the kiosk's attract loop, newest first."""
    found = []
    for i, n in enumerate(newest_current(site, True)):
        lines = [n.summary] if n.summary else [_first_words(n.body_html)]
        if n.expires:
            lines.append(f"公示至 {n.expires.year}年{n.expires.month}月{n.expires.day}日")
        label = " · ".join(["置顶公告", n.section_title, *map(str, n.status)])
        found.append(NoticeSlide(label, n.title, [t for t in lines if t], n.url,
                                 order=10 + i, expires=n.expires))
    return found


def _first_words(body_html: str, limit: int = 60) -> str:
    text = " ".join(re.sub(r"<[^>]+>", " ", body_html).split())
    return text if len(text) <= limit else text[:limit] + "…"


def pages(site):
    for section, (title, hint, _) in SECTIONS.items():
        listed = entries(site, section)
        if site.memo is None:
            yield from _section_pages(site, section, title, listed)
        else:
            # In serve, the pages of the save before, with those that show what the save changed made again.
            yield from site.memo.again(f"pages {section} {site.today}", listed,
                                       lambda: list(_section_pages(site, section, title, listed)),
                                       functools.partial(_repaged, today=site.today))
        for gone in site.withdrawn_notices[section]:
            yield Page(gone.url, "withdrawn.html", gone.title, {"item": gone}, [gone.path])


def _section_pages(site, section: str, title: str, listed: list):
    """A section's list pages (current, then by year) and its notices' pages."""
    planned = site.memo.pages if site.memo else {}
    by_year: dict[int, list] = {}  # newest first, as listed; in one pass, not one a year
    for n in listed:
        by_year.setdefault(n.published_on.year, []).append(n)
    years = sorted(by_year, reverse=True)
    live = current(site, section)
    for pager, items in paginate(live, f"{section}/index"):
        yield Page(pager.path, "section.html", title,
                   {"section": section, "notices": items, "pager": pager, "years": years, "year": None},
                   [n.path for n in items])
    for year in years:
        for pager, items in paginate(by_year[year], f"{section}/{year}"):
            yield Page(pager.path, "section.html", f"{title} · {year}年",
                       {"section": section, "notices": items, "pager": pager, "years": years, "year": year},
                       [n.path for n in items])
    for notice in site.notices[section]:
        page = planned.get(notice.url)
        # The very notice, replayed unchanged (``reading/memo.py``): the very page planned for it
        # last time, which ``same_pages`` then need not compare.
        if page is None or page.context.get("notice") is not notice:
            page = _notice_page(notice)
        yield page


def _notice_page(notice) -> Page:
    return Page(notice.url, "notice.html", notice.title, {"notice": notice}, [notice.path],
                renditions=("phone", "kiosk", "print"))


def _repaged(made: list[Page], gone: list, added: list, today: dt.date) -> list[Page] | None:
    """``_section_pages`` after a save that changed entries without moving any (``Memo.again``'s
    patch): each one ``added`` stands where one ``gone`` stood, at the same address, in the same
    place of every list, still current or not. The pages that show one are made again, the others
    kept. None otherwise: then every page is made afresh."""
    def place(n) -> tuple:
        return type(n), n.url, newest(n), n.pinned, n.is_expired(today)

    if len(gone) != len(added):
        return None
    was = {place(n): n for n in gone}
    swap = {}
    for n in added:
        old = was.pop(place(n), None)
        if old is None:
            return None
        swap[id(old)] = n
    found = []
    for page in made:
        if page.template == "notice.html":
            notice = swap.get(id(page.context["notice"]))
            if notice is not None:
                page = _notice_page(notice)
        elif not swap.keys().isdisjoint(map(id, page.context["notices"])):
            items = [swap.get(id(n), n) for n in page.context["notices"]]
            page = Page(page.path, page.template, page.title, {**page.context, "notices": items}, [n.path for n in items])
        found.append(page)
    return found


def files(site) -> list[tuple[str, bytes]]:
    """The page pictures of PDF attachments, for the paper board and the kiosk."""
    return attachment_files.files(site)
