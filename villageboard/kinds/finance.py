"""Finance disclosures (财务公开): one ledger per period in ``content/finance/*.yaml``.

Villagers check the accounts more than anything else on the board and a wrong total
destroys trust, so every amount is a ``decimal.Decimal`` from the moment it is read and
every sum is checked to the fen: closing = opening + income − expenditure, and each
period opens with the previous period's closing balance.

Beside the ledgers: ``content/finance/settings.yaml`` (optional; the disclosure due
day), ``content/finance/funds/*.yaml`` (专项资金, see ``funds.py``) and an optional
``distribution`` block per ledger (集体收益分配, see ``distribution.py``).
"""
from __future__ import annotations

import calendar
import csv
import datetime as dt
import difflib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from villageboard.kinds import charts
from villageboard.reading import markup
from villageboard.reading.chinese_amounts import capitals, yuan
from villageboard.kinds.distribution import DISTRIBUTION, Distribution, read_distribution
from villageboard.reading.fields import Field, Record, Schema
from villageboard.reading.history import FileHistory, Revision
from villageboard.planning.pages import Page, Panel, Section, Slide
from villageboard.reading.sources import read_yaml, list_sources, real_path
from villageboard.kinds.status import Status
from villageboard.kinds.withdrawn import Withdrawn, last_record, was_public

ZERO = Decimal("0.00")
SETTINGS_FILE = "settings.yaml"
DEFAULT_DUE_DAY = 20  # 公开日: by default the 20th of the month after the period
INCOME, EXPENDITURE = "收入", "支出"

# The category vocabulary (科目) a village's ledgers use, chosen by ``accounting`` in
# village.yaml. The 2004 system (财会〔2004〕12号) is still on most boards; the 2023 one is
# in force since 2024-01-01 and folds 发包及上交收入 into 经营收入. 专项应付款 (earmarked
# grants), 一事一议资金 and 收益分配 are not income or expenses in either system, but
# boards show the cash moving through them, so both vocabularies accept them.
PASS_THROUGH = ("专项应付款", "一事一议资金")
VOCABULARIES = {
    "2004": {
        INCOME: ("经营收入", "发包及上交收入", "投资收益", "补助收入", "其他收入") + PASS_THROUGH,
        EXPENDITURE: ("经营支出", "管理费用", "其他支出", "收益分配") + PASS_THROUGH,
    },
    "2023": {
        INCOME: ("经营收入", "投资收益", "补助收入", "其他收入") + PASS_THROUGH,
        EXPENDITURE: ("经营支出", "税金及附加", "管理费用", "公益支出", "其他支出", "所得税费用",
                      "收益分配") + PASS_THROUGH,
    },
}
# Renamed or merged between the systems: a plain similarity match would not find these.
RENAMED = {
    "2023": {"发包及上交收入": "经营收入", "发包收入": "经营收入", "上交收入": "经营收入"},
    "2004": {"公益支出": "其他支出", "税金及附加": "经营支出", "所得税费用": "其他支出"},
}

THOUSANDS_RE = re.compile(r"\b(?:amount|opening_balance|closing_balance|total)\s*:\s*\d{1,3}(?:,\d{3})+")
DISTRIBUTED = "收益分配"  # the expenditure category of what a distribution pays out
PERIOD_RE = re.compile(r"^(\d{4})-(?:Q([1-4])|(\d{2}))$")
QUARTER_NAMES = "一二三四"


def _positive(value: Decimal):
    if value <= 0:
        return ("E-LEDGER-AMOUNT", f"金额必须大于 0，写的是 “{value}”；退款、冲账请记到另一边（收入或支出）并写明摘要")
    return None


ITEM = Schema(
    date=Field("date", required=True, label="日期"),
    item=Field("text", required=True, label="摘要"),
    category=Field("text", required=True, label="科目"),
    amount=Field("money", required=True, label="金额", check=_positive),
    voucher=Field("text", required=True, label="凭证号"),
)
SCHEMA = Schema(
    period=Field("text", required=True, label="期间，如 2026-Q3 或 2026-07"),
    opening_balance=Field("money", required=True, label="期初余额"),
    income=Field("list", item=Field("map", schema=ITEM), default=list, label="收入明细"),
    expenditure=Field("list", item=Field("map", schema=ITEM), default=list, label="支出明细"),
    closing_balance=Field("money", required=True, label="期末余额"),
    reviewed_by=Field("text", required=True, label="审核（村务监督委员会）"),
    published=Field("date", required=True, label="公开日期"),
    notes=Field("text", label="说明"),
    distribution=Field("map", schema=DISTRIBUTION, label="收益分配"),
)
SETTINGS = Schema(
    due_day=Field("count", default=DEFAULT_DUE_DAY, label="每期结束后次月几日前公开",
                  check=lambda d: None if 1 <= d <= 28 else
                  ("E-FINANCE-SETTINGS", f"due_day 应是 1 到 28 之间的日子，写的是 {d}")),
)




