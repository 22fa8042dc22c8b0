"""Collective income distribution (集体收益分配), an optional block of a ledger.

The use of collective income is decided by the villagers' assembly (组织法 art. 24),
and the board shows how the distributed total was split: the shares must add up to it
to the fen. A share paid per person or per household shows the unit amount, the count
(the ledger's own: today's ``village.yaml`` must not change a published ledger's figures)
and what rounding leaves over: the unit is rounded *down* to the fen, so the village
never pays out more than was decided (25,000.00 among 256 people is 97.65 each, and
1.60 stays in 未分配收益). The total and every share are above zero and a percentage is
at most 100: a negative share could otherwise balance one larger than the whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from villageboard.reading.fields import Field, Schema

FEN = Decimal("0.01")
PERCENT_RE = re.compile(r"^(\d{1,3}(?:\.\d{1,2})?)\s*[%％]?$")
PER = {"人": "每人", "户": "每户"}

SHARE = Schema(
    name=Field("text", required=True, label="分配项目"),
    amount=Field("money", label="金额"),
    percent=Field("text", label="比例（%）"),
    per=Field("choice", choices=tuple(PER), label="按人或按户发放"),
    count=Field("count", label="人数或户数"),
)
DISTRIBUTION = Schema(
    title=Field("text", label="标题"),
    total=Field("money", required=True, label="分配总额"),
    decided_by=Field("text", label="决定的会议"),
    shares=Field("list", item=Field("map", schema=SHARE), required=True, label="分配项目"),
)


@dataclass
class Share:
    """分配项目: one part of the distributed total."""

    name: str
    amount: Decimal
    percent: Decimal | None = None
    per: str | None = None  # 人 or 户: paid out to each person or household
    count: int | None = None
    line: int = 1

    @property
    def unit(self) -> Decimal | None:
        if not self.per or not self.count:
            return None
        return (self.amount / self.count).quantize(FEN, rounding=ROUND_DOWN)

    @property
    def paid(self) -> Decimal | None:
        return None if self.unit is None else self.unit * self.count

    @property
    def remainder(self) -> Decimal | None:
        return None if self.paid is None else self.amount - self.paid

    @property
    def per_text(self) -> str:
        return PER.get(self.per or "", "")


@dataclass
class Distribution:
    """集体收益分配: the distributed total and how it was split."""

    title: str
    total: Decimal
    decided_by: str | None
    shares: list[Share] = field(default_factory=list)


def read_distribution(rec, path: Path, site, report) -> Distribution | None:
    if rec["total"] is None or rec["shares"] is None:
        return None
    total = rec["total"]
    if total <= 0:
        report.error(path, rec.line_of("total"), "E-DISTRIBUTION-AMOUNT",
                     f"分配总额必须大于 0，写的是 “{total}”；没有可分配的收益就不要写 distribution")
        return None
    shares, complete = [], True
    for item, line in zip(rec["shares"], rec.item_lines.get("shares", [])):
        if item is None or item["name"] is None:
            complete = False
            continue
        amount, percent = item["amount"], None
        if amount is not None and amount <= 0:
            report.error(path, item.line_of("amount"), "E-DISTRIBUTION-AMOUNT",
                         f"“{item['name']}” 金额必须大于 0，写的是 “{amount}”；没有分到钱的项目不要写")
            complete = False
            continue
        if item["percent"] is not None:
            match = PERCENT_RE.match(item["percent"].strip())
            if not match:
                report.error(path, item.line_of("percent"), "E-DISTRIBUTION-SHARE",
                             f"比例应写成数字，如 50 表示 50%，写的是 “{item['percent']}”")
                complete = False
                continue
            percent = Decimal(match.group(1))
            if not 0 < percent <= 100:
                report.error(path, item.line_of("percent"), "E-DISTRIBUTION-PERCENT",
                             f"“{item['name']}” 的比例应大于 0、不超过 100（即 100%），写的是 “{item['percent']}”")
                complete = False
                continue
            from_percent = total * percent / 100
            if amount is None:
                if from_percent != from_percent.quantize(FEN):
                    report.error(path, item.line_of("percent"), "E-DISTRIBUTION-SHARE",
                                 f"{total:,.2f} 元的 {percent}% 是 {from_percent} 元，除不尽到分；请直接写 amount（金额）")
                    complete = False
                    continue
                amount = from_percent.quantize(FEN)
            elif amount != from_percent:
                report.error(path, item.line_of("amount"), "E-DISTRIBUTION-SHARE",
                             f"“{item['name']}” 金额 {amount:,.2f} 元不等于总额 {total:,.2f} 元的 {percent}%"
                             f"（{from_percent:,.2f} 元）")
                complete = False
                continue
        if amount is None:
            report.error(path, line, "E-DISTRIBUTION-SHARE",
                         f"“{item['name']}” 要写 amount（金额）或 percent（比例）")
            complete = False
            continue
        count = item["count"]
        if item["per"] and count is None:
            # Today's village.yaml, as ledgers written before ``count`` existed were published, but said:
            # a birth or a new household would change the 每人金额 of every published ledger, and break
            # its booked payout (E-DISTRIBUTION-BOOKED) far from the cause.
            count = site.village.population if item["per"] == "人" else site.village.households
            heads = "人数" if item["per"] == "人" else "户数"
            report.warning(path, line, "W-DISTRIBUTION-COUNT",
                           f"“{item['name']}” 按{item['per']}发放，没写{heads}，现在按 village.yaml 的 {count} {item['per']}算；"
                           f"请写上分配方案定的{heads}，例如 count: {count}（分配时不是这个数的，写当时的），"
                           f"以后村里{heads}变了，已公开的每{item['per']}金额才不会跟着变")
        if item["per"] and not count:
            report.error(path, item.line_of("count"), "E-DISTRIBUTION-COUNT", "人数或户数不能是 0")
            complete = False
            continue
        shares.append(Share(item["name"].strip(), amount, percent, item["per"], count, line))
    shared = sum((s.amount for s in shares), Decimal("0.00"))
    if complete and shared != total:
        report.error(path, rec.line_of("total"), "E-DISTRIBUTION-TOTAL",
                     f"各项分配合计 {shared:,.2f} 元，不等于分配总额 {total:,.2f} 元，相差 {total - shared:,.2f} 元")
    return Distribution(rec["title"] or "集体收益分配", total, rec["decided_by"], shares)
