"""The ledger checks: each error a clerk can get, at the file and line of the offending
value, and generated ledgers whose sums are checked against an independent sum in fen."""
from __future__ import annotations

import datetime as dt
import random
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import DEMO, ROOT, TODAY, run_cli
from villageboard.planning import site as site_module
from villageboard.reading.diagnostics import display_path

TODAY_DATE = dt.date.fromisoformat(TODAY)


def load(content: Path, today: dt.date = TODAY_DATE):
    return site_module.load(content, today)


def found(site, code: str) -> list[tuple[str, int]]:
    return [(d.path, d.line) for d in site.report.items if d.code == code]


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def where(path: Path, needle: str) -> tuple[str, int]:
    return display_path(path), line_of(path, needle)


@pytest.fixture
def finance(demo_copy: Path) -> Path:
    return demo_copy / "finance"


def test_demo_is_clean():
    site = load(DEMO)
    assert [d.format() for d in site.report.items] == []
    assert [l.period.key for l in site.books.ledgers] == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    assert site.books.ledgers[-1].closing == Decimal("104340.50")


def test_no_float_in_the_engine():
    sources = list((ROOT / "villageboard").rglob("*.py"))
    assert len(sources) > 40  # every stage's folder, not only the top
    for source in sources:
        assert "float(" not in source.read_text(encoding="utf-8"), source


def test_closing_that_does_not_add_up_is_an_error_on_the_closing_line(finance):
    q3 = finance / "2026-Q3.yaml"
    edit(q3, "closing_balance: 104340.50", "closing_balance: 104340.51")
    site = load(finance.parent)
    assert found(site, "E-LEDGER-BALANCE") == [where(q3, "closing_balance:")]
    message = next(d.message for d in site.report.items if d.code == "E-LEDGER-BALANCE")
    assert "104,340.50" in message and "相差 0.01 元" in message


def test_opening_must_be_the_previous_closing(finance):
    q3 = finance / "2026-Q3.yaml"
    edit(q3, "opening_balance: 79740.50", "opening_balance: 79750.50")
    edit(q3, "closing_balance: 104340.50", "closing_balance: 104350.50")  # still adds up by itself
    site = load(finance.parent)
    assert found(site, "E-LEDGER-CONTINUITY") == [where(q3, "opening_balance:")]
    assert found(site, "E-LEDGER-BALANCE") == []
    message = next(d.message for d in site.report.items if d.code == "E-LEDGER-CONTINUITY")
    assert "2026-Q2.yaml" in message and "79,740.50" in message


def test_overlapping_periods_are_an_error_on_the_period_line(finance):
    month = finance / "2026-08.yaml"
    month.write_text("period: 2026-08\nopening_balance: 1.00\nclosing_balance: 1.00\n"
                     "reviewed_by: 村务监督委员会\npublished: 2026-09-10\n", encoding="utf-8")
    site = load(finance.parent)
    assert found(site, "E-LEDGER-OVERLAP") == [(display_path(month), 1)]
    assert "2026-Q3" in next(d.message for d in site.report.items if d.code == "E-LEDGER-OVERLAP")


def test_months_and_quarters_mix_when_they_do_not_overlap(finance):
    q3 = finance / "2026-Q3.yaml"
    (finance / "2026-10.yaml").write_text(
        "period: 2026-10\nopening_balance: 104340.50\nincome:\n"
        "  - {date: 2026-10-09, item: 店面租金, category: 经营收入, amount: 1000.00, voucher: 记-10-01}\n"
        "closing_balance: 105340.50\nreviewed_by: 村务监督委员会\npublished: 2026-11-10\n", encoding="utf-8")
    site = load(finance.parent)
    assert site.report.errors == []
    assert [l.period.key for l in site.books.ledgers][-2:] == ["2026-Q3", "2026-10"]
    calendar = site.books.calendar
    # After a month the calendar counts in months: November is running, October is done.
    assert [(r.period.key, r.status) for r in calendar[-2:]] == [("2026-10", "ontime"), ("2026-11", "current")]
    assert q3.exists()


