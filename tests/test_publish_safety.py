"""Nothing lost: --out can never be the sources or the repository, two builds never mix,
a killed build leaves the last good site, and no page silently replaces another."""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from villageboard.publishing.writer import AtomicOutput
from conftest import DEMO, ROOT, TODAY, run_cli, tree_digest


def _refused(done) -> bool:
    return done.returncode == 1 and "[E-OUT-UNSAFE]" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("out", ["content", "content/party", ".", "..", "repo-copy", "foreign"])
def test_unsafe_out_is_refused_and_nothing_is_touched(tmp_path, out):
    village = tmp_path / "village"  # a village repository: .git, content/, and the clerk working in it
    shutil.copytree(DEMO, village / "content")
    subprocess.run(["git", "init", "-q", str(village)], check=True)
    (village / "repo-copy" / ".git").mkdir(parents=True)  # a folder that holds a repository
    (village / "foreign").mkdir()
    (village / "foreign" / "照片.jpg").write_bytes(b"not ours")  # a folder this program did not write
    before = tree_digest(tmp_path)
    for command in (["build"], ["serve", "--port", "0"]):
        done = run_cli(*command, "--content", "content", "--out", out, "--today", TODAY, cwd=village) \
            if command == ["build"] else run_cli(*command, "--content", "content", "--out", out, cwd=village)
        assert _refused(done), (command, done.stderr)
    assert tree_digest(tmp_path) == before


def test_the_program_folder_is_refused(tmp_path):
    done = run_cli("build", "--content", str(DEMO), "--out", str(ROOT), "--today", TODAY, cwd=tmp_path)
    assert _refused(done) and (ROOT / "build.py").is_file()


def test_a_notice_cannot_replace_a_listing_or_an_archive(tmp_path, demo_copy):
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY).returncode == 0
    before = tree_digest(out)
    for name in ("index", "2025"):
        (demo_copy / "party" / f"{name}.md").write_text(
            f"---\ntitle: 名叫{name}的公告\ndate: 2025-06-01\n---\n正文。\n", encoding="utf-8")
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 1
    lines = [l for l in done.stderr.splitlines() if "[E-OUTPUT-COLLISION]" in l]
    assert len(lines) == 2, done.stderr
    index, year = sorted(lines)
    assert "party/2025.md:1:" in index and "party/2025.html" in index and "党务公开 · 2025年" in index
    assert "party/index.md:1:" in year and "party/index.html" in year and "“党务公开”列表页" in year
    assert "名叫index的公告" in year
    assert tree_digest(out) == before


def test_published_files_are_readable_by_a_web_server(tmp_path):
    out = tmp_path / "site"
    old = os.umask(0o022)
    try:
        assert run_cli("build", "--content", str(DEMO), "--out", str(out), "--today", TODAY).returncode == 0
    finally:
        os.umask(old)
    modes = {p.stat().st_mode & 0o777 for p in [out, *out.rglob("*")] if p.is_dir()}
    assert modes == {0o755}
    assert {p.stat().st_mode & 0o777 for p in out.rglob("*") if p.is_file()} == {0o644}


def _site_digest(out: Path) -> str:
    """The whole tree, with version.json's build time left out (it is the only thing that differs)."""
    digest = hashlib.sha256()
    for path in sorted(out.rglob("*")):
        digest.update(path.relative_to(out).as_posix().encode())
        if path.name == "version.json":
            digest.update(json.loads(path.read_text(encoding="utf-8"))["build"].encode())
        elif path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _build_command(content: Path, out: Path) -> list[str]:
    return [sys.executable, str(ROOT / "build.py"), "build", "--content", str(content), "--out", str(out),
            "--today", TODAY, "--jobs", "2"]