@dataclass(frozen=True, order=True)
class Period:
    """会计期间: a quarter (2026-Q3) or a month (2026-07)."""

    start: dt.date
    end: dt.date
    key: str

    @classmethod
    def parse(cls, text: str) -> "Period | None":
        match = PERIOD_RE.match(text.strip())
        if not match:
            return None
        year = int(match.group(1))
        if not 2000 <= year <= 2099:  # a typo such as 0226 would otherwise open centuries of overdue periods
            return None
        if match.group(2):
            return cls.quarter(year, int(match.group(2)))
        month = int(match.group(3))
        return cls.month(year, month) if 1 <= month <= 12 else None

    @classmethod
    def quarter(cls, year: int, number: int) -> "Period":
        first = 3 * number - 2
        return cls(dt.date(year, first, 1), _month_end(year, first + 2), f"{year}-Q{number}")

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        return cls(dt.date(year, month, 1), _month_end(year, month), f"{year}-{month:02d}")

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.key

    @property
    def label(self) -> str:
        if self.is_quarter:
            return f"{self.start.year}年第{QUARTER_NAMES[(self.start.month - 1) // 3]}季度"
        return f"{self.start.year}年{self.start.month}月"

    @property
    def short_label(self) -> str:
        """For chart axes: 2026 三季度 / 2026.7 (two short lines)."""
        if self.is_quarter:
            return f"{self.start.year}|{QUARTER_NAMES[(self.start.month - 1) // 3]}季度"
        return f"{self.start.year}|{self.start.month}月"

    def due(self, due_day: int) -> dt.date:
        """The day by which the period's accounts must be public (次月 due_day 日)."""
        after = self.end + dt.timedelta(days=1)
        return dt.date(after.year, after.month, due_day)

    def overlaps(self, other: "Period") -> bool:
        return self.start <= other.end and other.start <= self.end


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass
class Entry:
    """收支明细: one line of the ledger, as the voucher (记账凭证) has it."""

    direction: str  # 收入 or 支出
    date: dt.date
    item: str  # 摘要
    category: str  # 科目
    amount: Decimal
    voucher: str  # 凭证号
    line: int


@dataclass
class CategoryGroup:
    """One 科目 of a ledger side with its entries and subtotal (小计)."""

    category: str
    entries: list[Entry]
    known: bool = True

    @property
    def subtotal(self) -> Decimal:
        return sum((e.amount for e in self.entries), ZERO)


