"""Every build ends with a summary: pages written, drafts left out, and what changes by itself when."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from zoneinfo import ZoneInfo

from conftest import DEMO, ROOT, TODAY, run_cli


def test_summary_names_drafts_and_scheduled_changes(tmp_path):
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(DEMO), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("已生成 ") and "个页面" in lines[0]
    assert "草稿，没有发布（1 个）：" in done.stdout and "party/caogao-dangke.md（冬季党课安排（草稿））" in done.stdout
    assert "2026-12-20 党务公开《2026年度组织生活会通知》发布" in done.stdout  # publish date after today
    assert "2026-11-25 党务公开《关于拟接收刘小燕同志为预备党员的公示》到期，移入往年公告" in done.stdout
    assert "2027-01-01 四议两公开《2025年度村集体经营收入使用方案》决议公示期满" in done.stdout
    assert "下次变化：2026-11-25（党务公开《关于拟接收刘小燕同志为预备党员的公示》到期，移入往年公告）" in done.stdout
    assert json.loads((out / "version.json").read_text(encoding="utf-8"))["next_change"] == "2026-11-25"


def test_the_next_change_moves_with_the_day_and_disappears_when_nothing_is_left(tmp_path):
    later = run_cli("build", "--content", str(DEMO), "--out", str(tmp_path / "a"), "--today", "2026-11-26")
    assert later.returncode == 0, later.stderr
    assert json.loads((tmp_path / "a" / "version.json").read_text(encoding="utf-8"))["next_change"] == "2026-11-30"
    done = run_cli("build", "--content", str(DEMO), "--out", str(tmp_path / "b"), "--today", "2030-01-01")
    assert done.returncode == 0, done.stderr
    assert "next_change" not in json.loads((tmp_path / "b" / "version.json").read_text(encoding="utf-8"))
    assert "下次变化" not in done.stdout


def test_without_today_the_build_uses_the_day_in_china_not_the_machine_s_zone(tmp_path):
    """The day is China's: a CI runner set to UTC and started by a scheduler at 00:05 Beijing time (16:05
    UTC the day before) built with yesterday's date, so the notice to be published that day stayed away
    until the next build, and the summary still listed it as a change to come."""
    china = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    # Of these two zones, one is always on another day than China: UTC-12 until 20:00 Beijing time, UTC+14 after 18:00.
    zone = next(z for z in ("Etc/GMT+12", "Etc/GMT-14") if dt.datetime.now(ZoneInfo(z)).date() != china)
    content = tmp_path / "content"
    shutil.copytree(DEMO, content)
    (content / "affairs" / "tingshui.md").write_text(
        f"---\ntitle: 停水通知\ndate: {china.isoformat()}\n---\n今天上午停水。\n", encoding="utf-8")
    out = tmp_path / "site"
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--content", str(content), "--out", str(out)],
                          capture_output=True, text=True, encoding="utf-8", timeout=300, env={**os.environ, "TZ": zone})
    assert done.returncode == 0, done.stderr
    assert (out / "affairs" / "tingshui.html").exists(), done.stdout
    assert "停水通知》发布" not in done.stdout
    assert json.loads((out / "version.json").read_text(encoding="utf-8"))["today"] == china.isoformat()
