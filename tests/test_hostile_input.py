"""Input that used to take the build down or slip through: each now gets a located Chinese
error (or is read the same on every system), never 内部错误."""
from __future__ import annotations

import os
import shutil
import re
from decimal import Decimal

import pytest

from conftest import TODAY, run_cli


def _located(stderr: str) -> list[tuple[str, int, str]]:
    return [(m[0], int(m[1]), m[2]) for m in re.findall(r"^(.+?):(\d+): 错误：.+ \[(E-[A-Z0-9-]+)\]$", stderr, re.M)]


def _fails_at(demo_copy, rel: str, line: int, code: str) -> None:
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1 and "内部错误" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert any(p.endswith(rel) and l == line and c == code for p, l, c in _located(done.stderr)), done.stderr


BOMB = "".join(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9 if i else ["x"] * 9) + "]\n" for i in range(9))


@pytest.mark.parametrize("text, line, code", [
    (BOMB, 1, "E-YAML-ALIAS"),  # nine levels of nine: 387 million items once expanded
    ("a: &a [*a]\n", 1, "E-YAML-ALIAS"),
    ("grids: " + "[" * 5000 + "]" * 5000 + "\n", 1, "E-YAML-DEPTH"),
])
def test_yaml_that_would_exhaust_memory_or_the_stack(demo_copy, text, line, code):
    (demo_copy / "households" / "bomb.yaml").write_text(text, encoding="utf-8")
    _fails_at(demo_copy, "households/bomb.yaml", line, code)


def test_a_folder_named_like_a_notice(demo_copy):
    (demo_copy / "party" / "2026-x.md").mkdir()
    _fails_at(demo_copy, "party/2026-x.md", 1, "E-SOURCE-FOLDER")


def test_a_pasted_gbk_line_in_a_utf8_file_is_named(demo_copy):
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    data = notice.read_bytes()
    lines = data.count(b"\n")
    notice.write_bytes(data + "从旧表格粘贴的一行\n".encode("gbk"))
    _fails_at(demo_copy, "affairs/2026-gengdi-butie.md", lines + 1, "E-ENCODING-MIXED")