def _cell(text: str) -> str:
    """A clerk's text as a spreadsheet cell: a leading = + - @ (or tab, return) would make Excel
    run it as a formula, so such a cell starts with an apostrophe, which Excel shows as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass
class Ledger:
    """财务公开表: the receipts and payments of one period, reviewed and published."""

    path: Path
    period: Period
    opening: Decimal
    closing: Decimal
    income: list[Entry]
    expenditure: list[Entry]
    reviewed_by: str
    published: dt.date
    history: FileHistory
    vocabulary: dict
    notes_html: str = ""
    distribution: Distribution | None = None
    lines: dict = field(default_factory=dict)  # key -> source line, for later checks

    @property
    def title(self) -> str:
        return f"{self.period.label}财务收支公开"

    @property
    def url(self) -> str:
        return f"finance/{self.period.key}.html"

    @property
    def csv_url(self) -> str:
        return f"finance/{self.period.key}.csv"

    @property
    def published_on(self) -> dt.date:
        return self.published

    @property
    def revisions(self):
        return self.history.revised_after(self.published)

    @property
    def status(self) -> Status:
        return Status.of(revised=bool(self.revisions))

    def is_public(self, today: dt.date) -> bool:
        return self.published <= today

    @property
    def income_total(self) -> Decimal:
        return sum((e.amount for e in self.income), ZERO)

    @property
    def expenditure_total(self) -> Decimal:
        return sum((e.amount for e in self.expenditure), ZERO)

    @property
    def computed_closing(self) -> Decimal:
        return self.opening + self.income_total - self.expenditure_total

    @property
    def entries(self) -> list[Entry]:
        """Both sides in date order, as in the cash journal (日记账)."""
        return sorted(self.income + self.expenditure, key=lambda e: (e.date, e.line))

    def groups(self, direction: str) -> list[CategoryGroup]:
        """Entries by 科目: in the order of the vocabulary, unknown ones last."""
        entries = self.income if direction == INCOME else self.expenditure
        known = self.vocabulary[direction]
        found: dict[str, list[Entry]] = {}
        for entry in entries:
            found.setdefault(entry.category, []).append(entry)
        order = sorted(found, key=lambda c: (known.index(c) if c in known else len(known), c))
        return [CategoryGroup(c, sorted(found[c], key=lambda e: (e.date, e.line)), c in known) for c in order]

    def vouchers(self, direction: str, voucher: str) -> list[Entry]:
        entries = self.income if direction == INCOME else self.expenditure
        return [e for e in entries if e.voucher == voucher]

    def csv_bytes(self) -> bytes:
        """日期, 收支, 科目, 摘要, 金额, 凭证号 — UTF-8 with a BOM so Excel keeps the Chinese."""
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["日期", "收支", "科目", "摘要", "金额", "凭证号"])
        for e in self.entries:
            writer.writerow([e.date.isoformat(), e.direction, _cell(e.category), _cell(e.item), f"{e.amount:.2f}",
                             _cell(e.voucher)])
        return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass
class CalendarRow:
    """公开日历: one period from the first ledger to today, disclosed or not."""

    period: Period
    due: dt.date
    ledger: Ledger | None  # the public ledger, if any
    status: str  # ontime, late, overdue, waiting, current
    withdrawn: Withdrawn | None = None  # the period's ledger was public once, then removed

    @property
    def status_text(self) -> str:
        if self.status == "ontime":
            return "按时公开"
        if self.status == "late":
            return f"逾期 {(self.ledger.published - self.due).days} 天后公开"
        if self.status == "overdue":
            return "逾期未公开"
        if self.status == "current":
            return "本期进行中"
        return "未到公开期限"


# ---------------------------------------------------------------- reading


def _category_warning(entry: Entry, ledger_path: Path, line: int, vocabulary: dict, system: str, report) -> None:
    known = vocabulary[entry.direction]
    if entry.category in known:
        return
    other = INCOME if entry.direction == EXPENDITURE else EXPENDITURE
    near = RENAMED.get(system, {}).get(entry.category)
    if near not in known:
        near = (difflib.get_close_matches(entry.category, known, n=1, cutoff=0) or [known[0]])[0]
    extra = f"（“{entry.category}” 是{other}科目，这一笔记在了{entry.direction}里）" \
        if entry.category in vocabulary[other] else ""
    report.warning(ledger_path, line, "W-LEDGER-CATEGORY",
                   f"{entry.direction}科目 “{entry.category}” 不在 {system} 年会计制度的科目表里{extra}，"
                   f"最接近的是 “{near}”")


def _read_entries(rec: Record, key: str, direction: str, period: Period | None, path: Path,
                  vocabulary: dict, system: str, report) -> list[Entry]:
    """The complete entries of one side; an incomplete one has been reported already."""
    entries, seen = [], {}
    for item in rec.get(key, []):
        if item is None or any(item[k] is None for k in ("date", "item", "category", "amount", "voucher")):
            continue
        entry = Entry(direction, item["date"], item["item"].strip(), item["category"].strip(),
                      item["amount"], str(item["voucher"]).strip(), item.line)
        if period and not period.start <= entry.date <= period.end:
            report.error(path, item.line_of("date"), "E-LEDGER-DATE",
                         f"{direction}“{entry.item}”的日期 {entry.date} 不在本期 {period.label}"
                         f"（{period.start} 至 {period.end}）之内")
        _category_warning(entry, path, item.line_of("category"), vocabulary, system, report)
        same = (entry.date, entry.item, entry.category, entry.amount, entry.voucher)
        if same in seen:
            report.error(path, item.line, "E-LEDGER-DUPLICATE",
                         f"这一笔{direction}和第 {seen[same]} 行一模一样（日期、摘要、科目、金额、凭证号都相同），"
                         "是不是记了两次？确是两笔的，请在摘要里写明区别")
        seen.setdefault(same, item.line)
        entries.append(entry)
    return entries


def _read_ledger(path: Path, site) -> Ledger | None:
    report = site.report
    mark = report.mark()
    read = read_yaml(path, site)
    if read is None:
        return None
    source, node = read
    for number, line in enumerate(source.text.split("\n"), start=1):
        # In {…} rows YAML splits 3,000.00 at the comma and only says "unknown key 000.00".
        if THOUSANDS_RE.search(line):
            report.error(path, number, "E-MONEY", "金额里不要写千位分隔的逗号：3,000.00 应写成 3000.00")
    if node is None:
        return None
    rec = SCHEMA.read(node, path, report)
    if rec is None:
        return None
    period = None
    if rec["period"] is not None:
        period = Period.parse(rec["period"])
        if period is None:
            report.error(path, rec.line_of("period"), "E-LEDGER-PERIOD",
                         f"期间应写成 2026-Q3（季度）或 2026-07（月份），年份在 2000 到 2099 之间，写的是 “{rec['period']}”")
    system = site.village.accounting
    vocabulary = VOCABULARIES[system]
    # An unreadable amount or item would make the sum wrong for a reason already reported.
    unreadable = report.failed_since(mark)
    income = _read_entries(rec, "income", INCOME, period, path, vocabulary, system, report)
    spent = _read_entries(rec, "expenditure", EXPENDITURE, period, path, vocabulary, system, report)
    distribution = read_distribution(rec["distribution"], path, site, report) if rec["distribution"] else None
    if any(rec[k] is None for k in ("opening_balance", "closing_balance", "reviewed_by", "published")) or period is None:
        return None
    if PERIOD_RE.match(path.stem) and path.stem != period.key:  # a copied file whose period was not changed
        report.warning(path, rec.line_of("period"), "W-LEDGER-FILENAME",
                       f"文件名是 {path.name}，期间却写的是 {period.key}；复制上一期的文件后请改 period")
    report.schedule(rec["published"], site.today, f"财务公开《{period.label}》公开")
    if rec["published"] is not None and rec["published"] <= period.end:
        report.warning(path, rec.line_of("published"), "W-LEDGER-EARLY",
                       f"公开日期 {rec['published']} 在本期结束（{period.end}）之前，本期的账还没有记完")
    ledger = Ledger(
        path=path, period=period, opening=rec["opening_balance"], closing=rec["closing_balance"],
        income=income, expenditure=spent, reviewed_by=rec["reviewed_by"].strip(), published=rec["published"],
        history=site.history.of(path), vocabulary=vocabulary, distribution=distribution,
        lines={k: rec.line_of(k) for k in ("period", "opening_balance", "closing_balance", "published")},
    )
    if rec["notes"]:
        ledger.notes_html = markup.render(rec["notes"], path, rec.text_line("notes"), site.assets, report,
                                          site.village.public_phones)
    if distribution and not unreadable:
        _check_distribution_paid(ledger, distribution, path, rec.line_of("distribution"), report)
    if not unreadable and ledger.closing != ledger.computed_closing:
        report.error(path, ledger.lines["closing_balance"], "E-LEDGER-BALANCE",
                     f"期末余额 {yuan(ledger.closing)} 算不平：期初 {yuan(ledger.opening)} + 本期收入 "
                     f"{yuan(ledger.income_total)} − 本期支出 {yuan(ledger.expenditure_total)} = "
                     f"{yuan(ledger.computed_closing)}，相差 {yuan(ledger.closing - ledger.computed_closing)} 元")
    return ledger


def _check_distribution_paid(ledger: Ledger, distribution, path: Path, line: int, report) -> None:
    """What the distribution pays to people and households is what the ledger books as 收益分配."""
    booked = sum((e.amount for e in ledger.expenditure if e.category == DISTRIBUTED), Decimal(0))
    paying = [s for s in distribution.shares if s.per]
    if not booked or not paying:  # decided this period, paid in another: nothing to compare here
        return
    payout = sum((s.paid if s.paid is not None else s.amount for s in paying), Decimal(0))
    if booked != payout:
        how = "、".join(f"{s.name} {yuan(s.paid if s.paid is not None else s.amount)} 元" for s in paying)
        report.error(path, line, "E-DISTRIBUTION-BOOKED",
                     f"收益分配发放 {yuan(payout)} 元（{how}），本表支出里记的“{DISTRIBUTED}”却是 {yuan(booked)} 元，"
                     f"相差 {yuan(payout - booked)} 元；两处应一致")


def _check_books(ledgers: list[Ledger], report) -> None:
    """Periods never overlap, and each opens with the closing of the one just before it."""
    ordered = sorted(ledgers, key=lambda l: (l.period.start, l.period.end, str(l.path)))
    for i, later in enumerate(ordered):
        for earlier in ordered[:i]:
            if earlier.period.overlaps(later.period):
                report.error(later.path, later.lines["period"], "E-LEDGER-OVERLAP",
                             f"期间 {later.period.key}（{later.period.start} 至 {later.period.end}）与 "
                             f"{earlier.path.name} 的期间 {earlier.period.key} 重叠；每段日子只能记在一张公开表里")
                break
    previous = None
    for ledger in ordered:
        if previous and previous.period.end + dt.timedelta(days=1) < ledger.period.start:
            report.warning(ledger.path, ledger.lines["period"], "W-LEDGER-GAP",
                           f"上一张公开表（{previous.period.label}，{previous.path.name}）到 {previous.period.end} 为止，"
                           f"本期从 {ledger.period.start} 开始：{previous.period.end + dt.timedelta(days=1)} 至 "
                           f"{ledger.period.start - dt.timedelta(days=1)} 没有公开表，期初余额无法和上期核对；"
                           "请补上缺的那一期")
        elif previous and previous.period.end + dt.timedelta(days=1) == ledger.period.start \
                and ledger.opening != previous.closing:
            report.error(ledger.path, ledger.lines["opening_balance"], "E-LEDGER-CONTINUITY",
                         f"期初余额 {yuan(ledger.opening)} 应等于上一期（{previous.period.label}，"
                         f"{previous.path.name}）的期末余额 {yuan(previous.closing)}，相差 "
                         f"{yuan(ledger.opening - previous.closing)} 元")
        if previous is None or ledger.period.end > previous.period.end:
            previous = ledger


def _read_settings(site) -> int:
    path = site.content / "finance" / SETTINGS_FILE
    if not path.is_file():
        return DEFAULT_DUE_DAY
    read = read_yaml(path, site)
    rec = SETTINGS.read(read[1], path, site.report) if read else None
    return rec.get("due_day", DEFAULT_DUE_DAY) if rec else DEFAULT_DUE_DAY


def disclosure_calendar(ledgers: list[Ledger], today: dt.date, due_day: int) -> list[CalendarRow]:
    """Every period from the first ledger to today, oldest first.

    A stretch without a ledger is cut into periods of the length the ledger before
    it used (quarters, or months), so a village that discloses monthly sees months.
    """
    if not ledgers:
        return []
    by_start = {}
    for ledger in sorted(ledgers, key=lambda l: l.period):
        by_start.setdefault(ledger.period.start, ledger)
    starts = sorted(by_start)
    rows, cursor, quarterly = [], starts[0], True
    while cursor <= today:
        ledger = by_start.get(cursor)
        if ledger:
            period, quarterly = ledger.period, ledger.period.is_quarter
        else:
            following = next((s for s in starts if s > cursor), None)
            period = Period.month(cursor.year, cursor.month)
            if quarterly and cursor.month % 3 == 1:
                quarter = Period.quarter(cursor.year, cursor.month // 3 + 1)
                if following is None or quarter.end < following:
                    period = quarter
        due = period.due(due_day)
        if ledger and ledger.is_public(today):
            status = "ontime" if ledger.published <= due else "late"
        elif today > due:
            status = "overdue"
        else:
            status = "current" if today <= period.end else "waiting"
        rows.append(CalendarRow(period, due, ledger if ledger and ledger.is_public(today) else None, status))
        cursor = period.end + dt.timedelta(days=1)  # a ledger overlapping this one is an error already
    return rows


# ---------------------------------------------------------------- the kind


def load(site) -> None:
    from villageboard.kinds import funds

    folder = site.content / "finance"
    report = site.report
    due_day = _read_settings(site)
    ledgers, unreadable = [], False
    for path in list_sources(folder, (".yaml", ".yml"), site):
        if path.name == SETTINGS_FILE:
            continue
        ledger = _read_ledger(path, site)
        if ledger:
            ledgers.append(ledger)
        else:
            unreadable = True
    _check_books(ledgers, report)
    rows = disclosure_calendar(ledgers, site.today, due_day)
    withdrawn, replaced = _withdrawn_ledgers(site, folder, ledgers)
    for row in rows:
        row.withdrawn = next((w for w in withdrawn if w.slug == row.period.key and not row.ledger), None)
    all_by_start = {l.period.start: l for l in ledgers}
    for row in rows:
        # With a ledger file unreadable, "missing" may only mean "could not be read".
        if row.status != "overdue" or unreadable:
            continue
        waiting = all_by_start.get(row.period.start)
        if waiting:  # written, but its publication date lies after the due date
            report.warning(waiting.path, waiting.lines["published"], "W-FINANCE-OVERDUE",
                           f"{row.period.label}的财务收支应于 {row.due} 前公开，这张表的公开日期却是 "
                           f"{waiting.published}，至今仍未公开")
        elif row.withdrawn:
            gone = row.withdrawn
            report.warning(folder, 1, "W-FINANCE-OVERDUE",
                           f"{row.period.label}的财务公开表已于 {gone.removed.when.date()} 撤下"
                           f"（{gone.removed.subject}），这一期现在没有公开的账目，应于 {row.due} 前公开")
        else:
            report.warning(folder, 1, "W-FINANCE-OVERDUE",
                           f"{row.period.label}（{row.period.start} 至 {row.period.end}）的财务收支应于 "
                           f"{row.due} 前公开，至今没有这一期的财务公开表")
    public = sorted((l for l in ledgers if l.is_public(site.today)), key=lambda l: l.period)
    site.books = Books(ledgers=public, all_ledgers=ledgers, calendar=rows, due_day=due_day, folder=folder,
                       withdrawn=withdrawn, replaced=replaced)
    site.books.funds = funds.load(site, ledgers, check_ledgers=not unreadable)


@dataclass(frozen=True)
class Replaced:
    """A public ledger whose file was removed while another file took its period, not by a rename
    git can follow: the page says so, with the old table's totals, or the change would leave no trace."""

    file: str  # its name inside the content folder
    removed: Revision
    opening: Decimal | None
    income: Decimal | None
    expenditure: Decimal | None
    closing: Decimal | None


