"""四议两公开 decisions: every rule of PRODUCT.md, the page a villager reads, and the listings."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from villageboard.kinds import decisions

from villageboard.planning import site as site_module
from villageboard.kinds.decisions import judge

from conftest import TODAY, run_cli, screenshot

PASSED = "affairs/decisions/2025-jiti-shouyi.html"
FAILED = "affairs/decisions/2026-houshan-linzu.html"

GOOD = """\
title: 村道亮化工程
proposal: {date: 2026-10-01, body: 村党支部委员会, summary: 提议安装路灯}
consultation: {date: 2026-10-08, body: 村两委联席会议}
review: {date: 2026-10-15, body: 党员大会, attended: 20, total: 24}
resolution: {date: 2026-10-20, body: 村民代表会议, attended: 12, total: 15, for: 10, against: 1, abstain: 1}
resolution_notice: {date: 2026-10-21, until: 2026-11-30}
result_notice: {date: 2026-11-20, summary: 路灯已安装}
"""


def load(content: Path, today: str = TODAY):
    return site_module.load(content, dt.date.fromisoformat(today))


def write(content: Path, text: str, name: str = "test-decision.yaml") -> Path:
    path = content / "affairs" / "decisions" / name
    path.write_text(text, encoding="utf-8")
    return path


def errors(site) -> list[tuple[str, int, str]]:
    return [(Path(d.path).name, d.line, d.code) for d in site.report.errors]


# --- The law: quorum and majority -------------------------------------------------

def test_representatives_need_two_thirds_present():
    assert judge("村民代表会议", attended=10, total=15, votes_for=10).passed
    short = judge("村民代表会议", attended=9, total=15, votes_for=9)
    assert not short.passed and not short.quorum and "三分之二" in short.reason
    assert judge("村民代表会议", attended=11, total=16, votes_for=11).passed  # 2/3 of 16 is 10.67
    assert not judge("村民代表会议", attended=10, total=16, votes_for=10).passed


def test_majority_means_more_than_half_of_those_present():
    assert judge("村民代表会议", attended=13, total=15, votes_for=7).passed
    tie = judge("村民代表会议", attended=12, total=15, votes_for=6)
    assert not tie.passed and tie.quorum and not tie.majority and tie.needed_for == 7


def test_villagers_meeting_by_adults_or_by_households():
    # Art. 22: more than half of the adult villagers ...
    assert not judge("村民会议", attended=100, total=200, votes_for=90).passed
    assert judge("村民会议", attended=101, total=200, votes_for=90).passed
    # ... or two thirds of the households.
    assert not judge("村民会议", attended=56, total=85, votes_for=50, counted_by="户").passed
    assert judge("村民会议", attended=57, total=85, votes_for=50, counted_by="户").passed


# --- Rules of a decision file, reported at file and line -------------------------

def test_a_complete_decision_is_clean(demo_copy):
    write(demo_copy, GOOD)
    site = load(demo_copy)
    assert errors(site) == []
    d = next(d for d in site.decisions if d.slug == "test-decision")
    assert [s.state for s in d.steps] == ["done"] * 6 and d.progress == "已实施完毕"


@pytest.mark.parametrize("change, line, code", [
    # stages out of order: consultation written after review
    (lambda t: t.replace("consultation: {date: 2026-10-08, body: 村两委联席会议}\n", "").replace(
        "resolution: {", "consultation: {date: 2026-10-08, body: 村两委联席会议}\nresolution: {"), 4, "E-DECISION-ORDER"),
    # a stage without the one before it
    (lambda t: t.replace("review: {date: 2026-10-15, body: 党员大会, attended: 20, total: 24}\n", ""), 4,
     "E-DECISION-STAGE-MISSING"),
    # a date going back
    (lambda t: t.replace("review: {date: 2026-10-15", "review: {date: 2026-10-05"), 4, "E-DECISION-DATE"),
    # more votes than people present
    (lambda t: t.replace("for: 10, against: 1", "for: 11, against: 1"), 5, "E-DECISION-VOTES"),
    # more present than members
    (lambda t: t.replace("attended: 20, total: 24", "attended: 25, total: 24"), 4, "E-DECISION-ATTENDANCE"),
    # a body that may not hold the stage
    (lambda t: t.replace("body: 村民代表会议", "body: 村委会"), 5, "E-DECISION-BODY"),
    (lambda t: t.replace("body: 村民代表会议,", "body: 村民代表会议, counted_by: 户,"), 5, "E-DECISION-BODY"),
    # the notice ends before it starts
    (lambda t: t.replace("until: 2026-11-30", "until: 2026-10-01"), 6, "E-DECISION-UNTIL"),
    # failed for lack of quorum, yet announced
    (lambda t: t.replace("attended: 12, total: 15, for: 10", "attended: 9, total: 15, for: 7"), 6,
     "E-DECISION-AFTER-FAILED"),
    # failed for lack of majority, yet its result published
    (lambda t: t.replace("for: 10, against: 1, abstain: 1", "for: 6, against: 5, abstain: 1"), 7,
     "E-DECISION-AFTER-FAILED"),
    # a key that does not exist, with the nearest suggested
    (lambda t: t.replace("resolution_notice:", "resolution_notise:"), 6, "E-YAML-UNKNOWN-KEY"),
    # missing attendance on the vote
    (lambda t: t.replace("attended: 12, total: 15, ", ""), 5, "E-YAML-MISSING-KEY"),
])
def test_each_rule_points_at_file_and_line(demo_copy, change, line, code):
    write(demo_copy, change(GOOD))
    found = errors(load(demo_copy))
    assert ("test-decision.yaml", line, code) in found, found


def test_a_step_dated_after_today_is_shown_from_its_day(demo_copy):
    write(demo_copy, GOOD.replace("result_notice: {date: 2026-11-20", "result_notice: {date: 2026-12-20"))
    site = load(demo_copy)
    assert errors(site) == []
    decision = next(d for d in site.decisions if d.slug == "test-decision")
    assert "result_notice" not in decision.stages and not decision.finished
    later = load(demo_copy, "2026-12-20")
    assert "result_notice" in next(d for d in later.decisions if d.slug == "test-decision").stages


def test_private_numbers_in_a_decision_are_errors(demo_copy):
    write(demo_copy, GOOD.replace("提议安装路灯", "提议安装路灯，联系人 13912345678"))
    assert ("test-decision.yaml", 2, "E-PRIVACY-PHONE") in errors(load(demo_copy))


def test_check_prints_path_line_code_and_exits_1(demo_copy):
    write(demo_copy, GOOD.replace("for: 10, against: 1, abstain: 1", "for: 6, against: 5, abstain: 1"))
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = [l for l in done.stderr.splitlines() if "E-DECISION-AFTER-FAILED" in l]
    assert len(lines) == 2
    assert re.search(r"affairs/decisions/test-decision\.yaml:6: 错误：决议未通过（赞成 6 票.*\[E-DECISION-AFTER-FAILED\]$", lines[0])


def test_a_failed_resolution_without_notices_is_fine_and_never_shown_as_passed(demo_copy):
    text = GOOD.split("resolution_notice:")[0].replace("attended: 12, total: 15, for: 10", "attended: 9, total: 15, for: 7")
    write(demo_copy, text)
    site = load(demo_copy)
    assert errors(site) == []
    d = next(d for d in site.decisions if d.slug == "test-decision")
    assert d.failed and d.progress == "未通过"
    assert [s.state for s in d.steps] == ["done", "done", "done", "failed", "stopped", "stopped"]


def test_the_current_step_follows_the_last_done_one(demo_copy):
    write(demo_copy, GOOD.split("review:")[0])
    d = next(d for d in load(demo_copy).decisions if d.slug == "test-decision")
    assert [s.state for s in d.steps] == ["done", "done", "current", "todo", "todo", "todo"]
    assert d.progress == "进行中：第3步 党员大会审议"


# --- Empty stages and stages of the wrong shape ----------------------------------

@pytest.mark.parametrize("empty", ["", " ~", " null"])
def test_an_empty_stage_before_a_filled_one_is_an_error_at_its_line(demo_copy, empty):
    # `consultation:` with nothing after it used to count as done: check passed and the timeline showed
    # step 2 as 进行中 while step 3 was 已完成.
    write(demo_copy, GOOD.replace("consultation: {date: 2026-10-08, body: 村两委联席会议}", "consultation:" + empty))
    site = load(demo_copy)
    assert errors(site) == [("test-decision.yaml", 3, "E-DECISION-STAGE-EMPTY")]
    assert "test-decision" not in [d.slug for d in site.decisions]


def test_every_empty_stage_before_a_filled_one_is_reported(demo_copy):
    text = GOOD.replace("consultation: {date: 2026-10-08, body: 村两委联席会议}", "consultation:").replace(
        "review: {date: 2026-10-15, body: 党员大会, attended: 20, total: 24}", "review:")
    write(demo_copy, text.split("resolution_notice:")[0])
    assert errors(load(demo_copy)) == [("test-decision.yaml", 3, "E-DECISION-STAGE-EMPTY"),
                                       ("test-decision.yaml", 4, "E-DECISION-STAGE-EMPTY")]


def test_empty_stages_after_the_last_filled_one_are_not_reached_yet(demo_copy):
    write(demo_copy, GOOD.split("review:")[0] + "review:\nresolution:\n")
    site = load(demo_copy)
    assert errors(site) == []
    d = next(d for d in site.decisions if d.slug == "test-decision")
    assert list(d.stages) == ["proposal", "consultation"]
    assert [s.state for s in d.steps] == ["done", "done", "current", "todo", "todo", "todo"]
    assert d.progress == "进行中：第3步 党员大会审议"


def test_a_file_whose_stages_are_all_empty_is_an_error_not_a_silent_gap(demo_copy):
    write(demo_copy, "title: 村道亮化工程\nproposal:\nconsultation:\n")
    site = load(demo_copy)
    assert errors(site) == [("test-decision.yaml", 2, "E-DECISION-STAGE-MISSING")]


AUDIT = """\
title: 测试事项
proposal: {date: 2026-01-01}
consultation: {date: 2026-01-02}
review: {date: 2026-01-03, attended: 20, total: 24}
resolution:
resolution_notice: {date: 2026-01-05, until: 2026-12-31}
"""


def test_check_and_build_both_refuse_an_empty_resolution_before_its_notice(demo_copy, tmp_path):
    # check passed this file, and build stopped with 内部错误 (UndefinedError in home-decisions.html).
    write(demo_copy, AUDIT)
    out = tmp_path / "site"
    for args in (("check",), ("build", "--out", str(out))):
        done = run_cli(*args, "--content", str(demo_copy), "--today", "2026-12-06")
        assert done.returncode == 1, (args, done.stderr)
        assert "内部错误" not in done.stderr and "Traceback" not in done.stderr
        assert re.search(r"affairs/decisions/test-decision\.yaml:5: 错误：“村民（代表）会议决议”（resolution）是空的.*"
                         r"\[E-DECISION-STAGE-EMPTY\]$", done.stderr, re.M), done.stderr
    assert not out.exists()


STAGE_LINES = {"proposal": 2, "consultation": 3, "review": 4, "resolution": 5, "resolution_notice": 6,
               "result_notice": 7}


@pytest.mark.parametrize("key", list(STAGE_LINES))
@pytest.mark.parametrize("shape, code", [
    ("[2026-10-08]", "E-YAML-TYPE"),  # a list
    ("- {date: 2026-10-08}", "E-YAML-TYPE"),  # a block list
    ("2026-10-08", "E-YAML-TYPE"),  # a plain date instead of {date: …}
    ("已完成", "E-YAML-TYPE"),  # plain text
    ('""', "E-YAML-TYPE"),  # an empty text is not an empty stage
    ("{}", "E-YAML-MISSING-KEY"),  # a mapping without its date
])
def test_a_stage_of_the_wrong_shape_is_a_located_error(demo_copy, key, shape, code):
    lines = GOOD.splitlines()
    at = STAGE_LINES[key] - 1
    if shape.startswith("- "):
        lines[at:at + 1] = [f"{key}:", f"  {shape}"]
    else:
        lines[at] = f"{key}: {shape}"
    write(demo_copy, "\n".join(lines) + "\n")
    site = load(demo_copy)
    found = errors(site)
    assert found and all(line in (STAGE_LINES[key], STAGE_LINES[key] + 1) for _, line, _ in found), found
    assert code in [c for _, _, c in found], found
    assert "test-decision" not in [d.slug for d in site.decisions]


@pytest.mark.parametrize("change, line", [
    (lambda t: t.replace("attended: 20, total: 24", "attended: 0, total: 0"), 4),
    (lambda t: t.replace("attended: 12, total: 15, for: 10, against: 1, abstain: 1",
                         "attended: 0, total: 0, for: 0, against: 0, abstain: 0").split("resolution_notice:")[0], 5),
    (lambda t: t.replace("body: 村民代表会议, attended: 12, total: 15, for: 10, against: 1, abstain: 1",
                         "body: 村民会议, counted_by: 户, attended: 0, total: 0, for: 0, against: 0, abstain: 0"
                         ).split("resolution_notice:")[0], 5),
], ids=["review", "representatives", "villagers-by-household"])
def test_a_meeting_of_no_members_is_an_error(demo_copy, change, line):
    # attended: 0, total: 0 passed check and the resolution was shown as 未通过.
    write(demo_copy, change(GOOD))
    site = load(demo_copy)
    assert errors(site) == [("test-decision.yaml", line, "E-DECISION-TOTAL")]
    assert "test-decision" not in [d.slug for d in site.decisions]


def test_check_reports_a_total_of_zero_in_chinese(demo_copy):
    write(demo_copy, GOOD.replace("attended: 20, total: 24", "attended: 0, total: 0"))
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert re.search(r"affairs/decisions/test-decision\.yaml:4: 错误：“党员大会审议”的应到人数是 0.*\[E-DECISION-TOTAL\]$",
                     done.stderr, re.M), done.stderr


def test_home_panel_only_while_the_resolution_notice_runs():
    content = Path(__file__).resolve().parent.parent / "content"
    during = load(content, "2026-11-22")
    assert [d.slug for d in decisions.panels(during)[0].context["decisions"]] == ["2025-jiti-shouyi"]
    assert decisions.panels(load(content, "2027-01-01")) == []


# --- What the villager sees -------------------------------------------------------

def test_passed_decision_page(built_demo):
    html = (built_demo / PASSED).read_text(encoding="utf-8")
    assert "已通过，已实施" in html and "未通过" not in html
    assert html.count('class="step done"') == 6
    for text in ("第1步 村党组织提议", "第6步 实施结果公开", "应到 15 人，实到 13 人", "应到 24 人，实到 21 人",
                 "赞成 <b>12</b>", "反对 <b>0</b>", "弃权 <b>1</b>", "2026年10月16日", "村民代表会议", "公开至 2026年12月31日"):
        assert text in html, text
    assert (built_demo / "kiosk" / PASSED).is_file() and (built_demo / "print" / PASSED).is_file()


def test_failed_decision_reads_not_passed_plainly(built_demo):
    html = (built_demo / FAILED).read_text(encoding="utf-8")
    assert "✗ 未通过" in html and "已通过" not in html
    assert 'class="step failed"' in html and html.count('class="step stopped"') == 2
    assert "应到 85 户，实到 62 户" in html
    assert "赞成 28 票，未超过到会 62 户的半数（至少需 32 票）" in html


def test_decisions_are_listed_in_village_affairs_and_the_running_one_on_home(built_demo):
    listing = (built_demo / "affairs" / "index.html").read_text(encoding="utf-8")
    assert 'href="decisions/2025-jiti-shouyi.html"' in listing and 'href="decisions/2026-houshan-linzu.html"' in listing
    year = (built_demo / "affairs" / "2026.html").read_text(encoding="utf-8")
    assert "后山集体林地出租建设露营基地" in year
    home = (built_demo / "index.html").read_text(encoding="utf-8")
    panel = home.split('id="decisions-h"')[1].split("</section>")[0]
    assert "2025年度村集体经营收入使用方案" in panel and "后山" not in panel


def test_timeline_in_chromium_at_360px(served, browser):
    page = browser.new_page(viewport={"width": 360, "height": 800}, java_script_enabled=False)
    for name, url in (("decision-failed-360", FAILED), ("decision-passed-360", PASSED)):
        page.goto(served + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.locator(".decision-status").first.is_visible()
        marks = page.locator(".timeline .step-mark").all_inner_texts()
        assert len(marks) == 6
        screenshot(page, name)
    assert marks == ["✓"] * 6
    page.goto(served + FAILED)
    assert page.locator(".timeline .step-mark").all_inner_texts() == ["✓", "✓", "✓", "✗", "—", "—"]
    # The mark is a shape in a circle large enough to see, not a colour dot.
    box = page.locator(".timeline .step-mark").nth(3).bounding_box()
    assert box["width"] >= 40 and box["height"] >= 40
    page.close()
