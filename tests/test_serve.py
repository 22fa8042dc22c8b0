"""``serve``: the clerk's preview, on this computer only, rebuilt when a file is saved."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

from conftest import ROOT, TODAY


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def listening_addresses(port: int) -> set[str]:
    """The IPv4/IPv6 addresses a local socket listens on for ``port``, from /proc/net."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                local, state = row.split()[1], row.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                    found.add(socket.inet_ntop(socket.AF_INET if len(address) == 8 else socket.AF_INET6,
                                               bytes.fromhex(address)[::-1] if len(address) == 8
                                               else b"".join(bytes.fromhex(address[i:i + 8])[::-1]
                                                             for i in range(0, 32, 8))))
    return found


def wait_for(predicate, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    return None


def test_serve_previews_locally_and_rebuilds_on_save(demo_copy, tmp_path):
    port = free_port()
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port)],
                               cwd=demo_copy.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        home = wait_for(lambda: fetch(f"http://127.0.0.1:{port}/index.html"))
        assert home and "青溪村" in home
        assert listening_addresses(port) == {"127.0.0.1"}
        notice = demo_copy / "affairs" / "2026-yishiyiyi.md"
        notice.write_text(notice.read_text(encoding="utf-8").replace("筹资方案征求意见", "筹资方案（修改稿）"),
                          encoding="utf-8")
        assert wait_for(lambda: "筹资方案（修改稿）" in (fetch(f"http://127.0.0.1:{port}/index.html") or ""))
        # a broken save keeps the last good preview: once the preview has said so
        notice.write_text("---\ntitle: 坏了\n", encoding="utf-8")
        assert wait_for(lambda: "E-FRONTMATTER" in (fetch(f"http://127.0.0.1:{port}/_preview/state.json") or ""))
        assert "筹资方案（修改稿）" in fetch(f"http://127.0.0.1:{port}/index.html")
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode("utf-8", "replace")
    assert "E-FRONTMATTER" in output and "预览保持上一次的结果" in output
    assert "Traceback" not in output


def test_a_save_that_keeps_the_file_size_and_time_is_previewed(demo_copy):
    """A USB stick keeps times to two seconds: a quick edit of one digit can leave a file's size and
    time as they were. ``serve`` is told of the save by the system, not by looking at the times, so
    the preview shows it all the same."""
    import os

    port = free_port()
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port)],
                               cwd=demo_copy.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    page = f"http://127.0.0.1:{port}/affairs/2026-gengdi-butie.html"
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    try:
        assert "79 户" in (wait_for(lambda: fetch(page)) or "")
        for edit in (("79 户", "78 户"), ("78 户", "77 户")):
            before = notice.stat()
            notice.write_text(notice.read_text(encoding="utf-8").replace(*edit, 1), encoding="utf-8")
            os.utime(notice, ns=(before.st_atime_ns, before.st_mtime_ns))
            assert notice.stat().st_size == before.st_size
            assert wait_for(lambda: edit[1] in (fetch(page) or "")), edit
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode("utf-8", "replace")
    assert "Traceback" not in output