def _withdrawn_ledgers(site, folder: Path, ledgers: list[Ledger]) -> tuple[list[Withdrawn], dict[str, list[Replaced]]]:
    """Ledgers that were public once and whose files are gone, their addresses kept; and, by period,
    those whose period a ledger of another file has taken since."""
    live = {l.period.key: l for l in ledgers}
    taken = set(live)
    found, replaced = [], {}
    for deletion in site.history.deleted_in(folder, ".yaml"):
        rec = None if deletion.path.name == SETTINGS_FILE else last_record(deletion, SCHEMA, site)
        period = rec and rec["period"] and Period.parse(rec["period"])
        if not period or rec["published"] is None or not was_public(rec["published"], deletion, site.today):
            continue
        if period.key in live and site.history.moved_to(deletion) != real_path(live[period.key].path):
            replaced.setdefault(period.key, []).append(Replaced(
                f"finance/{deletion.path.name}", deletion.removed, rec["opening_balance"], _total(rec["income"]),
                _total(rec["expenditure"]), rec["closing_balance"]))
        if period.key in taken:
            continue
        taken.add(period.key)
        found.append(Withdrawn("finance", "财务公开", period.key, deletion.path, f"{period.label}财务收支公开",
                               period.end, rec["published"], deletion.removed, what="本期财务公开表"))
    return found, replaced


