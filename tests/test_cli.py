"""The command line as a clerk and the outside checks use it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import DEMO, TODAY, run_cli, tree_digest

LOCATED = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+): 错误：.+ \[(?P<code>E-[A-Z0-9-]+)\]$", re.M)


def test_check_passes_on_the_demo():
    done = run_cli("check", "--content", str(DEMO), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    assert "检查通过" in done.stdout
    assert " 错误：" not in done.stderr  # warnings (e.g. a shallow clone in CI) may stand


def test_plain_build_is_build(tmp_path):
    done = run_cli("--today", TODAY, cwd=tmp_path)  # no content/ here: a clear error
    assert done.returncode == 1
    assert "找不到内容文件夹" in done.stderr and "Traceback" not in done.stderr


BROKEN = {
    # file, text to replace, replacement, expected code, expected line (a number, or the text
    # whose line it is, or None for the replacement's own line)
    "yes-for-bool": ("party/2026-q3-dangfei.md", "pinned: true", "pinned: yes", "E-BOOL", None),
    "bad-date": ("party/2026-q3-dangfei.md", "date: 2026-10-10", "date: 2026-13-10", "E-DATE", None),
    "unknown-key": ("affairs/2026-zhaijidi.md", "expires:", "expire:", "E-YAML-UNKNOWN-KEY", None),
    "duplicate-key": ("affairs/2026-zhaijidi.md", "category: 宅基地", "category: 宅基地\ncategory: 建房",
                      "E-YAML-DUPKEY", "category: 建房"),
    "missing-title": ("affairs/2026-zhaijidi.md", "title: 宅基地申请审批结果公示\n", "", "E-YAML-MISSING-KEY", 2),
    "id-number": ("affairs/2026-zhaijidi.md", "第三网格周某某户（4人）", "周某某（身份证 330824198703125318）",
                  "E-PRIVACY-ID", None),
    "mobile": ("affairs/2026-daibiao-huiyi.md", "请各位村民代表准时参加", "联系电话 13588889999，请准时参加",
               "E-PRIVACY-PHONE", None),
    "missing-attachment": ("party/2026-sanhuiyike.md", "file: sanhuiyike-q3.pdf", "file: sanhuiyike-q4.pdf",
                           "E-ASSET-MISSING", None),
    "attachment-outside": ("party/2026-sanhuiyike.md", "file: sanhuiyike-q3.pdf", "file: ../../pyproject.toml",
                           "E-ASSET-OUTSIDE", None),
    "yaml-syntax": ("village.yaml", "name: 青溪村", "name: 青溪村: 一", "E-YAML-SYNTAX", None),
    "grid-duplicate": ("village.yaml", "{id: 3,", "{id: 2,", "E-GRID-DUPLICATE", "{id: 2, name: 下溪片"),
    "expires-before-publish": ("affairs/2026-zhaijidi.md", "expires: 2026-06-10", "expires: 2026-05-10",
                               "E-NOTICE-EXPIRES", None),
    "no-front-matter": ("affairs/2026-zhaijidi.md", "---\ntitle", "title", "E-FRONTMATTER", 1),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_check_points_at_file_and_line_of_each_broken_copy(case, demo_copy):
    name, old, new, code, line = BROKEN[case]
    path = demo_copy / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"demo changed: {old!r} not in {name}"
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    if not isinstance(line, int):  # the line where the given text (or the replacement) now stands
        line = text[: text.index(line or new)].count("\n") + 1
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    found = [(Path(m["path"]).as_posix(), int(m["line"]), m["code"]) for m in LOCATED.finditer(done.stderr)]
    assert (path.as_posix(), line, code) in found, done.stderr


def test_failed_build_leaves_the_last_good_site_untouched(tmp_path, demo_copy):
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY).returncode == 0
    before = tree_digest(out)
    notice = demo_copy / "party" / "2026-q3-dangfei.md"
    notice.write_text(notice.read_text(encoding="utf-8").replace("pinned: true", "pinned: 是"), encoding="utf-8")
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 1 and "保持原样" in done.stderr
    assert tree_digest(out) == before
    # No half-built folder left: only the spare, kept for the next build to bring up to date.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cache", ".site.spare", "content", "site"]


def test_successful_build_replaces_the_site(tmp_path, demo_copy):
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY).returncode == 0
    (out / "stale.html").write_text("old")
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    assert not (out / "stale.html").exists()
    assert (out / "index.html").is_file() and (out / "version.json").is_file()


def test_bad_today_is_a_chinese_error():
    done = run_cli("build", "--today", "22/11/2026")
    assert done.returncode == 1 and "YYYY-MM-DD" in done.stderr and "Traceback" not in done.stderr


def test_a_source_in_the_wrong_place_is_not_silently_dropped(demo_copy):
    misplaced = demo_copy / "party" / "2026" / "dangfei.md"
    misplaced.parent.mkdir()
    misplaced.write_text("---\ntitle: 放错位置的公告\ndate: 2026-11-01\n---\n正文\n", encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 0  # a warning, not an error
    assert f"{misplaced.as_posix()}:1: 警告" in done.stderr and "W-CONTENT-UNREAD" in done.stderr
