"""Published items whose source file was removed (撤下).

Nothing may silently disappear from the board: an item that was public keeps its
address, which says when it was removed and why (the commit message), and points to
its replacement when the file was only renamed. Its old text is not published again,
since a withdrawal is often a correction of something that should not have been shown.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from villageboard.reading import privacy, strictyaml
from villageboard.reading.diagnostics import Report
from villageboard.reading.fields import Record, Schema
from villageboard.reading.history import Deletion, FileHistory, Revision
from villageboard.kinds.status import Status
from villageboard.reading.sources import SourceText, as_lines, check_address, split_front_matter


@dataclass
class Withdrawn:
    """撤下的内容: enough of a removed item to answer at its old address."""

    section: str  # the folder of its section's pages, e.g. "affairs", "finance"
    section_title: str
    slug: str
    path: Path
    title: str
    date: dt.date
    published_on: dt.date
    removed: Revision
    moved_to: Any = None  # the current item that took its place (has url and title)
    what: str = "本公告"  # how the page names the removed item
    index_url: str = ""  # its section's listing; by default <section>/index.html
    category: str | None = None
    summary: str | None = None
    pinned: bool = False
    withdrawn: bool = True
    revisions: tuple = ()
    # Its removal, as a page's 本页内容更新于 counts it (``rendering/record.py``): a list that no longer
    # shows an item, or shows it withdrawn, changed on that day.
    history: FileHistory | None = None

    def __post_init__(self):
        self.index_url = self.index_url or f"{self.section}/index.html"
        self.history = self.history or FileHistory([self.removed])

    @property
    def url(self) -> str:
        return f"{self.section}/{self.slug}.html"

    @property
    def status(self) -> Status:
        return Status.of(withdrawn=True)

    def is_expired(self, today: dt.date) -> bool:
        return True  # never among the current items; listed in its year's archive


def last_record(deletion: Deletion, schema: Schema, site, front_matter: bool = False,
                phone_field: bool = False) -> Record | None:
    """The removed file's fields as they last stood in git; its old mistakes are not reported, and a
    personal number in them is masked (its title is shown on the withdrawn page and in lists: left
    whole, it stopped every build for good, with an error no edit could mend)."""
    text = deletion.last_text()
    if not text:
        return None
    text, leaked = privacy.mask_old(text, site.village.public_phones, phone_field)
    if leaked:
        site.report.warning(deletion.path, 1, "W-PRIVACY-HISTORY",
                            "这个已删去的文件，最后一版里有身份证号、手机号或银行卡号：网站的撤下页和列表里已经隐去，"
                            "但 git 仓库里还保存着原文。仓库如果公开（或交给别人），请熟悉 git 的人用 git filter-repo 从历史里删去这个号码")
    quiet = Report()
    source = SourceText(deletion.path, as_lines(text.lstrip("\ufeff")))
    if front_matter:
        doc = split_front_matter(source, quiet)
        return doc and schema.read(strictyaml.load(doc.meta, deletion.path, quiet, doc.meta_line),
                                   deletion.path, quiet)
    return schema.read(strictyaml.load(source.text, deletion.path, quiet), deletion.path, quiet)


def addressable(deletion: Deletion, code: str, **reserved) -> bool:
    """Whether the removed file's name could be its page's address (``check_address``): a file every
    build refused for its name (``index``) was never published, so its removal is no withdrawal."""
    return check_address(deletion.path, Report(), code, **reserved)


def was_public(published: dt.date, deletion: Deletion, today: dt.date) -> bool:
    """Removed after its publication date (and not in the future of this build)."""
    return published <= min(deletion.removed.when.date(), today)
