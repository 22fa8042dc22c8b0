"""`new KIND TITLE`: a skeleton that cannot be published until the clerk fills it in, whose
title survives any punctuation, and whose ledger rows lie inside the period."""
from __future__ import annotations

import html
import re

import pytest

from conftest import TODAY, run_cli

TITLE = '关于“三资”清理: #第2号 [公示] & *注意* \'单引号\' \\ 100%完成 @全体 {附}'
KINDS = {"party": "party", "affairs": "affairs", "decision": "affairs/decisions", "household": "households",
         "compact": "compact"}


def _errors(stderr):
    return re.findall(r"^(.+?):(\d+): 错误：.+ \[(E-[A-Z0-9-]+)\]$", stderr, re.M)


@pytest.mark.parametrize("kind", KINDS)
def test_a_fresh_skeleton_fails_only_for_its_placeholders_and_keeps_its_title(demo_copy, kind, tmp_path):
    done = run_cli("new", kind, TITLE, "--content", str(demo_copy))
    assert done.returncode == 0, done.stderr
    created = [p for p in (demo_copy / KINDS[kind]).iterdir() if p.is_file() and "三资" in p.name]
    assert len(created) == 1
    source = created[0]
    checked = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert checked.returncode == 1
    errors = _errors(checked.stderr)
    assert errors and {code for _, _, code in errors} == {"E-PLACEHOLDER"}, checked.stderr
    assert all(path.endswith(source.name) for path, _, _ in errors)
    text = re.sub(r"（待填写[^）]*）", "已经填写的内容", source.read_text(encoding="utf-8"))
    source.write_text(text.replace("draft: true", "draft: false").replace("adopted: ", "adopted: 2026-01-01 #"),
                      encoding="utf-8")
    if kind == "compact":  # a real vote, so the version can be published
        source.write_text(source.read_text(encoding="utf-8").replace("for: 0", "for: 30"), encoding="utf-8")
    out = tmp_path / "site"
    built = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", "2026-12-31")
    assert built.returncode == 0, built.stderr
    page = next(p for p in out.rglob("*.html") if "三资" in p.name and "kiosk" not in p.parts and "print" not in p.parts)
    assert TITLE in html.unescape(page.read_text(encoding="utf-8"))


def test_a_new_ledger_opens_with_the_last_closing_and_dates_its_rows_inside_the_period(demo_copy):
    done = run_cli("new", "finance", "2026-Q4", "--content", str(demo_copy))
    assert done.returncode == 0, done.stderr
    ledger = demo_copy / "finance" / "2026-Q4.yaml"
    text = ledger.read_text(encoding="utf-8")
    assert "opening_balance: 104340.50" in text
    assert re.findall(r"date: (\S+),", text) == ["2026-10-01", "2026-10-01"]
    assert "published: 2027-01-10" in text
    checked = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert checked.returncode == 1 and {c for _, _, c in _errors(checked.stderr)} == {"E-PLACEHOLDER"}
    filled = text.replace("（待填写：收入摘要）", "店面租金").replace("（待填写：支出摘要）", "误工补贴")
    filled = filled.replace("（待填写：凭证号）", "记-10-01").replace("（待填写：金额）", "500.00")
    filled = filled.replace("（待填写：期末余额，记完收支后算出）", "104340.50")
    ledger.write_text(filled, encoding="utf-8")
    checked = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert checked.returncode == 0, checked.stderr
