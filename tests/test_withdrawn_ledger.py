"""A ledger removed after publication does not vanish: its address says when and why."""
from __future__ import annotations

from conftest import TODAY, git_repo, run_cli


def test_a_removed_ledger_keeps_its_address_and_shows_in_the_calendar(tmp_path, demo_copy):
    git = git_repo(demo_copy)
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "发布", when="2026-10-12T10:00:00+08:00")
    git("rm", "-q", "finance/2026-Q2.yaml")
    git("commit", "-qm", "撤下：两笔支出记错，核对后重新公开", when="2026-10-20T15:00:00+08:00")
    out = tmp_path / "site"
    # as a clerk runs it: from the village's folder, with the default relative paths
    done = run_cli("build", "--today", TODAY, cwd=demo_copy.parent)
    assert done.returncode == 0, done.stderr
    assert "2026年第二季度的财务公开表已于 2026-10-20 撤下（撤下：两笔支出记错，核对后重新公开）" in done.stderr
    page = (out / "finance" / "2026-Q2.html").read_text(encoding="utf-8")
    assert "本期财务公开表已于 2026年10月20日 撤下" in page and "两笔支出记错" in page
    assert "原发布日期：2026年7月13日" in page
    assert "6,812.45" not in page  # the withdrawn figures are not shown again
    index = (out / "finance" / "index.html").read_text(encoding="utf-8")
    assert 'href="2026-Q2.html">原表已于 2026年10月20日 撤下' in index
    assert "逾期未公开" in index