@pytest.mark.parametrize("bad, code", [
    ("-3000.00", "E-LEDGER-AMOUNT"),
    ("0", "E-LEDGER-AMOUNT"),
    ("3000.001", "E-MONEY-DECIMALS"),
    ("3000元", "E-MONEY"),
    ("1000000000000.00", "E-MONEY-TOO-LARGE"),
])
def test_bad_amounts_are_errors_on_their_line(finance, bad, code):
    q3 = finance / "2026-Q3.yaml"
    edit(q3, "category: 经营收入, amount: 3000.00", f"category: 经营收入, amount: {bad}")
    site = load(finance.parent)
    assert found(site, code) == [where(q3, "村部临街店面出租")]
    assert found(site, "E-LEDGER-BALANCE") == []  # no second, misleading error about the sum


def test_an_amount_of_a_trillion_yuan_is_an_error_in_every_money_field(finance):
    """A typo of a dozen digits is named where it stands, in ledgers, funds and distributions alike;
    below the limit the sums are exact, so a closing balance a fen off is never rounded away."""
    q3, q1 = finance / "2026-Q3.yaml", finance / "2026-Q1.yaml"
    fund = finance / "funds" / "fuwuzhongxin-gaizao.yaml"
    edit(q3, "opening_balance: 79740.50", "opening_balance: 99999999999999999999999999.99")
    edit(q1, "total: 50000.00", "total: -1000000000000.00")
    edit(fund, "amount: 98000.00", "amount: 980000000000000")
    site = load(finance.parent)
    assert sorted(found(site, "E-MONEY-TOO-LARGE")) == sorted(
        [where(q3, "opening_balance:"), where(q1, "total:"), where(fund, "amount:")])
    assert "一万亿" in next(d.message for d in site.report.items if d.code == "E-MONEY-TOO-LARGE")
    assert found(site, "E-LEDGER-BALANCE") == []


def test_the_largest_amounts_still_balance_to_the_fen(finance):
    q3 = finance / "2026-Q3.yaml"
    edit(q3, "opening_balance: 79740.50", "opening_balance: 999999900000.00")
    edit(q3, "closing_balance: 104340.50", "closing_balance: 999999924600.01")  # 0.01 more than it adds up to
    site = load(finance.parent)
    assert found(site, "E-LEDGER-BALANCE") == [where(q3, "closing_balance:")]
    assert "相差 0.01 元" in next(d.message for d in site.report.items if d.code == "E-LEDGER-BALANCE")


def test_item_date_outside_the_period(finance):
    q3 = finance / "2026-Q3.yaml"
    edit(q3, "{date: 2026-09-21, item: 第三季度银行存款利息", "{date: 2026-10-01, item: 第三季度银行存款利息")
    site = load(finance.parent)
    assert found(site, "E-LEDGER-DATE") == [where(q3, "第三季度银行存款利息")]
    assert "2026年第三季度" in next(d.message for d in site.report.items if d.code == "E-LEDGER-DATE")


def test_item_date_in_block_style_points_at_the_date_line(finance):
    q2 = finance / "2026-Q2.yaml"
    edit(q2, "  - {date: 2026-06-21, item: 第二季度银行存款利息, category: 其他收入, amount: 300.00, voucher: 记-06-03}",
         "  - date: 2026-07-21\n    item: 第二季度银行存款利息\n    category: 其他收入\n    amount: 300.00\n"
         "    voucher: 记-06-03")
    site = load(finance.parent)
    assert found(site, "E-LEDGER-DATE") == [where(q2, "date: 2026-07-21")]


def test_bad_period(finance):
    q3 = finance / "2026-Q3.yaml"
    edit(q3, "period: 2026-Q3", "period: 2026-Q5")
    site = load(finance.parent)
    assert found(site, "E-LEDGER-PERIOD") == [where(q3, "period:")]