def _total(items) -> Decimal | None:
    """The sum of a side of an old version, None where an amount could not be read."""
    amounts = [item["amount"] for item in items or () if item is not None]
    return sum(amounts, Decimal("0.00")) if amounts and None not in amounts else None


@dataclass
class Books:
    """财务: the ledgers, the disclosure calendar and the special funds of the village."""

    ledgers: list[Ledger] = field(default_factory=list)  # public ones, by period
    all_ledgers: list[Ledger] = field(default_factory=list)  # with those not public yet (for checks and the editor)
    calendar: list = field(default_factory=list)  # a row per period that should be disclosed
    due_day: int | None = None
    folder: Path | None = None
    funds: list = field(default_factory=list)  # 专项资金
    withdrawn: list[Withdrawn] = field(default_factory=list)
    replaced: dict[str, list[Replaced]] = field(default_factory=dict)  # period key -> ledgers of other files before


def latest(site) -> Ledger | None:
    ledgers = site.books.ledgers
    return ledgers[-1] if ledgers else None


def sections(site) -> list[Section]:
    return [Section("finance", "财务公开", "finance/index.html", "每季度收支明细、专项资金", 30)]


def panels(site) -> list[Panel]:
    overdue = [r for r in site.books.calendar if r.status == "overdue"]
    return [Panel("parts/home-finance.html", 5, {"ledger": latest(site), "overdue": overdue})]


