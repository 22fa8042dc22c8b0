"""Major village decisions taken by the 四议两公开 procedure, one YAML file each in
``content/affairs/decisions``.

The six stages come in a fixed order: the Party branch proposes (提议), the two
committees discuss (商议), the Party members' meeting deliberates (审议), the villagers'
meeting or their representatives resolve (决议), the resolution is made public (决议公开)
and so is the result of carrying it out (实施结果公开). Quorum and majority of the
resolution follow the Organic Law of Villagers' Committees (arts. 22 and 26): a
resolution that misses either is shown as 未通过, and nothing may be announced after it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from villageboard.reading import markup
from villageboard.reading.fields import Field, Record, Schema
from villageboard.reading.history import FileHistory
from villageboard.planning.pages import Page, Panel
from villageboard.reading.sources import check_address, read_yaml, list_sources
from villageboard.reading.strictyaml import YScalar
from villageboard.kinds.status import Status
from villageboard.kinds.withdrawn import Withdrawn, last_record, was_public

FOLDER = "affairs/decisions"
SECTION = "affairs"
SECTION_TITLE = "村务公开"
CATEGORY = "四议两公开"

# The bodies that may hold each stage. Names follow PRODUCT.md; the alternatives are the
# other names a branch may carry (党总支, 党委) and the two bodies of art. 21-26.
REPRESENTATIVES = "村民代表会议"
ASSEMBLY = "村民会议"
BODIES = {
    "proposal": ("村党支部委员会", "村党总支委员会", "村党委"),
    "consultation": ("村两委联席会议",),
    "review": ("党员大会",),
    "resolution": (REPRESENTATIVES, ASSEMBLY),
}


@dataclass(frozen=True)
class StageKind:
    key: str
    name: str  # the step's name on the board
    short: str  # the verb of 四议两公开


STAGES = (
    StageKind("proposal", "村党组织提议", "提议"),
    StageKind("consultation", "村两委会议商议", "商议"),
    StageKind("review", "党员大会审议", "审议"),
    StageKind("resolution", "村民（代表）会议决议", "决议"),
    StageKind("resolution_notice", "决议公开", "决议公开"),
    StageKind("result_notice", "实施结果公开", "结果公开"),
)
STAGE_KEYS = [s.key for s in STAGES]
NOTICE_STAGES = ("resolution_notice", "result_notice")

_body = dict(body=Field("text", label="会议（机构）"))
SCHEMA = Schema(
    title=Field("text", required=True, label="事项名称"),
    summary=Field("text", label="摘要"),
    proposal=Field("map", schema=Schema(
        date=Field("date", required=True), **_body, summary=Field("text"))),
    consultation=Field("map", schema=Schema(
        date=Field("date", required=True), **_body, summary=Field("text"))),
    review=Field("map", schema=Schema(
        date=Field("date", required=True), **_body,
        attended=Field("count", required=True, label="实到人数"),
        total=Field("count", required=True, label="应到人数"), summary=Field("text"))),
    resolution=Field("map", schema=Schema(
        date=Field("date", required=True), body=Field("text", required=True, label="表决会议"),
        counted_by=Field("choice", choices=("人", "户"), default="人", label="村民会议按人或按户计"),
        attended=Field("count", required=True, label="实到"),
        total=Field("count", required=True, label="应到"),
        **{"for": Field("count", required=True, label="赞成"),
           "against": Field("count", required=True, label="反对"),
           "abstain": Field("count", required=True, label="弃权")},
        summary=Field("text"))),
    resolution_notice=Field("map", schema=Schema(
        date=Field("date", required=True), until=Field("date", required=True, label="公开截止日期"),
        summary=Field("text"))),
    result_notice=Field("map", schema=Schema(
        date=Field("date", required=True), summary=Field("text", required=True, label="实施结果"))),
)


@dataclass
class Outcome:
    """决议结果: whether the resolution stands, and in words why (not)."""

    passed: bool
    quorum: bool
    majority: bool
    needed_present: int  # the fewest present that make a quorum
    needed_for: int  # the fewest votes for that make a majority
    reason: str


def judge(body: str, attended: int, total: int, votes_for: int, counted_by: str = "人") -> Outcome:
    """Quorum and majority by the Organic Law of Villagers' Committees.

    村民代表会议 (art. 26): at least two thirds of the representatives present.
    村民会议 (art. 22): more than half of the adult villagers, or at least two thirds of
    the households (``counted_by="户"``), present. Either passes a resolution only with
    more than half of those present voting for it.
    """
    if body == ASSEMBLY and counted_by == "人":
        needed_present = total // 2 + 1
        rule = "本村十八周岁以上村民过半数"
    else:
        needed_present = -(-2 * total // 3)  # ceiling of two thirds, in integers
        rule = "本村三分之二以上的户代表" if body == ASSEMBLY else "三分之二以上的组成人员"
    needed_for = attended // 2 + 1
    quorum = attended >= needed_present
    majority = votes_for >= needed_for
    unit = "户" if counted_by == "户" and body == ASSEMBLY else "人"
    if not quorum:
        reason = (f"到会 {attended} {unit}，不足法定人数：{body}须有{rule}参加"
                  f"（应到 {total} {unit}，至少 {needed_present} {unit}）")
    elif not majority:
        reason = f"赞成 {votes_for} 票，未超过到会 {attended} {unit}的半数（至少需 {needed_for} 票）"
    else:
        reason = f"赞成 {votes_for} 票，超过到会 {attended} {unit}的半数"
    return Outcome(quorum and majority, quorum, majority, needed_present, needed_for, reason)


@dataclass
class Stage:
    """四议两公开中的一步: what happened at it, as recorded."""

    kind: StageKind
    date: dt.date
    line: int
    body: str | None = None
    summary: str | None = None
    attended: int | None = None
    total: int | None = None
    votes_for: int | None = None
    against: int | None = None
    abstain: int | None = None
    counted_by: str = "人"
    until: dt.date | None = None
    summary_html: str = ""

    @property
    def unit(self) -> str:
        return "户" if self.counted_by == "户" else "人"


@dataclass
class Step:
    """One of the six steps on the timeline; ``state`` is done, current, failed, stopped or todo."""

    kind: StageKind
    number: int
    state: str
    stage: Stage | None = None

    @property
    def state_word(self) -> str:
        return {"done": "已完成", "current": "进行中", "failed": "未通过",
                "stopped": "不再进行", "todo": "未开始"}[self.state]


@dataclass
class Decision:
    """四议两公开: one major village matter and the steps it has been through."""

    slug: str
    path: Path
    title: str
    stages: dict[str, Stage]
    history: FileHistory
    summary: str | None = None
    outcome: Outcome | None = None
    pinned: bool = False
    category: str = CATEGORY
    section_title: str = SECTION_TITLE

    @property
    def url(self) -> str:
        return f"{FOLDER}/{self.slug}.html"

    @property
    def published_on(self) -> dt.date:
        # The matter is public from its first step: disclosure before, during and after.
        return self.stages["proposal"].date

    @property
    def date(self) -> dt.date:
        return max(s.date for s in self.stages.values())

    @property
    def revisions(self):
        return self.history.revised_after(self.published_on)

    def is_expired(self, today: dt.date) -> bool:
        return False  # a decision is a lasting record (村务档案), never archived away

    @property
    def failed(self) -> bool:
        return self.outcome is not None and not self.outcome.passed

    @property
    def status(self) -> Status:
        """What every list shows beside the title: 未通过, 已修订."""
        return Status.of(failed=self.failed, revised=bool(self.revisions))

    @property
    def verdict(self) -> str:
        """What the page says of the matter in bold, above its steps (and search finds)."""
        if self.failed:
            return "未通过"
        if "result_notice" in self.stages:
            return "已通过，已实施"
        return "已通过" if self.outcome else self.progress

    @property
    def finished(self) -> bool:
        return self.failed or "result_notice" in self.stages

    @property
    def progress(self) -> str:
        """Where the matter stands, in words: 未通过, 已实施完毕, 进行中：第N步 …."""
        if self.failed:
            return "未通过"
        if "result_notice" in self.stages:
            return "已实施完毕"
        current = next(s for s in self.steps if s.state == "current")
        return f"进行中：第{current.number}步 {current.kind.name}"

    @property
    def steps(self) -> list[Step]:
        steps, seen_current = [], False
        for number, kind in enumerate(STAGES, 1):
            stage = self.stages.get(kind.key)
            if stage is not None:
                state = "failed" if kind.key == "resolution" and self.failed else "done"
            elif self.failed:
                state = "stopped"
            elif not seen_current:
                state, seen_current = "current", True
            else:
                state = "todo"
            steps.append(Step(kind, number, state, stage))
        return steps

    def notice_running(self, today: dt.date) -> bool:
        notice = self.stages.get("resolution_notice")
        return notice is not None and notice.date <= today <= notice.until


def _stage(key: str, rec: Record) -> Stage:
    kind = STAGES[STAGE_KEYS.index(key)]
    default_body = BODIES[key][0] if key in BODIES else None
    return Stage(
        kind=kind, date=rec["date"], line=rec.line, body=rec["body"] or default_body,
        summary=rec["summary"], attended=rec["attended"], total=rec["total"],
        votes_for=rec["for"], against=rec["against"], abstain=rec["abstain"],
        counted_by=rec["counted_by"] or "人", until=rec["until"])


def _read(path: Path, site) -> Decision | None:
    report = site.report
    mark = report.mark()
    read = check_address(path, report, "E-DECISION-FILENAME") and read_yaml(path, site)
    if not read:
        return None
    node = read[1]
    rec = SCHEMA.read(node, path, report)
    if rec is None or rec["title"] is None:
        return None
    written = [k for k in node.items if k in STAGE_KEYS]  # in the order the clerk wrote them
    # A stage written with nothing after it (``resolution:``) is not there yet, as if not written: the
    # matter has not reached it. A later stage that is filled in needs it, which _check_order reports.
    present = [k for k in written if not _empty(node.items[k])]
    stages: dict[str, Stage] = {}
    for key in present:
        sub = rec[key]
        if sub is None or sub["date"] is None:
            continue
        stages[key] = stage = _stage(key, sub)
        if stage.summary:
            stage.summary_html = markup.render(stage.summary, path, sub.text_line("summary"), site.assets, report,
                                               site.village.public_phones)
        body = sub["body"]
        if body is not None and key in BODIES and body not in BODIES[key]:
            report.error(path, sub.line_of("body"), "E-DECISION-BODY",
                         f"“{STAGES[STAGE_KEYS.index(key)].name}”的会议写的是 “{body}”，"
                         f"只能是 {' / '.join(BODIES[key])}")
    if report.failed_since(mark):
        return None
    if not present:
        if written:
            report.error(path, node.key_lines[written[0]], "E-DECISION-STAGE-MISSING",
                         "步骤都是空的：至少要在第一步 proposal（村党组织提议）后面写上提议的日期，"
                         "例如 proposal: {date: 2026-09-08, body: 村党支部委员会}")
        else:
            report.error(path, rec.line, "E-DECISION-STAGE-MISSING",
                         "还没有任何步骤：至少要写第一步 proposal（村党组织提议）")
        return None
    _check_order(path, node, written, present, report)
    _check_dates(path, stages, report)
    outcome = _check_resolution(path, rec, stages, report)
    if report.failed_since(mark):
        return None
    # A step dated after the build day has not happened yet: it is checked now but shown
    # from its day on, like a notice's ``publish`` date.
    shown = {key: stage for key, stage in stages.items() if stage.date <= site.today}
    for key, stage in stages.items():
        report.schedule(stage.date, site.today, f"四议两公开《{rec['title']}》{STAGES[STAGE_KEYS.index(key)].name}")
    if stages.get("resolution_notice") and stages["resolution_notice"].until:
        report.schedule(stages["resolution_notice"].until, site.today,
                        f"四议两公开《{rec['title']}》决议公示期满", after=True)
    if "proposal" not in shown:
        return None
    return Decision(slug=path.stem, path=path, title=rec["title"], summary=rec["summary"],
                    stages=shown, history=site.history.of(path),
                    outcome=outcome if "resolution" in shown else None)


def _empty(value) -> bool:
    """A stage key with nothing after it: ``consultation:``, or ``~`` / ``null``."""
    return isinstance(value, YScalar) and value.is_null


def _check_order(path: Path, node, written: list[str], present: list[str], report) -> None:
    """Stages in the file follow the procedure, and none is skipped or left empty before a later one.

    ``written`` are the stage keys in the file, ``present`` those of them that are filled in."""
    for before, after in zip(written, written[1:]):
        if STAGE_KEYS.index(after) < STAGE_KEYS.index(before):
            a, b = STAGES[STAGE_KEYS.index(after)], STAGES[STAGE_KEYS.index(before)]
            report.error(path, node.key_lines[after], "E-DECISION-ORDER",
                         f"“{a.name}”（{a.key}）应写在“{b.name}”（{b.key}）之前：步骤要按四议两公开的顺序")
    for key in written:
        if key in present:
            continue
        later = [k for k in present if STAGE_KEYS.index(k) > STAGE_KEYS.index(key)]
        if later:
            kind, next_kind = STAGES[STAGE_KEYS.index(key)], STAGES[STAGE_KEYS.index(min(later, key=STAGE_KEYS.index))]
            report.error(path, node.key_lines[key], "E-DECISION-STAGE-EMPTY",
                         f"“{kind.name}”（{key}）是空的，可后面的“{next_kind.name}”（{next_kind.key}）已经写了："
                         f"请在 {key}: 后面写上这一步的日期等内容（和其他步骤的写法一样）；"
                         "每一步都要在前一步完成之后")
    for key in present:
        missing = [k for k in STAGE_KEYS[:STAGE_KEYS.index(key)] if k not in written]
        if missing:
            kind = STAGES[STAGE_KEYS.index(key)]
            names = "、".join(f"“{STAGES[STAGE_KEYS.index(k)].name}”（{k}）" for k in missing)
            report.error(path, node.key_lines[key], "E-DECISION-STAGE-MISSING",
                         f"有“{kind.name}”却缺少前面的 {names}：每一步都要在前一步完成之后")
            return


def _check_dates(path: Path, stages: dict[str, Stage], report) -> None:
    previous: Stage | None = None
    for key in STAGE_KEYS:
        stage = stages.get(key)
        if stage is None:
            continue
        if previous is not None and stage.date < previous.date:
            report.error(path, stage.line, "E-DECISION-DATE",
                         f"“{stage.kind.name}”的日期 {stage.date} 早于上一步“{previous.kind.name}”的 "
                         f"{previous.date}：日期不能倒退")
        previous = stage
    notice = stages.get("resolution_notice")
    if notice and notice.until and notice.until < notice.date:
        report.error(path, notice.line, "E-DECISION-UNTIL",
                     f"决议公开的截止日期 {notice.until} 早于公开日期 {notice.date}")


def _check_resolution(path: Path, rec: Record, stages: dict[str, Stage], report) -> Outcome | None:
    for key in ("review", "resolution"):
        stage, sub = stages.get(key), rec[key]
        if stage is None or stage.attended is None or stage.total is None:
            continue
        if stage.total == 0:
            report.error(path, sub.line_of("total"), "E-DECISION-TOTAL",
                         f"“{stage.kind.name}”的应到{stage.unit}数是 0：应到是{_members(stage)}，"
                         f"至少是 1；请核对后改正")
        elif stage.attended > stage.total:
            report.error(path, sub.line_of("attended"), "E-DECISION-ATTENDANCE",
                         f"实到 {stage.attended} {stage.unit}多于应到 {stage.total} {stage.unit}")
    stage = stages.get("resolution")
    if stage is None or None in (stage.attended, stage.total, stage.votes_for, stage.against, stage.abstain):
        return None
    sub = rec["resolution"]
    if stage.counted_by == "户" and stage.body != ASSEMBLY:
        report.error(path, sub.line_of("counted_by"), "E-DECISION-BODY",
                     f"只有村民会议可以按户计算到会（counted_by: 户），{stage.body}按人计算")
    cast = stage.votes_for + stage.against + stage.abstain
    if cast > stage.attended:
        report.error(path, sub.line_of("for"), "E-DECISION-VOTES",
                     f"赞成 {stage.votes_for} + 反对 {stage.against} + 弃权 {stage.abstain} = {cast}，"
                     f"多于实到的 {stage.attended} {stage.unit}")
        return None
    if stage.attended > stage.total or stage.total == 0:
        return None
    outcome = judge(stage.body, stage.attended, stage.total, stage.votes_for, stage.counted_by)
    if not outcome.passed:
        for key in NOTICE_STAGES:
            if key in stages:
                later = stages[key]
                report.error(path, later.line, "E-DECISION-AFTER-FAILED",
                             f"决议未通过（{outcome.reason}），不能再有“{later.kind.name}”；"
                             "请删去这一步，另行提议")
    return outcome


def _members(stage: Stage) -> str:
    """Who the meeting's 应到 counts, in words."""
    if stage.kind.key == "review":
        return "本村党员的人数"
    if stage.body == ASSEMBLY:
        return "本村的户数" if stage.counted_by == "户" else "本村十八周岁以上村民的人数"
    return "村民代表会议组成人员（村民代表和村民委员会成员）的人数"


