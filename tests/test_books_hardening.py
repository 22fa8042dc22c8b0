"""Books that add up, to the fen, for the reasons that matter: no row booked twice, no gap
hiding a changed balance, a distribution paid as booked, no negative zero, no formula in a
spreadsheet cell, and no thousand warnings from one typo."""
from __future__ import annotations

import csv
import io
import re

from conftest import TODAY, run_cli


def _diagnostics(stderr):
    return re.findall(r"^(.+?):(\d+): (?:错误|警告)：(.+) \[([EW]-[A-Z0-9-]+)\]$", stderr, re.M)


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_row_booked_twice_is_an_error_at_the_second(demo_copy):
    q3 = demo_copy / "finance" / "2026-Q3.yaml"
    row = "  - {date: 2026-08-26, item: 溪边沟渠清淤, category: 公益支出, amount: 2100.00, voucher: 记-08-06}\n"
    _edit(q3, row, row + row)
    line = q3.read_text(encoding="utf-8").split("\n").index(row.rstrip("\n"), ) + 2
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1
    assert any(p.endswith("2026-Q3.yaml") and int(l) == line and c == "E-LEDGER-DUPLICATE" and "记了两次" in m
               for p, l, m, c in _diagnostics(done.stderr)), done.stderr


def test_a_missing_period_is_named_and_not_silently_skipped(demo_copy):
    (demo_copy / "finance" / "2026-Q2.yaml").unlink()
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    gap = [(p, m) for p, l, m, c in _diagnostics(done.stderr) if c == "W-LEDGER-GAP"]
    assert len(gap) == 1 and gap[0][0].endswith("2026-Q3.yaml")
    assert "2026-04-01 至 2026-06-30 没有公开表" in gap[0][1]


def test_a_distribution_paid_otherwise_than_booked_is_an_error(demo_copy):
    q1 = demo_copy / "finance" / "2026-Q1.yaml"
    _edit(q1, "count: 256}", "count: 250}")  # 100.00 × 250 paid, 97.65 × 256 booked
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1
    found = [(p, m) for p, l, m, c in _diagnostics(done.stderr) if c == "E-DISTRIBUTION-BOOKED"]
    assert len(found) == 1 and "24,998.40" in found[0][1], done.stderr


def test_formula_like_text_never_reaches_a_spreadsheet_live(demo_copy, tmp_path):
    q3 = demo_copy / "finance" / "2026-Q3.yaml"
    _edit(q3, "item: 溪边沟渠清淤, category: 公益支出, amount: 2100.00, voucher: 记-08-06",
          "item: '=HYPERLINK(\"http://x\")', category: '+公益支出', amount: 2100.00, voucher: '@SUM(A1)'")
    _edit(q3, "item: 村干部误工补贴（第三季度）", "item: '-2+3'")
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY).returncode == 0
    rows = list(csv.reader(io.StringIO((out / "finance" / "2026-Q3.csv").read_text(encoding="utf-8-sig"))))
    header, body = rows[0], rows[1:]
    for row in body:
        for name, cell in zip(header, row):
            if name != "金额":
                assert cell[:1] not in ("=", "+", "-", "@"), (name, cell)
    assert sorted(["'=HYPERLINK(\"http://x\")", "'+公益支出", "'@SUM(A1)", "'-2+3"]) == \
        sorted(c for row in body for c in row if c.startswith("'"))


def test_a_typo_in_the_year_is_one_error_not_thousands_of_warnings(demo_copy):
    _edit(demo_copy / "finance" / "2026-Q3.yaml", "period: 2026-Q3", "period: 0226-Q3")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    found = _diagnostics(done.stderr)
    assert done.returncode == 1 and len(found) < 10, len(found)
    assert any(c == "E-LEDGER-PERIOD" and "2000 到 2099" in m for p, l, m, c in found)


def test_a_negative_zero_is_never_shown(demo_copy):
    from decimal import Decimal

    from villageboard.reading.chinese_amounts import yuan
    from villageboard.rendering.render import money

    assert yuan(Decimal("-0.00")) == money(Decimal("-0.00")) == money(-Decimal("0.004")) == "0.00"
    _edit(demo_copy / "finance" / "2026-Q3.yaml", "opening_balance: 79740.50", "opening_balance: -0.00")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert "期初余额 0.00 应等于上一期" in done.stderr and "-0.00" not in done.stderr