def test_a_link_out_of_the_content_folder_is_not_published(demo_copy, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: 不该公开\ndate: 2026-01-01\n---\n机密。\n", encoding="utf-8")
    os.symlink(secret, demo_copy / "party" / "2026-link.md")
    _fails_at(demo_copy, "party/2026-link.md", 1, "E-SOURCE-OUTSIDE")


def test_a_folder_linked_out_of_the_content_folder_is_not_published(demo_copy, tmp_path):
    """Not only a file: a whole folder linked elsewhere would publish everything in it."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "2026-secret.md").write_text("---\ntitle: 不该公开\ndate: 2026-01-01\n---\n机密。\n",
                                               encoding="utf-8")
    shutil.rmtree(demo_copy / "party")
    os.symlink(elsewhere, demo_copy / "party")
    _fails_at(demo_copy, "party", 1, "E-SOURCE-OUTSIDE")


@pytest.mark.parametrize("case", ["a folder linked to itself", "two links that lead to each other",
                                  "a notice linked to a file since deleted"])
def test_a_link_that_loops_or_leads_nowhere_is_named_not_an_internal_error(demo_copy, case):
    """A link (快捷方式) copied from another computer, or left behind by a deleted file: the
    build used to end in 内部错误 (a loop) or leave the notice out without a word (a dead link)."""
    party = demo_copy / "party"
    if case == "a folder linked to itself":
        shutil.rmtree(party)
        os.symlink("party", party)
        where = "party"
    elif case == "two links that lead to each other":
        os.symlink("2026-b.md", party / "2026-a.md")
        os.symlink("2026-a.md", party / "2026-b.md")
        where = "party/2026-a.md"
    else:
        os.symlink(demo_copy / "gone.md", party / "2026-gone.md")
        where = "party/2026-gone.md"
    _fails_at(demo_copy, where, 1, "E-SOURCE-LINK")


def test_a_named_pipe_in_the_content_is_named_and_never_waited_for(demo_copy, tmp_path):
    """A named pipe (mkfifo) named like a notice: opening it to read waits for a writer that never
    comes, and the build hung in its stamp. Now it is named, nothing waits, and the site is built,
    on the first build and on the next, which looks at the stamp before."""
    os.mkfifo(demo_copy / "party" / "2026-pipe.md")
    os.symlink("2026-pipe.md", demo_copy / "party" / "2026-link-to-pipe.md")
    out = tmp_path / "site"
    for _ in range(2):
        done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
        assert done.returncode == 0, done.stderr
        for name in ("2026-pipe.md", "2026-link-to-pipe.md"):
            assert re.search(rf"party[/\\]{name}:1: 警告：这不是普通文件.*\[W-CONTENT-SPECIAL\]", done.stderr), done.stderr
    assert (out / "index.html").is_file() and not list(out.rglob("*pipe*"))


def test_dot_files_are_never_published_and_upper_case_suffixes_are_read(demo_copy, tmp_path):
    notice = "---\ntitle: {}\ndate: 2026-01-05\n---\n正文。\n"
    (demo_copy / "party" / ".2026-hidden.md").write_text(notice.format("编辑器的隐藏文件"), encoding="utf-8")
    (demo_copy / "party" / "2026-WINDOWS.MD").write_text(notice.format("大写扩展名的公告"), encoding="utf-8")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    listing = (out / "party" / "2026.html").read_text(encoding="utf-8")
    assert "大写扩展名的公告" in listing and (out / "party" / "2026-WINDOWS.html").is_file()
    assert "编辑器的隐藏文件" not in listing
    assert not any("hidden" in p.name for p in out.rglob("*"))


def test_an_amount_beyond_a_trillion_is_a_located_error_not_an_internal_one(demo_copy, tmp_path):
    """Far above any village's books, so a typo: said at its line (E-MONEY-TOO-LARGE), even when the
    books still balance, rather than published or ending the build in 内部错误."""
    ledger = demo_copy / "finance" / "2026-Q3.yaml"
    text = ledger.read_text(encoding="utf-8")
    closing = re.search(r"^closing_balance: (\S+)", text, re.M).group(1)
    big = Decimal("12345678901234567.00")  # one interest line beyond 壹万亿, the books still balance
    text = text.replace("amount: 300.00,", f"amount: {big + 300},")
    text = text.replace(f"closing_balance: {closing}", f"closing_balance: {Decimal(closing) + big}")
    ledger.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.split("\n"), 1) if str(big + 300) in row)
    done = run_cli("build", "--content", str(demo_copy), "--out", str(tmp_path / "site"), "--today", TODAY)
    assert "内部错误" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1 and f"2026-Q3.yaml:{line}: 错误：" in done.stderr and "[E-MONEY-TOO-LARGE]" in done.stderr
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1970-01-01"])
def test_an_impossible_build_day_is_a_chinese_error(day):
    done = run_cli("check", "--today", day)
    assert done.returncode == 1 and "内部错误" not in done.stderr and "不在 2000 到 2099 年之间" in done.stderr


@pytest.mark.parametrize("hidden", ["\u202e", "\u200b", "\u0007"])
def test_a_file_name_with_characters_nobody_sees_is_refused(demo_copy, hidden):
    """A right-to-left override makes a name read backwards; a zero-width space or a control
    character makes an address that differs from the name shown. Notice files and the files they
    link are both refused, each at its place."""
    (demo_copy / "party" / f"2026-tongzhi{hidden}.md").write_text(
        "---\ntitle: 通知\ndate: 2026-11-01\n---\n正文。\n", encoding="utf-8")
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    (notice.parent / "files" / f"名单{hidden}.pdf").write_bytes((notice.parent / "files" / "gengdi-butie-2026.pdf").read_bytes())
    notice.write_text(notice.read_text(encoding="utf-8") + f"\n见[名单](files/名单{hidden}.pdf)。\n", encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1
    assert re.search(r"2026-tongzhi.*\.md:1: 错误：文件名里有看不见的字符.*\[E-NOTICE-FILENAME\]", done.stderr), done.stderr
    assert re.search(r"2026-gengdi-butie\.md:\d+: 错误：链接的文件的文件名里有看不见的字符.*\[E-ASSET-NAME\]", done.stderr), done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("broken", ["gbk", "syntax"])
def test_a_broken_template_is_named_with_its_line_and_the_site_stays(demo_copy, tmp_path, jobs, broken):
    """A template saved by Notepad as "ANSI" (GBK), or edited into bad syntax, ends the build with
    its file and line in Chinese (E-TEMPLATE), never 内部错误, whichever process renders the page;
    the published site stays as it was. A picture kept beside the templates is no template."""
    import datetime as dt

    from villageboard import builder

    layouts = tmp_path / "layouts"
    shutil.copytree(builder.LAYOUTS, layouts)
    (layouts / "logo.png").write_bytes((builder.LAYOUTS / "static" / "icon.png").read_bytes())
    for n in range(60):  # enough pages for the render workers (a chunk is 64 pages)
        (demo_copy / "affairs" / f"2025-meeting-{n}.md").write_text(
            f"---\ntitle: 第{n}次会议纪要\ndate: 2025-03-{n % 28 + 1:02}\n---\n会议讨论了第{n}项工作。\n", encoding="utf-8")
    out, today = tmp_path / "site", dt.date.fromisoformat(TODAY)
    assert not builder.build(demo_copy, out, today, layouts=layouts, jobs=jobs)[0].errors
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    notice = layouts / "notice.html"
    text = notice.read_text(encoding="utf-8").replace("{% block main %}", "{% block main %}<p>通知：</p>", 1)
    if broken == "gbk":
        notice.write_bytes(text.encode("gbk", "replace"))
    else:
        notice.write_text(text.replace("<p>通知：</p>", "<p>通知：{% if %}</p>"), encoding="utf-8")
    report, _ = builder.build(demo_copy, out, today, layouts=layouts, jobs=jobs)
    errors = [d.format() for d in report.errors]
    assert len(errors) == 1 and "E-TEMPLATE" in errors[0] and "notice.html:" in errors[0], errors
    line = int(re.search(r"notice\.html:(\d+):", errors[0]).group(1))
    assert "{% block main %}" in notice.read_bytes().decode("utf-8", "replace").splitlines()[line - 1]
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