def test_missing_voucher_is_an_error(finance):
    q3 = finance / "2026-Q3.yaml"
    edit(q3, "amount: 2100.00, voucher: 记-08-06}", "amount: 2100.00}")
    site = load(finance.parent)
    assert found(site, "E-YAML-MISSING-KEY") == [where(q3, "溪边沟渠清淤")]


def test_unknown_category_is_a_warning_naming_the_nearest(finance):
    q3 = finance / "2026-Q3.yaml"
    edit(q3, "category: 管理费用, amount: 6000.00", "category: 管理费, amount: 6000.00")
    site = load(finance.parent)
    assert site.report.errors == []
    assert found(site, "W-LEDGER-CATEGORY") == [where(q3, "村干部误工补贴（第三季度）")]
    assert "最接近的是 “管理费用”" in next(d.message for d in site.report.items if d.code == "W-LEDGER-CATEGORY")


def test_vocabulary_follows_village_accounting(finance):
    q1 = finance / "2026-Q1.yaml"
    edit(q1, "2026年度）, category: 经营收入", "2026年度）, category: 发包及上交收入")
    site = load(finance.parent)  # 2023 system: merged into 经营收入
    warnings = [d for d in site.report.items if d.code == "W-LEDGER-CATEGORY"]
    assert [(d.path, d.line) for d in warnings] == [where(q1, "发包及上交收入")]
    assert "“经营收入”" in warnings[0].message and "2023" in warnings[0].message
    edit(finance.parent / "village.yaml", 'accounting: "2023"', 'accounting: "2004"')
    site = load(finance.parent)  # 2004 system: a category of its own, but 公益支出 is not
    codes = [(d.code, d.path, d.line) for d in site.report.items]
    assert ("W-LEDGER-CATEGORY", *where(q1, "发包及上交收入")) not in codes
    assert ("W-LEDGER-CATEGORY", *where(q1, "春节走访慰问困难户")) in codes


def test_expenditure_category_in_income_is_named_as_such(finance):
    q2 = finance / "2026-Q2.yaml"
    edit(q2, "category: 其他收入, amount: 300.00", "category: 管理费用, amount: 300.00")
    site = load(finance.parent)
    message = next(d.message for d in site.report.items if d.code == "W-LEDGER-CATEGORY")
    assert "是支出科目" in message


def test_ledger_not_yet_published_is_not_shown(finance):
    q3 = finance / "2026-Q3.yaml"
    edit(q3, "published: 2026-10-12", "published: 2026-12-01")
    site = load(finance.parent)
    assert [l.period.key for l in site.books.ledgers][-1] == "2026-Q2"
    # ...and since Q3 was due by 2026-10-20, that is overdue, said on the published line.
    assert found(site, "W-FINANCE-OVERDUE") == [where(q3, "published:")]


# ------------------------------------------------------------ disclosure calendar


def test_missing_period_past_its_due_date_is_a_warning_and_a_calendar_gap(finance):
    (finance / "2026-Q2.yaml").unlink()
    site = load(finance.parent)
    assert site.report.errors == []  # no continuity error across a gap: the gap is the news
    assert found(site, "W-FINANCE-OVERDUE") == [(display_path(finance), 1)]
    message = next(d.message for d in site.report.items if d.code == "W-FINANCE-OVERDUE")
    assert "2026年第二季度" in message and "2026-07-20" in message
    rows = {r.period.key: r for r in site.books.calendar}
    assert list(rows) == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert rows["2026-Q2"].status == "overdue" and rows["2026-Q2"].ledger is None
    assert rows["2026-Q3"].status == "ontime" and rows["2026-Q4"].status == "current"


def test_due_day_is_configurable_and_late_publication_shows(finance):
    (finance / "settings.yaml").write_text("due_day: 10\n", encoding="utf-8")
    site = load(finance.parent)
    rows = {r.period.key: r for r in site.books.calendar}
    assert rows["2026-Q3"].due == dt.date(2026, 10, 10)
    assert rows["2026-Q3"].status == "late" and rows["2026-Q3"].status_text == "逾期 2 天后公开"
    assert rows["2026-Q2"].status == "late"  # published 2026-07-13
    assert rows["2025-Q4"].status == "late"


