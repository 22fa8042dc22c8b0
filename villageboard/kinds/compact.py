"""The village compact (村规民约): one Markdown file per version in ``content/compact``.

Every version stays readable (it is part of the village archive); the newest adopted
one is in force. Each version is compared with the next article by article (第X条, list
items, headings; see ``textdiff``), and character by character inside a changed article,
since Chinese has no spaces to split words at. The comparison marks insertions and
deletions with underline, strike-through and words, not with colour alone.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from villageboard.reading import markup
from villageboard.reading.fields import Field, Schema
from villageboard.reading.history import FileHistory
from villageboard.kinds.status import Status
from villageboard.planning.pages import Page, Section, Slide
from villageboard.reading.sources import check_address, read_markdown, list_sources, real_path
from villageboard.kinds.withdrawn import Withdrawn, addressable, last_record, was_public
from villageboard.kinds import textdiff
from villageboard.kinds.textdiff import Piece  # noqa: F401  (the comparison's pieces, for callers)

FOLDER = "compact"
SCHEMA = Schema(
    title=Field("text", required=True, label="名称"),
    adopted=Field("date", required=True, label="通过日期"),
    meeting=Field("text", required=True, label="表决会议"),
    votes=Field("map", required=True, label="表决票数", schema=Schema(**{
        "for": Field("count", required=True, label="赞成"),
        "against": Field("count", required=True, label="反对"),
        "abstain": Field("count", required=True, label="弃权")})),
    filed_with=Field("text", label="备案机关"),
)
# A verse clause: three, four, five or seven characters between punctuation marks.
VERSE_CLAUSE = re.compile(r"[^，。；、！？,.;!?\s]+")
VERSE_LENGTHS = {3, 4, 5, 7}
SLIDE_LINES = 4
MAX_SLIDES = 4


@dataclass
class CompactVersion:
    """村规民约的一个版本: its text and how it was adopted."""

    slug: str
    path: Path
    title: str
    adopted: dt.date
    meeting: str
    votes_for: int
    against: int
    abstain: int
    text: str  # the Markdown source, for the comparison
    body_html: str
    history: FileHistory
    filed_with: str | None = None
    current: bool = False
    previous: "CompactVersion | None" = None
    next: "CompactVersion | None" = None

    @property
    def url(self) -> str:
        return f"{FOLDER}/{self.slug}.html"

    @property
    def diff_url(self) -> str | None:
        """The comparison of this version with the next one."""
        return f"{FOLDER}/compare-{self.slug}.html" if self.next else None

    @property
    def published_on(self) -> dt.date:
        return self.adopted

    @property
    def revisions(self):
        return self.history.revised_after(self.adopted)

    @property
    def status(self) -> Status:
        return Status.of(revised=bool(self.revisions))

    @property
    def votes_cast(self) -> int:
        return self.votes_for + self.against + self.abstain

    def verse(self) -> list[list[str]]:
        """Runs of rhymed lines (三字经, 七字句…) in this version, as plain text."""
        runs, run = [], []
        for line in _plain_lines(self.text):
            if is_verse(line):
                run.append(line)
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
        return [r for r in runs if len(r) >= 2]


def is_verse(line: str) -> bool:
    """A line of two or more clauses of one length among 3, 4, 5 and 7 characters."""
    clauses = VERSE_CLAUSE.findall(line)
    return len(clauses) >= 2 and len({len(c) for c in clauses}) == 1 and len(clauses[0]) in VERSE_LENGTHS


PARAGRAPH_RE = re.compile(r"<p>(.*?)</p>", re.S)
TAG_RE = re.compile(r"<[^>]+>")


def mark_verse(html: str) -> str:
    """Give paragraphs made only of verse lines a class, so they are set centred like a poem."""
    def one(m: re.Match) -> str:
        lines = [TAG_RE.sub("", part).strip() for part in re.split(r"<br\s*/?>", m.group(1))]
        lines = [line for line in lines if line]
        return f'<p class="verse">{m.group(1)}</p>' if len(lines) >= 2 and all(map(is_verse, lines)) else m.group(0)
    return PARAGRAPH_RE.sub(one, html)


def _plain_lines(text: str) -> list[str]:
    """The Markdown source as the reader sees it: no heading marks, emphasis or list bullets."""
    lines = []
    for line in text.strip("\n").split("\n"):
        line = re.sub(r"^\s{0,3}(#{1,6}\s+|[-*+]\s+|>\s?)", "", line.rstrip())
        lines.append(line.replace("**", "").replace("__", ""))
    return lines


@dataclass
class Compact:
    """村规民约: the versions in force or past, oldest first, their comparisons and withdrawn ones."""

    versions: list[CompactVersion] = field(default_factory=list)
    comparisons: list["Comparison"] = field(default_factory=list)
    withdrawn: list[Withdrawn] = field(default_factory=list)
    withdrawn_newer: list[Withdrawn] = field(default_factory=list)  # adopted after the one now shown as current


@dataclass
class Comparison:
    """村规民约两个版本的逐条对照: articles paired, characters marked inside changed ones."""

    older: CompactVersion
    newer: CompactVersion
    diff: textdiff.TextComparison

    @property
    def url(self) -> str:
        return self.older.diff_url

    @property
    def inserted(self) -> int:
        return self.diff.inserted

    @property
    def deleted(self) -> int:
        return self.diff.deleted

    @property
    def blocks(self) -> list[textdiff.BlockDiff]:
        return self.diff.blocks


def compare(old: str, new: str) -> tuple[list[list[Piece]], int, int]:
    """The comparison as lines of pieces (a blank line between paragraphs), and the characters added and removed."""
    diff = textdiff.compare(old, new)
    return diff.lines(), diff.inserted, diff.deleted


def _read(path: Path, site) -> CompactVersion | None:
    report = site.report
    mark = report.mark()
    read = (check_address(path, report, "E-COMPACT-FILENAME", names=("index",), prefixes=("compare-",))
            and read_markdown(path, site))
    if not read:
        return None
    doc, node = read
    rec = SCHEMA.read(node, path, report, doc.meta_line)
    if rec is None or report.failed_since(mark):
        return None
    votes = rec["votes"]
    if votes["for"] * 2 <= votes["for"] + votes["against"] + votes["abstain"]:
        report.error(path, votes.line_of("for"), "E-COMPACT-VOTES",
                     f"赞成 {votes['for']} 票，没有超过投票人数 {votes['for'] + votes['against'] + votes['abstain']} "
                     "的半数：未获通过的草案不能作为村规民约公布")
    if not doc.body.strip():
        report.error(path, doc.body_line, "E-COMPACT-EMPTY", "村规民约正文是空的：请在 --- 下面写上条文")
    if report.failed_since(mark):
        return None
    return CompactVersion(
        slug=path.stem, path=path, title=rec["title"], adopted=rec["adopted"], meeting=rec["meeting"],
        votes_for=votes["for"], against=votes["against"], abstain=votes["abstain"], text=doc.body,
        body_html=mark_verse(markup.render(doc.body, path, doc.body_line, site.assets, report,
                                           site.village.public_phones)),
        history=site.history.of(path), filed_with=rec["filed_with"])


def load(site) -> None:
    folder = site.content / FOLDER
    found = [_read(p, site) for p in list_sources(folder, (".md",), site)]
    versions = sorted((v for v in found if v is not None), key=lambda v: v.adopted)
    seen: dict[dt.date, CompactVersion] = {}
    for v in versions:
        if v.adopted in seen:
            site.report.error(v.path, 1, "E-COMPACT-SAME-DATE",
                              f"与 {seen[v.adopted].path.name} 的通过日期都是 {v.adopted}：每个版本的通过日期应不同，"
                              "否则分不清哪个是现行版本")
        seen[v.adopted] = v
    # A version adopted after the build day is not in force yet and not shown.
    for v in versions:
        site.report.schedule(v.adopted, site.today, f"村规民约《{v.title}》生效")
    versions = [v for v in versions if v.adopted <= site.today]
    for older, newer in zip(versions, versions[1:]):
        older.next, newer.previous = newer, older
    if versions:
        versions[-1].current = True
    comparisons = []
    for v in versions:
        if v.next:
            comparisons.append(Comparison(v, v.next, textdiff.compare(v.text, v.next.text)))
    withdrawn = [w for d in site.history.deleted_in(folder, ".md") if (w := _withdrawn(d, site, versions))]
    newer = sorted((w for w in withdrawn if not w.moved_to and versions and w.date > versions[-1].adopted),
                   key=lambda w: w.date)
    if newer:
        _warn_current_withdrawn(site, newer[-1], versions[-1])
    site.compact = Compact(versions, comparisons, withdrawn, newer)


def _warn_current_withdrawn(site, gone: Withdrawn, shown: CompactVersion) -> None:
    """Removing the version in force brings the one it replaced back as 现行版本 on every screen:
    the clerk hears of it, and the pages say so (a typo fixed by removing the file must not
    silently revive an abolished compact)."""
    site.report.warning(shown.path, 1, "W-COMPACT-CURRENT-WITHDRAWN",
                        f"现行的村规民约（{gone.path.name}，{gone.date} 通过）已于 {gone.removed.when.date()} 撤下，"
                        f"网站现在把旧版本（{shown.path.name}，{shown.adopted} 通过）当作现行版本显示，页面上注明了新版已撤下。"
                        "新版只是要改错的，请改好后放回 compact/ 并提交；确实不再施行新版的，可以不管这条提醒")


def _withdrawn(deletion, site, versions) -> Withdrawn | None:
    """A version that was in force or on record and whose file is gone."""
    if not addressable(deletion, "E-COMPACT-FILENAME", names=("index",), prefixes=("compare-",)):
        return None
    rec = last_record(deletion, SCHEMA, site, front_matter=True)
    if not rec or rec["title"] is None or rec["adopted"] is None or deletion.path.stem in {v.slug for v in versions} \
            or not was_public(rec["adopted"], deletion, site.today):
        return None
    adopted = rec["adopted"]
    # Renamed (git mv 2024.md 2024-xiuding.md): the version is in force at its new address, not withdrawn.
    moved_to = site.history.moved_to(deletion)
    moved = next((v for v in versions if real_path(v.path) == moved_to), None) if moved_to is not None else None
    return Withdrawn(FOLDER, "村规民约", deletion.path.stem, deletion.path,
                     f"{rec['title']}（{adopted.year}年{adopted.month}月版）", adopted, adopted, deletion.removed,
                     moved, what="这一版村规民约")


def current(site) -> CompactVersion | None:
    versions = site.compact.versions
    return versions[-1] if versions else None


def sections(site) -> list[Section]:
    if not site.compact.versions:
        return []
    return [Section("compact", "村规民约", f"{FOLDER}/index.html", "现行条文与历次修订", 40)]


def slides(site) -> list[Slide]:
    version = current(site)
    if version is None:
        return []
    chunks = [run[i:i + SLIDE_LINES] for run in version.verse() for i in range(0, len(run), SLIDE_LINES)]
    chunks = chunks[:MAX_SLIDES]
    label = "村规民约"
    newer = site.compact.withdrawn_newer
    if newer:  # as the version's own pages say: the loop must not show an abolished version as if never replaced
        gone = newer[-1].removed.when
        label += f"（新版已于{gone.year}年{gone.month}月{gone.day}日撤下，这是之前的{version.adopted.year}年版）"
    return [Slide(label, version.title, chunk, f"{FOLDER}/index.html", 40 + n) for n, chunk in enumerate(chunks)]


def pages(site):
    for gone in site.compact.withdrawn:
        yield Page(gone.url, "withdrawn.html", gone.title, {"item": gone}, [gone.path])
    versions = site.compact.versions
    if not versions:
        return
    renditions = ("phone", "kiosk", "print")
    sources = [v.path for v in versions]
    latest = versions[-1]
    # The current version's pages say when a newer one was withdrawn: they change with its removal.
    newer = site.compact.withdrawn_newer
    yield Page(f"{FOLDER}/index.html", "compact.html", latest.title,
               {"version": latest, "versions": versions, "is_index": True, "withdrawn_newer": newer},
               sources + [w.path for w in newer], renditions)
    for v in versions:
        shown = newer if v is latest else []
        yield Page(v.url, "compact.html", f"{v.title}（{v.adopted.year}年{v.adopted.month}月版）",
                   {"version": v, "versions": versions, "is_index": False, "withdrawn_newer": shown},
                   [v.path] + [w.path for w in shown], renditions)
    for c in site.compact.comparisons:
        yield Page(c.url, "compact-compare.html",
                   f"村规民约修订对照：{c.older.adopted.year}年版 → {c.newer.adopted.year}年版",
                   {"comparison": c}, [c.older.path, c.newer.path], renditions)