def test_a_number_no_longer_public_stops_the_next_preview(demo_copy, tmp_path):
    """``serve`` keeps what it read between builds; a number the village takes off its public
    list must still stop the very next build wherever it stands, in a notice nobody touched."""
    import datetime as dt
    from villageboard import builder

    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n有疑问请打监督委员会电话 13905701234。\n", encoding="utf-8")
    out, today, warm = tmp_path / "preview", dt.date.fromisoformat(TODAY), builder.Warm()
    report, _ = builder.build(demo_copy, out, today, preview=True, warm=warm)
    assert not report.errors, report.errors
    assert "13905701234" in (out / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")
    village = demo_copy / "village.yaml"
    text = village.read_text(encoding="utf-8")
    village.write_text(text.replace('  - "13905701234"', "  # 不再公开", 1), encoding="utf-8")
    report, _ = builder.build(demo_copy, out, today, preview=True, warm=warm)
    assert [d.line for d in report.errors if d.code == "E-PRIVACY-PHONE" and d.path.endswith("2026-gengdi-butie.md")]


def test_a_same_size_edit_that_keeps_the_file_time_shows_in_the_next_preview(demo_copy, tmp_path):
    """``serve`` keeps each notice's reading while the file is as it was: a USB stick keeps times
    to two seconds, so a quick edit of one digit can leave size and time unchanged. The preview
    must still show it."""
    import datetime as dt
    import os
    from villageboard import builder

    out, today, warm = tmp_path / "preview", dt.date.fromisoformat(TODAY), builder.Warm()
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    for edit in (None, ("79 户", "78 户"), ("78 户", "77 户")):
        if edit:
            before = notice.stat()
            notice.write_text(notice.read_text(encoding="utf-8").replace(*edit, 1), encoding="utf-8")
            os.utime(notice, ns=(before.st_atime_ns, before.st_mtime_ns))
        report, _ = builder.build(demo_copy, out, today, preview=True, warm=warm)
        assert not report.errors, report.errors
        shown = (out / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")
        assert (edit[1] if edit else "79 户") in shown


def test_a_told_save_is_previewed_without_a_look_at_every_other_notice(demo_copy, tmp_path, monkeypatch):
    """``serve`` is told by the system which files a save wrote (``Saves``): the build after it
    looks again at those alone, not at each of the village's notices (at 10,000 notices that
    look was a sixth of a save), and still shows the edit."""
    import datetime as dt
    import os
    from villageboard import builder
    from villageboard.reading.memo import Told

    out, today, warm = tmp_path / "preview", dt.date.fromisoformat(TODAY), builder.Warm()
    report, _ = builder.build(demo_copy, out, today, preview=True, warm=warm)
    assert not report.errors, report.errors
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8").replace("79 户", "78 户", 1), encoding="utf-8")
    warm.memo.told = told = Told()
    told.files.add(str(notice))
    others = {str(p) for section in ("party", "affairs") for p in (demo_copy / section).glob("*.md")} - {str(notice)}
    folders = {str(demo_copy / "party"), str(demo_copy / "affairs")}
    looked = []
    for name in ("stat", "open", "scandir"):
        real = getattr(os, name)
        monkeypatch.setattr(os, name, lambda path, *a, real=real, name=name, **k: looked.append((name, str(path)))
                            or real(path, *a, **k))
    report, _ = builder.build(demo_copy, out, today, preview=True, warm=warm)
    monkeypatch.undo()
    assert not report.errors, report.errors
    assert "78 户" in (out / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")
    assert len(others) > 10 and not [(how, path) for how, path in looked if path in others]
    assert not [path for how, path in looked if how == "scandir" and path in folders]


def test_every_way_a_file_is_saved_shows_in_the_preview(demo_copy, tmp_path):
    """What the system tells of each save is all the build looks at again: a notice made, one
    saved the way many editors save (a new file renamed over the old), one brought in from another
    folder, one deleted, a folder renamed: each shows in the preview."""
    import os

    port = free_port()
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port),
                                "--today", TODAY],
                               cwd=demo_copy.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    site = f"http://127.0.0.1:{port}"
    notice = "---\ntitle: {}\ndate: 2026-11-20\ncategory: 三会一课\n---\n{}\n"
    try:
        assert "2026年第三季度党费收缴情况公示" in (wait_for(lambda: fetch(f"{site}/party/index.html")) or "")
        (demo_copy / "party" / "2026-xinde.md").write_text(notice.format("新做的公告", "第一稿。"), encoding="utf-8")
        assert wait_for(lambda: "新做的公告" in (fetch(f"{site}/party/index.html") or ""))
        assert "第一稿" in (fetch(f"{site}/party/2026-xinde.html") or "")

        saving = demo_copy / "party" / ".2026-xinde.md.swp"
        saving.write_text(notice.format("新做的公告", "第二稿，换名存入。"), encoding="utf-8")
        os.replace(saving, demo_copy / "party" / "2026-xinde.md")
        assert wait_for(lambda: "第二稿" in (fetch(f"{site}/party/2026-xinde.html") or ""))

        brought = tmp_path / "下载" / "2026-waimian.md"
        brought.parent.mkdir()
        brought.write_text(notice.format("从别处拿来的公告", "外面写好的。"), encoding="utf-8")
        os.replace(brought, demo_copy / "party" / "2026-waimian.md")
        assert wait_for(lambda: "从别处拿来的公告" in (fetch(f"{site}/party/index.html") or ""))

        (demo_copy / "party" / "2026-q3-dangfei.md").unlink()
        gone = "2026年第三季度党费收缴情况公示"
        assert wait_for(lambda: gone not in (fetch(f"{site}/party/index.html") or gone))

        os.rename(demo_copy / "households", tmp_path / "households")
        assert wait_for(lambda: fetch(f"{site}/households/chen-guilan.html") is None)
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode("utf-8", "replace")
    assert "Traceback" not in output


def test_a_notice_written_through_another_name_is_still_previewed(demo_copy, tmp_path):
    """A file with a second name (a hard link) outside content/ can be written there, where the
    system tells ``serve`` nothing: such a file is looked at on every save, told or not."""
    import datetime as dt
    import os
    from villageboard import builder
    from villageboard.reading.memo import Told

    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    elsewhere = tmp_path / "草稿" / "耕地补贴.md"
    elsewhere.parent.mkdir()
    os.link(notice, elsewhere)
    out, today, warm = tmp_path / "preview", dt.date.fromisoformat(TODAY), builder.Warm()
    report, _ = builder.build(demo_copy, out, today, preview=True, warm=warm)
    assert not report.errors, report.errors
    with open(elsewhere, "r+", encoding="utf-8") as f:  # in place: the same file under both names
        text = f.read().replace("79 户", "78 户", 1)
        f.seek(0)
        f.write(text)
        f.truncate()
    assert notice.read_text(encoding="utf-8") == text
    warm.memo.told = Told()  # nothing written in content/, as far as the system can tell
    report, _ = builder.build(demo_copy, out, today, preview=True, warm=warm)
    assert not report.errors, report.errors
    assert "78 户" in (out / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")


def test_a_folder_removed_as_windows_tells_it_takes_its_files_with_it(demo_copy, tmp_path):
    """Windows says a folder removed (or put in the Recycle Bin) is a file removed, and names none of
    the files or folders in it: the build after it must take none of them as still there."""
    import datetime as dt
    import shutil
    from watchdog.events import FileDeletedEvent
    from villageboard import builder
    from villageboard.serving.serve import Saves

    class Loop:
        def add_callback(self, callback):
            pass

    saves = Saves(Loop(), None, demo_copy)
    saves.observer, saves.roots = object(), [demo_copy.resolve()]  # as if watching, told only what follows
    saves.take()
    out, today, warm = tmp_path / "preview", dt.date.fromisoformat(TODAY), builder.Warm()
    report, _ = builder.build(demo_copy, out, today, preview=True, warm=warm)
    assert not report.errors, report.errors
    affairs = demo_copy / "affairs"  # with a folder inside it (decisions/), as Windows names neither
    assert (out / "affairs" / "decisions" / "2026-houshan-linzu.html").exists()
    shutil.rmtree(affairs)
    saves.dispatch(FileDeletedEvent(str(affairs)))
    warm.memo.told = saves.take()
    assert warm.memo.told is not None
    report, _ = builder.build(demo_copy, out, today, preview=True, warm=warm)
    assert not report.errors, report.errors
    assert not (out / "affairs" / "decisions" / "2026-houshan-linzu.html").exists()


def test_a_save_made_while_serve_builds_its_first_preview_is_built_next(demo_copy):
    """The first preview of a large village takes a while. A notice saved meanwhile, after that build
    read it, must be built next: the system is told to watch before the first build, not after."""
    from villageboard.cache import default_root

    cache = default_root(demo_copy)
    port = free_port()
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port),
                                "--today", TODAY],
                               cwd=demo_copy.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    page = f"http://127.0.0.1:{port}/affairs/2026-gengdi-butie.html"
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    try:
        # The first preview is being written: every source has been read by then.
        deadline = time.monotonic() + 60
        while not list(cache.glob(".preview.building-*")) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert list(cache.glob(".preview.building-*")), "the first preview was never staged"
        notice.write_text(notice.read_text(encoding="utf-8").replace("79 户", "78 户", 1), encoding="utf-8")
        assert wait_for(lambda: "78 户" in (fetch(page) or ""))
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode("utf-8", "replace")
    assert "Traceback" not in output


def test_serve_told_by_the_system_looks_at_no_folder_every_moment(demo_copy, tmp_path, monkeypatch):
    """Where the system tells ``serve`` of each save, livereload is given one small file of the
    preview to look at: given nothing, it looked at every file under the folder serve was started
    from every 0.8 s (a clerk's project folder: content, site/ and the preview, a hundred thousand
    files at 10,000 notices), found keeping a core half busy while nothing was saved."""
    import datetime as dt
    from pathlib import Path
    from villageboard.serving import serve

    watched = []
    monkeypatch.setattr(serve.Server, "serve", lambda self, **kw: watched.extend(self.watcher._tasks))
    monkeypatch.chdir(tmp_path)
    assert serve.serve(demo_copy, tmp_path / "preview", "127.0.0.1", free_port(), today=dt.date.fromisoformat(TODAY)) == 0
    assert watched and not [path for path in watched if Path(path).is_dir() or Path(path) == Path.cwd()]