def test_bad_due_day(finance):
    settings = finance / "settings.yaml"
    settings.write_text("# 设置\ndue_day: 31\n", encoding="utf-8")
    site = load(finance.parent)
    assert found(site, "E-FINANCE-SETTINGS") == [(display_path(settings), 2)]


def test_period_not_over_is_not_overdue():
    site = load(DEMO, dt.date(2027, 1, 20))
    assert found(site, "W-FINANCE-OVERDUE") == []
    site = load(DEMO, dt.date(2027, 1, 21))
    assert len(found(site, "W-FINANCE-OVERDUE")) == 1


# ------------------------------------------------------------ funds and distribution


def test_fund_spending_comes_from_the_ledgers():
    site = load(DEMO)
    fund = site.books.funds[0]
    assert fund.amount == Decimal("98000.00")
    assert fund.spent == Decimal("68600.00") and fund.remaining == Decimal("29400.00")


def test_fund_voucher_that_no_ledger_has(finance):
    fund = finance / "funds" / "fuwuzhongxin-gaizao.yaml"
    edit(fund, "voucher: 记-09-04", "voucher: 记-09-40")
    site = load(finance.parent)
    assert found(site, "E-FUND-VOUCHER") == [where(fund, "记-09-40")]


def test_fund_ledger_that_does_not_exist(finance):
    fund = finance / "funds" / "fuwuzhongxin-gaizao.yaml"
    edit(fund, "{ledger: 2026-Q3, voucher: 记-09-04", "{ledger: 2026-Q4, voucher: 记-09-04")
    site = load(finance.parent)
    assert found(site, "E-FUND-LEDGER") == [where(fund, "2026-Q4")]


def test_fund_spent_above_the_grant(finance):
    fund = finance / "funds" / "fuwuzhongxin-gaizao.yaml"
    edit(fund, "amount: 98000.00", "amount: 60000.00")
    edit(fund, "received: {ledger: 2026-Q3, voucher: 记-07-04}\n", "")
    site = load(finance.parent)
    assert found(site, "E-FUND-OVERSPENT") == [where(fund, "记-09-04")]
    assert "8,600.00" in next(d.message for d in site.report.items if d.code == "E-FUND-OVERSPENT")


def test_fund_receipt_must_match_the_grant(finance):
    fund = finance / "funds" / "fuwuzhongxin-gaizao.yaml"
    edit(fund, "amount: 98000.00", "amount: 99000.00")
    site = load(finance.parent)
    assert found(site, "E-FUND-RECEIVED") == [where(fund, "received:")]


@pytest.mark.parametrize("bad", ["-5.00", "0"])
def test_fund_amount_must_be_above_zero(finance, bad):
    fund = finance / "funds" / "fuwuzhongxin-gaizao.yaml"
    edit(fund, "amount: 98000.00", f"amount: {bad}")
    edit(fund, "received: {ledger: 2026-Q3, voucher: 记-07-04}\n", "")
    site = load(finance.parent)
    assert found(site, "E-FUND-AMOUNT") == [where(fund, "amount:")]
    assert site.books.funds == []  # never published as 到账 -5.00（负伍元整）