def test_two_builds_at_once_wait_for_each_other(tmp_path):
    out = tmp_path / "site"
    both = [subprocess.Popen(_build_command(DEMO, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in both]
    assert [code for code, _ in results] == [0, 0], results
    # No staging folder left behind: only the spare, the site before, for the next build to bring up to date.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.spare", "site"]
    assert not AtomicOutput(out).lock.path.exists()  # nor a lock file in the temporary folder
    reference = tmp_path.parent / f"{tmp_path.name}-reference"
    assert subprocess.run(_build_command(DEMO, reference)).returncode == 0
    assert _site_digest(out) == _site_digest(reference)
    shutil.rmtree(reference)


def _generated_village(folder: Path, notices: int) -> None:
    shutil.copy(DEMO / "village.yaml", folder / "village.yaml")
    for section in ("party", "affairs"):
        (folder / section).mkdir(parents=True)
    for i in range(notices):
        section = "party" if i % 2 else "affairs"
        (folder / section / f"n{i:05}.md").write_text(
            f"---\ntitle: 公示事项第{i}号\ndate: 2025-{i % 12 + 1:02}-{i % 28 + 1:02}\n---\n"
            f"第{i}号事项公示如下。\n\n| 户主 | 金额 |\n|---|---:|\n| 王某 | {i}.00 |\n", encoding="utf-8")


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:  # removed while looked at
        return None


def test_a_build_killed_at_any_moment_leaves_the_last_good_site(tmp_path):
    """SIGKILL 20 times while the village alternates between two versions: --out is always
    one whole site, the old one or the new one, never a mix and never missing."""
    content, out = tmp_path / "village" / "content", tmp_path / "out" / "site"
    content.mkdir(parents=True)
    _generated_village(content, 2000)
    notice = content / "party" / "n00001.md"
    versions = {"A": notice.read_text(encoding="utf-8")}
    versions["B"] = versions["A"].replace("第1号事项", "第1号事项（已更正）")

    def switch(name: str) -> None:  # outside git a page shows its file's time: keep it fixed
        notice.write_text(versions[name], encoding="utf-8")
        os.utime(notice, (1_780_000_000, 1_780_000_000))
    digests = {}
    for name in ("B", "A"):  # reference builds of both versions; out ends holding A
        switch(name)
        started = time.monotonic()
        assert subprocess.run(_build_command(content, out), capture_output=True).returncode == 0
        seconds = time.monotonic() - started
        digests[name] = _site_digest(out)
    assert digests["A"] != digests["B"]
    holding, rng = "A", random.Random(20261124)
    for attempt in range(20):
        target = "B" if holding == "A" else "A"
        switch(target)
        build = subprocess.Popen(_build_command(content, out), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
        if attempt % 4 == 3:  # aim at the swap itself: the moment this build's staging folder gets its mark
            # (the spare it reuses holds an older mark: a new one is a new file)
            stale = {_inode(p) for p in out.parent.glob("*/version.json")}
            deadline = time.monotonic() + 120
            while build.poll() is None and time.monotonic() < deadline and \
                    not any(_inode(p) not in stale for p in out.parent.glob(".site.building-*/version.json")):
                time.sleep(0.002)
        else:
            try:
                build.wait(timeout=rng.uniform(0.05, seconds * 1.1))
            except subprocess.TimeoutExpired:
                pass
        if build.poll() is None:
            os.killpg(build.pid, signal.SIGKILL)  # the build and its render workers
        build.wait()
        found = _site_digest(out)
        assert found in (digests[holding], digests[target]), f"kill {attempt}: --out is not a whole site"
        holding = target if found == digests[target] else holding
    switch("A")
    assert subprocess.run(_build_command(content, out), capture_output=True).returncode == 0
    assert _site_digest(out) == digests["A"]
    assert sorted(p.name for p in out.parent.iterdir()) == [".site.spare", "site"]  # leftovers of killed builds are gone


def test_an_out_that_is_a_mount_point_is_refreshed_in_place(tmp_path, monkeypatch, demo_copy):
    """A mount point cannot be renamed: its contents are swapped instead."""
    from villageboard import builder
    from villageboard.publishing import writer

    out = tmp_path / "site"
    out.mkdir()
    monkeypatch.setattr(writer.os.path, "ismount", lambda p: Path(p) == out)
    today = __import__("datetime").date.fromisoformat(TODAY)
    assert not builder.build(demo_copy, out, today)[0].errors
    inode = out.stat().st_ino
    (out / "party" / "stale.html").write_text("old", encoding="utf-8")
    (demo_copy / "party" / "2026-sanhuiyike.md").unlink()
    assert not builder.build(demo_copy, out, today)[0].errors
    assert out.stat().st_ino == inode  # the same folder, refreshed in place
    assert not (out / "party" / "stale.html").exists() and not (out / "party" / "2026-sanhuiyike.html").exists()
    assert (out / "index.html").is_file() and (out / "version.json").is_file()
    assert not list(out.glob(".villageboard-*"))


def _hold_the_lock_often(lock_path: str, inside: str, rounds: int) -> int:
    """Take and let go of the lock ``rounds`` times; inside, be the only one (O_EXCL would fail)."""
    from villageboard.publishing.writer import _Lock

    for _ in range(rounds):
        lock = _Lock(Path(lock_path))
        lock.acquire()
        try:
            os.close(os.open(inside, os.O_CREAT | os.O_EXCL | os.O_WRONLY))  # FileExistsError: two inside
            os.remove(inside)
        finally:
            lock.release()
    return rounds


def test_the_lock_keeps_builds_apart_though_its_file_is_removed_each_time(tmp_path):
    """The lock file goes when a build ends; a build waiting on the removed file must not get in
    beside the one that made the file anew."""
    lock_path, inside = str(tmp_path / "villageboard-test.lock"), str(tmp_path / "inside")
    with multiprocessing.get_context("fork").Pool(6) as pool:
        done = pool.starmap(_hold_the_lock_often, [(lock_path, inside, 150)] * 6)
    assert done == [150] * 6
    assert not Path(lock_path).exists() and not Path(inside).exists()


def test_the_preview_changed_in_place_ends_as_a_whole_new_site_would(tmp_path):
    """``serve`` changes its preview folder file by file: what changed is replaced, what is no
    longer made goes (with a folder it leaves empty), what was not changed keeps its inode, and
    what ``serve`` itself keeps there (the state of the last build) is left alone."""
    out = tmp_path / "preview"
    first = {"version.json": '{"build": "1"}', "a/x.html": "旧", "a/same.html": "不变", "b/c/y.html": "要删"}
    with AtomicOutput(out, spare=False) as output:  # serve's first build: its preview has no spare
        for rel, text in first.items():
            output.write(rel, text)
    (out / "_preview").mkdir()
    (out / "_preview" / "state.json").write_text("{}", encoding="utf-8")
    kept_inode = (out / "a" / "same.html").stat().st_ino
    with AtomicOutput(out, over=set(first)) as output:
        output.write("a/x.html", "新")
        assert output.keep("a/same.html", kept_inode)
        output.write("d/new.html", "新增")
        output.write("version.json", '{"build": "2"}')
    found = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert found == ["_preview", "_preview/state.json", "a", "a/same.html", "a/x.html", "d", "d/new.html",
                     "version.json"]
    assert (out / "a" / "x.html").read_text(encoding="utf-8") == "新"
    assert (out / "a" / "same.html").stat().st_ino == kept_inode
    assert [p.name for p in tmp_path.iterdir()] == ["preview"]  # no staging folder left beside it
