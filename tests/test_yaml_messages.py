"""YAML slips a clerk makes, each named in Chinese on the line where it was made."""
from __future__ import annotations

import re

import pytest

from conftest import TODAY, run_cli

NOTICE = "party/2026-sanhuiyike.md"


@pytest.mark.parametrize("old, new, line, words", [
    ("category: ", "category：", 4, "中文冒号"),  # a full-width colon: PyYAML notices it a line late
    ("date: ", "\tdate: ", 3, "Tab"),
    ("title: ", 'title: "', 2, "引号没有配对"),
    ("title: ", "title: 通知: ", 2, "请把整段文字用引号括起来"),
    ("title: ", "title:", 2, "冒号后面要有一个空格"),
])
def test_front_matter_slips(demo_copy, old, new, line, words):
    path = demo_copy / NOTICE
    text = path.read_text(encoding="utf-8")
    assert text.split("\n")[line - 1].startswith(old.strip("\t"))
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    found = re.findall(rf"{re.escape(NOTICE)}:(\d+): 错误：(.+) \[(E-[A-Z-]+)\]", done.stderr)
    assert done.returncode == 1 and found, done.stderr
    assert (str(line), "E-YAML-SYNTAX") == (found[0][0], found[0][2]) and words in found[0][1], found
    assert not re.search(r"[a-z]{4,} [a-z]{4,}", found[0][1])  # no English parser words


def test_an_ascii_comma_inside_braces_is_named(demo_copy):
    ledger = demo_copy / "finance" / "2026-Q3.yaml"
    text = ledger.read_text(encoding="utf-8")
    ledger.write_text(text.replace("item: 溪边沟渠清淤,", "item: 溪边沟渠清淤,护栏维修,"), encoding="utf-8")
    line = next(i for i, l in enumerate(text.split("\n"), 1) if "溪边沟渠清淤" in l)
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1
    assert re.search(rf"2026-Q3.yaml:{line}: 错误：“护栏维修” 前面的英文逗号.+\[E-YAML-COMMA\]", done.stderr), done.stderr


def test_pasted_unicode_line_separators_do_not_move_the_line_of_a_message(demo_copy):
    """U+2028, U+2029 and NEL come with text pasted from a web page or Word. YAML counted each as a
    line break and the clerk's editor does not: a message below one named the next line, and one in
    a comment ended the comment, the rest read as a key."""
    path = demo_copy / "households" / "chen-guilan.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("duties: [政策宣讲员, 民情收集员, 困难帮扶员]", 'duties: [政策宣讲员, "民情\u2028收集员", 困难帮扶员]')
    text = text.replace("serves: 7", "serves: 7  # 比去年多\u2029联系户: 两户\u0085以上\nservs: 8")
    path.write_text(text, encoding="utf-8")
    assert text.split("\n")[6] == "servs: 8"  # line 7, as an editor counts
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    found = re.findall(r"^(.+?):(\d+): 错误：.+ \[(E-[A-Z0-9-]+)\]$", done.stderr, re.M)
    assert [(p.endswith("chen-guilan.yaml"), int(n), code) for p, n, code in found] == \
        [(True, 7, "E-YAML-UNKNOWN-KEY")], done.stderr


def test_control_characters_pasted_from_word_are_spaces_and_move_no_message(demo_copy, tmp_path):
    """Word's manual line break (\\x0b) and page break (\\x0c) are invisible in an editor: YAML refused
    the whole file for one, at line 1 and in English, and in a Markdown body they went into the page,
    where HTML does not allow them."""
    path = demo_copy / "households" / "chen-guilan.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("duties: [政策宣讲员, 民情收集员, 困难帮扶员]", "duties: [政策宣讲员, 民情\x0b收集员, 困难帮扶员]")
    text = text.replace("serves: 7", "serves: 7  # 比去年多\x0c两户\nservs: 8")
    path.write_text(text, encoding="utf-8")
    line = text.split("\n").index("servs: 8") + 1
    notice = demo_copy / NOTICE
    notice.write_text(notice.read_text(encoding="utf-8") + "\n会议\x0b记录\x0c见附件。\n", encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    found = re.findall(r"^(.+?):(\d+): 错误：.+ \[(E-[A-Z0-9-]+)\]$", done.stderr, re.M)
    assert [(p.endswith("chen-guilan.yaml"), int(n), code) for p, n, code in found] == \
        [(True, line, "E-YAML-UNKNOWN-KEY")], done.stderr
    path.write_text(text.replace("\nservs: 8", ""), encoding="utf-8")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    page = (out / NOTICE.replace(".md", ".html")).read_text(encoding="utf-8")
    assert "会议 记录 见附件。" in page
    assert not re.search(r"[\x0b\x0c]", page + (out / "households" / "chen-guilan.html")
                         .read_text(encoding="utf-8"))


def test_a_required_text_of_spaces_alone_is_empty(demo_copy):
    """A space or a full-width 　 is what a clerk sees as nothing: a household with no name, a notice
    titled “ · 青溪村” would be published."""
    household = demo_copy / "households" / "chen-guilan.yaml"
    text = household.read_text(encoding="utf-8")
    name_line = next(i for i, l in enumerate(text.split("\n"), 1) if l.startswith("name:"))
    household.write_text(re.sub(r"^name: .*$", 'name: "\u3000"', text, flags=re.M), encoding="utf-8")
    notice = demo_copy / NOTICE
    notice.write_text(re.sub(r"^title: .*$", 'title: "  "', notice.read_text(encoding="utf-8"), count=1, flags=re.M),
                      encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    found = re.findall(r"^(.+?):(\d+): 错误：(.+) \[(E-[A-Z0-9-]+)\]$", done.stderr, re.M)
    assert done.returncode == 1
    assert sorted((p.split("content/")[-1].replace("\\", "/"), int(n), code) for p, n, _, code in found) == \
        [("households/chen-guilan.yaml", name_line, "E-YAML-MISSING-KEY"), (NOTICE, 2, "E-YAML-MISSING-KEY")], done.stderr
    assert all("空格" in message for *_, message, _ in found)


def test_another_control_character_in_yaml_is_named_at_its_line(demo_copy):
    path = demo_copy / "households" / "chen-guilan.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[3] += "\x1b"
    path.write_text("\n".join(lines), encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    found = re.findall(r"chen-guilan\.yaml:(\d+): 错误：(.+) \[(E-[A-Z-]+)\]", done.stderr)
    assert done.returncode == 1 and found == [("4", found[0][1], "E-YAML-SYNTAX")], done.stderr
    assert "U+001B" in found[0][1] and not re.search(r"[a-z]{4,} [a-z]{4,}", found[0][1])