def test_a_fund_amount_not_matched_to_the_books_is_never_published_as_received(finance, tmp_path):
    """到账 is a claim about the village's account: only a receipt voucher in a ledger backs it.
    Without ``received`` the clerk is warned, and the page says 下达金额 (allocated), not 到账."""
    fund = finance / "funds" / "fuwuzhongxin-gaizao.yaml"
    assert load(DEMO).books.funds[0].amount_label == "到账"
    edit(fund, "amount: 98000.00", "amount: 980000.00")  # one 0 too many; the ledger shows 98,000.00
    edit(fund, "received: {ledger: 2026-Q3, voucher: 记-07-04}\n", "")
    site = load(finance.parent)
    assert site.report.errors == []
    assert found(site, "W-FUND-NOT-BOOKED") == [where(fund, "amount:")]
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(finance.parent), "--out", str(out), "--today", TODAY).returncode == 0
    for page in ("finance/funds/fuwuzhongxin-gaizao.html", "finance/index.html", "finance/2026-Q3.html"):
        text = re.sub(r"<[^>]+>|\s+", "", (out / page).read_text(encoding="utf-8"))
        assert "到账980,000.00" not in text and "下达金额980,000.00" in text, page


def test_fund_voucher_counted_twice(finance):
    fund = finance / "funds" / "fuwuzhongxin-gaizao.yaml"
    edit(fund, "voucher: 记-09-04", "voucher: 记-08-03")
    site = load(finance.parent)
    assert found(site, "E-FUND-DUPLICATE") == [where(fund, "进度款")]


def test_distribution_remainder():
    site = load(DEMO)
    q1 = next(l for l in site.books.ledgers if l.period.key == "2026-Q1")
    per_person, facilities = q1.distribution.shares
    assert (per_person.amount, per_person.unit, per_person.count) == (Decimal("25000.00"), Decimal("97.65"), 256)
    assert per_person.paid == Decimal("24998.40") and per_person.remainder == Decimal("1.60")
    assert facilities.unit is None and facilities.amount == Decimal("25000.00")


def test_distribution_per_household(finance):
    edit(finance / "2026-Q1.yaml", "per: 人, count: 256}", "per: 户, count: 85}")
    site = load(finance.parent)
    q1 = next(l for l in site.books.ledgers if l.period.key == "2026-Q1")
    share = q1.distribution.shares[0]
    assert (share.unit, share.count, share.paid, share.remainder) == (
        Decimal("294.11"), 85, Decimal("24999.35"), Decimal("0.65"))


def test_distribution_shares_must_add_up(finance):
    q1 = finance / "2026-Q1.yaml"
    edit(q1, "{name: 提取公积公益金（用于公益设施）, percent: 50}", "{name: 提取公积公益金（用于公益设施）, amount: 24000.00}")
    site = load(finance.parent)
    assert found(site, "E-DISTRIBUTION-TOTAL") == [where(q1, "total: 50000.00")]


def test_distribution_share_amount_against_percent(finance):
    q1 = finance / "2026-Q1.yaml"
    edit(q1, "percent: 50, per: 人", "percent: 50, amount: 25000.01, per: 人")
    site = load(finance.parent)
    assert found(site, "E-DISTRIBUTION-SHARE") == [where(q1, "农户（成员）分配")]


FACILITIES = "{name: 提取公积公益金（用于公益设施）, percent: 50}"


@pytest.mark.parametrize("changes, expected", [
    ([("total: 50000.00", "total: -50000.00")], [("E-DISTRIBUTION-AMOUNT", "total:")]),
    ([(FACILITIES, "{name: 提取公积公益金（用于公益设施）, amount: -100.00}")],
     [("E-DISTRIBUTION-AMOUNT", "提取公积公益金")]),
    # 150% of the total, "balanced" by a negative share: each is named, and no sum is reported on top.
    ([("percent: 50, per: 人", "percent: 150, per: 人"),
      (FACILITIES, "{name: 提取公积公益金（用于公益设施）, amount: -25000.00}")],
     [("E-DISTRIBUTION-AMOUNT", "提取公积公益金"), ("E-DISTRIBUTION-PERCENT", "农户（成员）分配")]),
], ids=["negative total", "negative share", "150 percent"])
def test_distribution_amounts_are_above_zero_and_percentages_at_most_100(finance, changes, expected):
    q1 = finance / "2026-Q1.yaml"
    for old, new in changes:
        edit(q1, old, new)
    site = load(finance.parent)
    problems = sorted((d.code, d.path, d.line) for d in site.report.items if d.is_error)
    assert problems == sorted((code, *where(q1, needle)) for code, needle in expected)