def load(site) -> None:
    folder = site.content / FOLDER
    found = [_read(p, site) for p in list_sources(folder, (".yaml", ".yml"), site)]
    decisions = [d for d in found if d is not None]
    withdrawn = [w for d in site.history.deleted_in(folder, ".yaml") if (w := _withdrawn(d, site))]
    site.decisions_withdrawn = withdrawn
    site.listings[SECTION].extend(withdrawn)
    decisions.sort(key=lambda d: (d.published_on, d.slug), reverse=True)
    site.decisions = decisions
    site.listings[SECTION].extend(decisions)


def _withdrawn(deletion, site) -> Withdrawn | None:
    """A decision record that was public (from its proposal) and whose file is gone."""
    rec = last_record(deletion, SCHEMA, site)
    proposal = rec and rec["proposal"]
    if not proposal or rec["title"] is None or proposal["date"] is None \
            or not was_public(proposal["date"], deletion, site.today):
        return None
    return Withdrawn(FOLDER, SECTION_TITLE, deletion.path.stem, deletion.path, rec["title"], proposal["date"],
                     proposal["date"], deletion.removed, what="本事项的公开记录", index_url=f"{SECTION}/index.html",
                     category=CATEGORY)


def panels(site) -> list[Panel]:
    running = [d for d in site.decisions if d.notice_running(site.today)]
    if not running:
        return []
    return [Panel("parts/home-decisions.html", 8, {"decisions": running})]


def pages(site):
    for decision in site.decisions:
        yield Page(decision.url, "decision.html", decision.title, {"decision": decision}, [decision.path],
                   renditions=("phone", "kiosk", "print"))
    for gone in site.decisions_withdrawn:
        yield Page(gone.url, "withdrawn.html", gone.title, {"item": gone}, [gone.path])
