"""Rebuilding into the published site writes only the files whose bytes changed, writes nothing
when nothing changed, and always ends byte-identical to a clean build of the same sources."""
from __future__ import annotations

import hashlib
import json
import random
import shutil
from pathlib import Path

from conftest import TODAY, run_cli


def _files(out: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in out.rglob("*") if p.is_file()}


def _digest(out: Path) -> dict[str, str]:
    found = {}
    for p in sorted(out.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            if p.name == "version.json":
                data = json.dumps({**json.loads(data), "built": None}).encode()
            found[p.relative_to(out).as_posix()] = hashlib.sha256(data).hexdigest()
    return found


def _build(content: Path, out: Path, today: str = TODAY):
    done = run_cli("build", "--content", str(content), "--out", str(out), "--today", today)
    assert done.returncode == 0, done.stderr
    return done


def test_a_rebuild_with_no_change_writes_nothing(demo_copy, tmp_path):
    out = tmp_path / "site"
    _build(demo_copy, out)
    before, folder = _files(out), out.stat().st_ino
    done = _build(demo_copy, out)
    assert "没有改写任何文件" in done.stdout
    assert _files(out) == before and out.stat().st_ino == folder
    assert not [p for p in tmp_path.iterdir() if p.name not in ("site", "content", ".cache")]


def test_an_edited_notice_rewrites_only_its_own_pages(demo_copy, tmp_path):
    out = tmp_path / "site"
    _build(demo_copy, out)
    before = _files(out)
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n补充：发放时间另行通知。\n", encoding="utf-8")
    done = _build(demo_copy, out)
    after = _files(out)
    rewritten = sorted(rel for rel in after if before.get(rel) != after[rel])
    # The search index holds the body too: its list of shards, this notice's document and the
    # posting shards of the new sentence's bigrams change; no other page's document does.
    searched = [rel for rel in rewritten if rel == "search-index.js" or rel.startswith("search/")]
    assert [rel for rel in rewritten if rel not in searched] == [
        "affairs/2026-gengdi-butie.html", "kiosk/affairs/2026-gengdi-butie.html",
        "print/affairs/2026-gengdi-butie.html", "version.json"], rewritten
    assert len([rel for rel in searched if rel.startswith("search/d/")]) == 1, searched
    assert "search-index.js" in searched
    assert f"{len(rewritten)} 个文件有变化" in done.stdout


def test_random_edits_always_end_as_a_clean_build_would(demo_copy, tmp_path):
    rng = random.Random(2026)
    out = tmp_path / "incremental"
    _build(demo_copy, out)
    notices = lambda: sorted((demo_copy / "affairs").glob("*.md"))
    days = ["2026-11-22", "2026-11-26", "2026-12-21", "2027-02-01"]
    for step in range(6):
        action = ["edit", "add", "delete", "rename", "today", "edit"][step]
        today = TODAY
        if action == "edit":
            target = rng.choice(notices())
            target.write_text(target.read_text(encoding="utf-8") + f"\n第{step}次修改。\n", encoding="utf-8")
        elif action == "add":
            (demo_copy / "affairs" / f"2026-new-{step}.md").write_text(
                f"---\ntitle: 新增公告{step}\ndate: 2026-11-0{step + 1}\n---\n正文{step}。\n", encoding="utf-8")
        elif action == "delete":
            rng.choice(notices()).unlink()
        elif action == "rename":
            target = rng.choice(notices())
            target.rename(target.with_name(f"2026-renamed-{step}.md"))
        else:
            today = rng.choice(days)
        _build(demo_copy, out, today)
        clean = tmp_path / f"clean-{step}"
        _build(demo_copy, clean, today)
        assert _digest(out) == _digest(clean), f"step {step} ({action}) differs from a clean build"
        shutil.rmtree(clean)
