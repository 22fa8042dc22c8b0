"""`new` speaks the clerk's words: the Chinese names of the kinds."""
from __future__ import annotations

import pytest

from conftest import run_cli


@pytest.mark.parametrize("word, folder", [("党务", "party"), ("村务", "affairs"), ("财务", "finance"),
                                          ("四议两公开", "affairs/decisions"), ("模范户", "households"),
                                          ("村规民约", "compact")])
def test_new_accepts_chinese_kind_names(demo_copy, word, folder):
    before = set((demo_copy / folder).iterdir())
    title = "2026-Q4" if word == "财务" else "测试标题"
    done = run_cli("new", word, title, "--content", str(demo_copy))
    assert done.returncode == 0, done.stderr
    assert len(set((demo_copy / folder).iterdir()) - before) == 1


def test_an_unknown_kind_lists_the_chinese_names(demo_copy):
    done = run_cli("new", "通告", "x", "--content", str(demo_copy))
    assert done.returncode == 1 and "党务" in done.stderr and "村规民约" in done.stderr


def test_help_is_chinese_throughout():
    for command in ([], ["build"], ["check"], ["serve"], ["new"], ["schema"]):
        done = run_cli(*command, "--help")
        assert done.returncode == 0 and "用法：" in done.stdout and "显示这段帮助并退出" in done.stdout
        for english in ("usage:", "options:", "show this help", "positional arguments"):
            assert english not in done.stdout, (command, english)
