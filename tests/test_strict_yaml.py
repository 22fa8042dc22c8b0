"""YAML 1.1 traps and strictness: every value is read as the text the clerk wrote."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from villageboard.reading import strictyaml
from villageboard.reading.diagnostics import Report
from villageboard.reading.fields import Field, Schema

SCHEMA = Schema(
    title=Field("text", required=True),
    date=Field("date", required=True),
    amount=Field("money"),
    count=Field("count"),
    pinned=Field("bool", default=False),
    tags=Field("list", item=Field("text"), default=list),
)


def read(text: str):
    report = Report()
    node = strictyaml.load(text, Path("x.yaml"), report)
    return SCHEMA.read(node, Path("x.yaml"), report), report


def codes(report: Report) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in report.items]


def test_yaml_11_traps_keep_the_written_text():
    rec, report = read("title: NO\ndate: 2024-07-01\namount: 1.10\ncount: 0755\ntags: [12:30, on, 1e3]\n")
    assert report.items == []
    assert rec["title"] == "NO"  # not False
    assert rec["amount"] == Decimal("1.10") and str(rec["amount"]) == "1.10"  # not the float 1.1
    assert rec["count"] == 755  # not octal 493
    assert rec["tags"] == ["12:30", "on", "1e3"]  # not 750, True, 1000.0


def test_yes_no_are_not_booleans():
    rec, report = read("title: a\ndate: 2024-07-01\npinned: yes\n")
    assert codes(report) == [(3, "E-BOOL")]
    assert "true" in report.items[0].message


def test_duplicate_key_points_at_the_second_one():
    _, report = read("title: a\ndate: 2024-07-01\ntitle: b\n")
    assert codes(report) == [(3, "E-YAML-DUPKEY")]
    assert "第一次在第 1 行" in report.items[0].message


def test_unknown_key_suggests_the_nearest():
    _, report = read("titel: a\ndate: 2024-07-01\n")
    assert (1, "E-YAML-UNKNOWN-KEY") in codes(report)
    assert "title" in report.items[0].message
    assert (1, "E-YAML-MISSING-KEY") in codes(report)


def test_impossible_and_badly_written_dates():
    _, report = read("title: a\ndate: 2026-02-30\n")
    assert codes(report) == [(2, "E-DATE")] and "不存在" in report.items[0].message
    _, report = read("title: a\ndate: 2026/2/3\n")
    assert codes(report) == [(2, "E-DATE")] and "YYYY-MM-DD" in report.items[0].message


def test_money_is_exact_and_at_most_two_decimals():
    _, report = read("title: a\ndate: 2024-07-01\namount: 1.005\n")
    assert codes(report) == [(3, "E-MONEY-DECIMALS")]
    _, report = read("title: a\ndate: 2024-07-01\namount: 50,000\n")
    assert codes(report) == [(3, "E-MONEY")]


def test_wrong_shapes_and_syntax_errors_have_lines():
    _, report = read("title: a\ndate: 2024-07-01\ntags: one\n")
    assert codes(report) == [(3, "E-YAML-TYPE")]
    _, report = read("title: a\ndate: [2024\n")
    assert [c for _, c in codes(report)] == ["E-YAML-SYNTAX"]


def test_empty_required_value_is_reported():
    _, report = read("title:\ndate: 2024-07-01\n")
    assert codes(report) == [(1, "E-YAML-MISSING-KEY")]