# ------------------------------------------------------------ generated ledgers


def _fen(n: int) -> str:
    return f"{n // 100}.{n % 100:02d}"


def _write_chain(folder: Path, rng: random.Random, months: int, wrong: int | None, delta: int):
    """Monthly ledgers for 2025; returns (expected closings in fen, line of each closing)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    balance = rng.randrange(0, 50_000_000)
    expected, lines = [], []
    for m in range(1, months + 1):
        opening = balance
        rows = {"income": [], "expenditure": []}
        total = {"income": 0, "expenditure": 0}
        for side in rows:
            for i in range(rng.randrange(0, 9)):
                amount = rng.choice([rng.randrange(1, 100), rng.randrange(1, 10_000_000), 5, 10, 1_000_000])
                total[side] += amount
                day = rng.randrange(1, 29)
                category = "经营收入" if side == "income" else "管理费用"
                rows[side].append(f"  - {{date: 2025-{m:02d}-{day:02d}, item: 第{i + 1}笔, category: {category}, "
                                  f"amount: {_fen(amount)}, voucher: 记-{m:02d}-{i + 1:02d}}}")
        closing = opening + total["income"] - total["expenditure"]
        if closing < 0:  # keep the books from going overdrawn: top up with one more receipt
            rows["income"].append(f"  - {{date: 2025-{m:02d}-28, item: 补足, category: 其他收入, "
                                  f"amount: {_fen(-closing + 1)}, voucher: 记-{m:02d}-99}}")
            closing = 1
        stated = closing + (delta if m == wrong else 0)
        text = [f"period: 2025-{m:02d}", f"opening_balance: {_fen(opening)}", "income:" if rows["income"] else "income: []",
                *rows["income"], "expenditure:" if rows["expenditure"] else "expenditure: []", *rows["expenditure"],
                f"closing_balance: {_fen(stated)}", "reviewed_by: 村务监督委员会", f"published: 2025-{m:02d}-28"]
        (folder / f"2025-{m:02d}.yaml").write_text("\n".join(text) + "\n", encoding="utf-8")
        expected.append(closing)
        lines.append(len(text) - 2)
        balance = stated  # the next period carries the stated balance, so only one error is expected
    return expected, lines


def test_many_generated_ledgers_add_up_to_the_fen(demo_copy):
    shutil.rmtree(demo_copy / "finance")
    folder = demo_copy / "finance"
    rng = random.Random(7)
    for round_ in range(12):
        wrong = rng.randrange(1, 13) if round_ % 2 else None
        delta = rng.choice([1, -1, 100, -9, 1_000_000])
        expected, lines = _write_chain(folder, rng, 12, wrong, delta)
        site = load(demo_copy, dt.date(2026, 1, 10))
        ledgers = site.books.all_ledgers
        for ledger, fen in zip(sorted(ledgers, key=lambda l: l.period), expected):
            assert ledger.computed_closing == Decimal(fen) / 100
            assert isinstance(ledger.computed_closing, Decimal)
        balance_errors = found(site, "E-LEDGER-BALANCE")
        other = [d.format() for d in site.report.errors if d.code != "E-LEDGER-BALANCE"]
        assert other == []
        if wrong is None:
            assert balance_errors == []
        else:
            path = folder / f"2025-{wrong:02d}.yaml"
            assert balance_errors == [(display_path(path), lines[wrong - 1])]
            assert f"相差 {Decimal(delta) / 100:,.2f} 元" in site.report.errors[0].message


def test_check_prints_path_line_and_code_and_exits_1(finance):
    edit(finance / "2026-Q3.yaml", "closing_balance: 104340.50", "closing_balance: 104430.50")
    done = run_cli("check", "--content", str(finance.parent), "--today", TODAY)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    line = line_of(finance / "2026-Q3.yaml", "closing_balance:")
    assert re.search(rf"2026-Q3\.yaml:{line}: 错误：期末余额 104,430\.50 算不平.*\[E-LEDGER-BALANCE\]", done.stderr)


def test_check_warns_about_an_overdue_period_but_exits_0(finance):
    (finance / "2026-Q2.yaml").unlink()
    done = run_cli("check", "--content", str(finance.parent), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    assert "警告：2026年第二季度" in done.stderr and "[W-FINANCE-OVERDUE]" in done.stderr


def test_thousands_comma_gets_a_plain_explanation(finance):
    q3 = finance / "2026-Q3.yaml"
    edit(q3, "amount: 3000.00, voucher: 记-07-01", "amount: 3,000.00, voucher: 记-07-01")
    site = load(finance.parent)
    assert found(site, "E-MONEY") == [where(q3, "村部临街店面出租")]
    assert "千位" in next(d.message for d in site.report.items if d.code == "E-MONEY")


def test_an_unreadable_ledger_does_not_cascade(finance):
    edit(finance / "2026-Q3.yaml", "period: 2026-Q3", "period: 2026年第三季度")
    site = load(finance.parent)
    # (the copy is not in git, so W-HISTORY-NOT-A-REPO stands beside it: that is not a cascade)
    assert [d.code for d in site.report.items if not d.code.startswith("W-HISTORY-")] == ["E-LEDGER-PERIOD"]


def test_copied_file_with_the_old_period_is_flagged(finance):
    q3 = finance / "2026-Q3.yaml"
    (finance / "2026-Q4.yaml").write_text(q3.read_text(encoding="utf-8"), encoding="utf-8")
    site = load(finance.parent)
    q4 = finance / "2026-Q4.yaml"
    assert found(site, "W-LEDGER-FILENAME") == [where(q4, "period:")]
    assert found(site, "E-LEDGER-OVERLAP") == [where(q4, "period:")]


def test_published_before_the_period_ends_is_a_warning(finance):
    q3 = finance / "2026-Q3.yaml"
    edit(q3, "published: 2026-10-12", "published: 2026-09-28")
    site = load(finance.parent)
    assert found(site, "W-LEDGER-EARLY") == [where(q3, "published:")]


def test_distribution_count_zero(finance):
    q1 = finance / "2026-Q1.yaml"
    edit(q1, "count: 256}", "count: 0}")
    site = load(finance.parent)
    assert found(site, "E-DISTRIBUTION-COUNT") == [where(q1, "count: 0")]


def test_a_distribution_paid_per_person_states_its_own_head_count(finance):
    q1 = finance / "2026-Q1.yaml"
    edit(q1, "per: 人, count: 256}", "per: 人}")
    site = load(finance.parent)
    # Without it, today's village.yaml is taken, as ledgers written before count existed were published,
    # but said at the share: one birth (256 → 257) would break the published Q1 ledger.
    assert found(site, "W-DISTRIBUTION-COUNT") == [where(q1, "农户（成员）分配")]
    assert not [d for d in site.report.items if d.code.startswith("E-")]
    message = next(d.message for d in site.report.items if d.code == "W-DISTRIBUTION-COUNT")
    assert "count: 256" in message


def test_a_population_change_today_leaves_a_published_distribution_as_it_was(finance):
    village = finance.parent / "village.yaml"
    edit(village, "population: 256", "population: 257")
    site = load(finance.parent)
    assert [d for d in site.report.items if d.code.startswith("E-")] == []
    q1 = next(l for l in site.books.ledgers if l.period.key == "2026-Q1")
    assert (q1.distribution.shares[0].unit, q1.distribution.shares[0].count) == (Decimal("97.65"), 256)


def test_fund_file_name_becomes_an_address(finance):
    funds = finance / "funds"
    bad = funds / "改造 资金.yaml"
    (funds / "fuwuzhongxin-gaizao.yaml").rename(bad)
    site = load(finance.parent)
    assert found(site, "E-FUND-FILENAME") == [(display_path(bad), 1)]
