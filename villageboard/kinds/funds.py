"""Special funds (专项资金): ``content/finance/funds/*.yaml``, one grant each.

A grant (e.g. 98,000.00 yuan to renovate the service centre) is booked as 专项应付款,
not as collective income, and must be shown on its own: received, spent, remaining.
The spending is not typed twice: the file lists voucher numbers (凭证号) and the
amounts come from the ledgers, so the fund page can never disagree with the books.
The amount is published as 到账 only when ``received`` names the income voucher it was
booked under and the two agree; without it the amount is only what the grant document
says, and is published as 下达金额, never as money in the village's account.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from villageboard.reading import markup
from villageboard.reading.fields import Field, Schema
from villageboard.reading.history import FileHistory
from villageboard.kinds.status import Status
from villageboard.reading.sources import check_address, read_yaml, list_sources


def _positive(value: Decimal):
    if value <= 0:
        return ("E-FUND-AMOUNT", f"专项资金金额必须大于 0，写的是 “{value}”")
    return None


REFERENCE = Schema(
    ledger=Field("text", required=True, label="哪一期的财务公开表，如 2026-Q3"),
    voucher=Field("text", required=True, label="凭证号"),
    note=Field("text", label="说明"),
)
SCHEMA = Schema(
    title=Field("text", required=True, label="资金名称"),
    source=Field("text", required=True, label="资金来源（拨款单位）"),
    date=Field("date", required=True, label="到账日期"),
    amount=Field("money", required=True, label="金额", check=_positive),
    received=Field("map", schema=REFERENCE, label="到账凭证"),
    spending=Field("list", item=Field("map", schema=REFERENCE), default=list, label="支出凭证"),
    notes=Field("text", label="说明"),
)


@dataclass
class Spending:
    """专项支出: the ledger entries of one voucher charged to the fund."""

    ledger: object  # finance.Ledger
    voucher: str
    entries: list
    note: str | None = None

    @property
    def amount(self) -> Decimal:
        return sum((e.amount for e in self.entries), Decimal("0.00"))

    @property
    def date(self) -> dt.date:
        return min(e.date for e in self.entries)


@dataclass
class Fund:
    """专项资金: a grant, and what has been spent of it according to the ledgers."""

    path: Path
    slug: str
    title: str
    source: str
    date: dt.date
    amount: Decimal
    history: FileHistory
    spending: list[Spending] = field(default_factory=list)  # in public ledgers only
    notes_html: str = ""
    hidden_count: int = 0  # spending in ledgers not yet public
    booked: bool = False  # the amount agrees with the income booked under ``received``

    @property
    def amount_label(self) -> str:
        """到账 when the ledgers show the money coming in; else 下达金额 (what was allocated)."""
        return "到账" if self.booked else "下达金额"

    @property
    def date_label(self) -> str:
        return "到账日期" if self.booked else "日期"

    @property
    def url(self) -> str:
        return f"finance/funds/{self.slug}.html"

    @property
    def spent(self) -> Decimal:
        return sum((s.amount for s in self.spending), Decimal("0.00"))

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.spent

    @property
    def published_on(self) -> dt.date:
        return self.date

    @property
    def revisions(self):
        return self.history.revised_after(self.date)

    @property
    def status(self) -> Status:
        return Status.of(revised=bool(self.revisions))


def _find(ref, ledgers_by_key: dict, direction: str, path: Path, report, what: str, check_ledgers: bool):
    ledger = ledgers_by_key.get(ref["ledger"].strip())
    if ledger is None:
        known = "、".join(sorted(ledgers_by_key)) or "无"
        if check_ledgers:
            report.error(path, ref.line_of("ledger"), "E-FUND-LEDGER",
                         f"{what}凭证所在的财务公开表 “{ref['ledger']}” 找不到（现有：{known}）；"
                         "ledger 写财务公开表的期间，如 2026-Q3")
        return None, []
    voucher = ref["voucher"].strip()
    entries = ledger.vouchers(direction, voucher)
    if not entries:
        report.error(path, ref.line_of("voucher"), "E-FUND-VOUCHER",
                     f"{what}凭证号 “{voucher}” 在 {ledger.path.name}（{ledger.period.label}）的"
                     f"{direction}明细里没有；请核对凭证号")
    return ledger, entries


def _read(path: Path, site, ledgers_by_key: dict, used: dict, check_ledgers: bool) -> Fund | None:
    from villageboard.kinds.finance import EXPENDITURE, INCOME

    report = site.report
    read = check_address(path, report, "E-FUND-FILENAME") and read_yaml(path, site)
    if not read:
        return None
    rec = SCHEMA.read(read[1], path, report)
    if rec is None or any(rec[k] is None for k in ("title", "source", "date", "amount")):
        return None
    fund = Fund(path, path.stem, rec["title"].strip(), rec["source"].strip(), rec["date"], rec["amount"],
                site.history.of(path))
    if rec["received"] and rec["received"]["ledger"] and rec["received"]["voucher"]:
        _, entries = _find(rec["received"], ledgers_by_key, INCOME, path, report, "到账", check_ledgers)
        got = sum((e.amount for e in entries), Decimal("0.00"))
        if entries and got != fund.amount:
            report.error(path, rec["received"].line_of("voucher"), "E-FUND-RECEIVED",
                         f"到账凭证 “{rec['received']['voucher']}” 记的收入是 {got:,.2f} 元，"
                         f"与专项资金金额 {fund.amount:,.2f} 元不符")
        fund.booked = bool(entries) and got == fund.amount
    elif not rec["received"]:
        # Nothing ties the amount to the books: a typo (980000.00 for 98000.00) would pass unseen.
        report.warning(path, rec.line_of("amount"), "W-FUND-NOT-BOOKED",
                       f"没有写 received（到账凭证），金额 {fund.amount:,.2f} 元无法和财务公开表核对，网站上只显示为"
                       "“下达金额”，不显示为到账；到账已记在财务公开表里的，请写明哪一期哪张凭证，"
                       "如 received: {ledger: 2026-Q3, voucher: 记-07-04}")
    total = Decimal("0.00")
    for ref in rec["spending"]:
        if ref is None or ref["ledger"] is None or ref["voucher"] is None:
            continue
        ledger, entries = _find(ref, ledgers_by_key, EXPENDITURE, path, report, "支出", check_ledgers)
        if not entries:
            continue
        key = (ledger.period.key, ref["voucher"].strip())
        if key in used:
            report.error(path, ref.line_of("voucher"), "E-FUND-DUPLICATE",
                         f"凭证 {key[1]}（{key[0]}）已在 {used[key]}算过一次，同一笔支出不能重复计入专项资金")
            continue
        used[key] = f"{path.name} 第 {ref.line} 行"
        spending = Spending(ledger, key[1], entries, ref["note"])
        total += spending.amount
        if total > fund.amount:
            report.error(path, ref.line_of("voucher"), "E-FUND-OVERSPENT",
                         f"算上凭证 {key[1]}（{spending.amount:,.2f} 元），已支出 {total:,.2f} 元，"
                         f"超过专项资金 {fund.amount:,.2f} 元 {total - fund.amount:,.2f} 元")
        if ledger.is_public(site.today):
            fund.spending.append(spending)
        else:
            fund.hidden_count += 1
    fund.spending.sort(key=lambda s: (s.date, s.voucher))
    if rec["notes"]:
        fund.notes_html = markup.render(rec["notes"], path, rec.text_line("notes"), site.assets, report,
                                        site.village.public_phones)
    return fund


def load(site, ledgers: list, check_ledgers: bool = True) -> list[Fund]:
    """Every fund, checked against all ledgers (published or not).

    ``check_ledgers`` is off when a ledger file could not be read: a reference to it
    would only repeat that error.
    """
    folder = site.content / "finance" / "funds"
    if not folder.is_dir():
        return []
    by_key = {l.period.key: l for l in ledgers}
    used: dict = {}
    found = [_read(p, site, by_key, used, check_ledgers) for p in list_sources(folder, (".yaml", ".yml"), site)]
    # A grant is public news from its date; unlike a ledger it has no separate publication date.
    return sorted((f for f in found if f and f.date <= site.today), key=lambda f: f.date, reverse=True)
