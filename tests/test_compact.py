"""村规民约: versions, the current one, character-level comparison and verse line breaks."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from villageboard.kinds import compact

from villageboard.planning import site as site_module

from conftest import TODAY, run_cli, screenshot

NEW_VERSION = """\
---
title: 青溪村村规民约
adopted: {adopted}
meeting: 青溪村村民会议
votes: {{for: 70, against: 3, abstain: 2}}
---
## 三字经

青溪村，山水好，
讲文明，树新风。
"""


def load(content: Path, today: str = TODAY):
    return site_module.load(content, dt.date.fromisoformat(today))


def errors(site) -> list[tuple[str, int, str]]:
    return [(Path(d.path).name, d.line, d.code) for d in site.report.errors]


def text_of(pieces, op):
    return "".join(p.text for line in pieces for p in line if p.op == op)


# --- The comparison ---------------------------------------------------------------

def test_comparison_is_character_by_character_with_numbers_whole():
    lines, inserted, deleted = compact.compare("红白喜事宴请不超过 30 桌。\n", "红白喜事宴请不超过 20 桌，不攀比。\n")
    assert [(p.op, p.text) for p in lines[0]] == [
        ("same", "红白喜事宴请不超过 "), ("del", "30"), ("ins", "20"), ("same", " 桌"),
        ("ins", "，不攀比"), ("same", "。")]
    assert (inserted, deleted) == (6, 2)


def test_comparison_keeps_lines_and_unchanged_paragraphs():
    old = "## 三字经\n\n敬老人，爱幼小，\n邻里间，互谦让。\n"
    new = "## 三字经\n\n敬老人，爱幼小，\n邻里间，讲和睦。\n"
    lines, inserted, deleted = compact.compare(old, new)
    assert [p.text for p in lines[0]] == ["三字经"]  # heading marks are not part of the text
    assert lines[1] == []  # the blank line between paragraphs stays
    assert [(p.op, p.text) for p in lines[2]] == [("same", "敬老人，爱幼小，")]
    assert text_of(lines[3:], "del") == "互谦让" and text_of(lines[3:], "ins") == "讲和睦"
    assert (inserted, deleted) == (3, 3)


def test_verse_is_recognised():
    assert compact.is_verse("青溪村，山水好，")
    assert compact.is_verse("红白喜事电子鞭，烟花爆竹禁在前。")
    assert not compact.is_verse("第三条 提倡婚事新办、丧事简办。")
    assert not compact.is_verse("三字经")


# --- Versions ---------------------------------------------------------------------

def test_newest_adopted_version_is_current(demo_copy):
    (demo_copy / "compact" / "2027.md").write_text(NEW_VERSION.format(adopted="2027-03-01"), encoding="utf-8")
    site = load(demo_copy)
    assert errors(site) == []
    versions = site.compact.versions
    assert [v.slug for v in versions] == ["2019", "2024"]  # 2027 is not adopted yet on TODAY
    assert versions[-1].current and not versions[0].current
    later = load(demo_copy, "2027-03-02")
    assert [v.slug for v in later.compact.versions if v.current] == ["2027"]
    assert [c.url for c in later.compact.comparisons] == ["compact/compare-2019.html", "compact/compare-2024.html"]


@pytest.mark.parametrize("text, line, code", [
    (NEW_VERSION.format(adopted="2025-01-01").replace("for: 70", "for: 4"), 5, "E-COMPACT-VOTES"),
    (NEW_VERSION.format(adopted="2025-01-01").split("## 三字经")[0], 7, "E-COMPACT-EMPTY"),
    (NEW_VERSION.format(adopted="2024-03-16"), 1, "E-COMPACT-SAME-DATE"),
    (NEW_VERSION.format(adopted="2025-01-01").replace("meeting: 青溪村村民会议\n", ""), 2, "E-YAML-MISSING-KEY"),
    (NEW_VERSION.format(adopted="2025-13-01"), 3, "E-DATE"),
    (NEW_VERSION.format(adopted="2025-01-01").replace("讲文明", "有事打 13912345678"), 10, "E-PRIVACY-PHONE"),
])
def test_each_rule_points_at_file_and_line(demo_copy, text, line, code):
    (demo_copy / "compact" / "2025.md").write_text(text, encoding="utf-8")
    found = errors(load(demo_copy))
    assert ("2025.md", line, code) in found, found


def test_check_reports_a_failed_vote(demo_copy):
    (demo_copy / "compact" / "2025.md").write_text(
        NEW_VERSION.format(adopted="2025-01-01").replace("for: 70", "for: 4"), encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert re.search(r"compact/2025\.md:5: 错误：赞成 4 票，没有超过投票人数 \d+ 的半数.*\[E-COMPACT-VOTES\]", done.stderr)


def test_slides_show_the_current_verse():
    site = load(Path(__file__).resolve().parent.parent / "content")
    slides = [s for s in site.slides() if s.label == "村规民约"]
    assert slides and all(s.url == "compact/index.html" and 1 <= len(s.lines) <= 4 for s in slides)
    assert slides[0].lines[0] == "青溪村，山水好，"
    assert "红白喜事电子鞭，烟花爆竹禁在前。" in [line for s in slides for line in s.lines]


# --- Pages ------------------------------------------------------------------------

def test_current_version_page(built_demo):
    html = (built_demo / "compact" / "index.html").read_text(encoding="utf-8")
    for text in ("现行版本", "2024年3月16日", "青溪村村民会议（第二次修订）", "赞成 74 票，反对 1 票，弃权 2 票",
                 "白石镇人民政府（2024年4月2日备案）", "与上一版（2019年）对照"):
        assert text in html, text
    # Verse keeps its line breaks and is set as verse.
    assert re.search(r'<p class="verse">青溪村，山水好，<br ?/?>\s*讲文明，树新风。', html)
    assert (built_demo / "print" / "compact" / "index.html").is_file()
    assert (built_demo / "kiosk" / "compact" / "compare-2019.html").is_file()


def test_old_version_stays_readable(built_demo):
    html = (built_demo / "compact" / "2019.html").read_text(encoding="utf-8")
    assert "旧版本，已不再施行" in html and "现行版本" not in html
    assert "红白喜事宴请不超过 30 桌" in html and "赞成 71 票" in html


def test_comparison_page_marks_changes_without_colour(built_demo):
    html = (built_demo / "compact" / "compare-2019.html").read_text(encoding="utf-8")
    assert "<del><span class=\"diff-sign\">［删］</span>30</del><ins><span class=\"diff-sign\">［增］</span>20</ins> 桌" in html
    assert "<ins><span class=\"diff-sign\">［增］</span>七字歌</ins>" in html
    assert re.search(r"新增 \d+ 字，删去 \d+ 字", html)
    assert '<p class="diff-line diff-heading">第一章 总则</p>' in html


def test_comparison_in_chromium_at_360px(served, browser):
    page = browser.new_page(viewport={"width": 360, "height": 800}, java_script_enabled=False)
    page.goto(served + "compact/compare-2019.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ins, dele = page.locator(".diff ins").first, page.locator(".diff del").first
    # Shape, weight and words carry the meaning, so a colour-blind reader or a grey print still sees it.
    assert "double" in ins.evaluate("e => getComputedStyle(e).textDecorationStyle")
    assert ins.evaluate("e => getComputedStyle(e).fontWeight") in ("700", "bold")
    assert "line-through" in dele.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert ins.inner_text().startswith("［增］") and dele.inner_text().startswith("［删］")
    screenshot(page, "compact-compare-360")
    page.goto(served + "compact/index.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "compact-current-360")
    page.close()