def slides(site) -> list[Slide]:
    ledger = latest(site)
    if ledger is None:
        return []
    return [Slide("财务公开", ledger.title, [
        f"期初余额 {yuan(ledger.opening)} 元",
        f"本期收入 {yuan(ledger.income_total)} 元",
        f"本期支出 {yuan(ledger.expenditure_total)} 元",
        f"期末余额 {yuan(ledger.closing)} 元",
    ], ledger.url, order=30)]


def trend_points(ledgers: list[Ledger]) -> list[charts.TrendPoint]:
    return [charts.TrendPoint(l.period.short_label, l.income_total, l.expenditure_total, l.closing)
            for l in ledgers]


def category_chart(ledger: Ledger):
    return charts.category_bars(
        [(f"收入（合计 {yuan(ledger.income_total)} 元）",
          [(g.category, g.subtotal) for g in ledger.groups(INCOME)], False),
         (f"支出（合计 {yuan(ledger.expenditure_total)} 元）",
          [(g.category, g.subtotal) for g in ledger.groups(EXPENDITURE)], True)],
        title=f"{ledger.period.label}收支按科目", chart_id=f"cat-{ledger.period.key}")


def pages(site):
    ledgers = site.books.ledgers
    sources = [l.path for l in ledgers] + [f.path for f in site.books.funds]
    settings = site.content / "finance" / SETTINGS_FILE
    if settings.is_file():
        sources.append(settings)
    yield Page("finance/index.html", "finance.html", "财务公开", {
        "ledgers": list(reversed(ledgers)),
        "latest": latest(site),
        "calendar": list(reversed(site.books.calendar)),
        "overdue": [r for r in site.books.calendar if r.status == "overdue"],
        "due_day": site.books.due_day or DEFAULT_DUE_DAY,
        "funds": site.books.funds,
        "trend": charts.trend_chart(trend_points(ledgers), "历期收入、支出和期末余额") if ledgers else None,
    }, sources or [site.village.path])
    for i, ledger in enumerate(ledgers):
        previous = ledgers[i - 1] if i else None
        following = ledgers[i + 1] if i + 1 < len(ledgers) else None
        funds_here = [f for f in site.books.funds if any(s.ledger is ledger for s in f.spending)]
        yield Page(ledger.url, "ledger.html", ledger.title, {
            "ledger": ledger, "previous": previous, "following": following,
            "income_groups": ledger.groups(INCOME), "expenditure_groups": ledger.groups(EXPENDITURE),
            "chart": category_chart(ledger), "capitals": capitals, "funds": funds_here,
            "replaced": site.books.replaced.get(ledger.period.key, []),
        }, [ledger.path], renditions=("phone", "kiosk", "print"))
    for gone in site.books.withdrawn:
        yield Page(gone.url, "withdrawn.html", gone.title, {"item": gone}, [gone.path])
    for fund in site.books.funds:
        yield Page(fund.url, "finance-fund.html", fund.title, {"fund": fund, "capitals": capitals},
                   [fund.path] + sorted({s.ledger.path for s in fund.spending}),
                   renditions=("phone", "kiosk", "print"))


def files(site) -> list[tuple[str, bytes]]:
    return [(l.csv_url, l.csv_bytes()) for l in site.books.ledgers]
