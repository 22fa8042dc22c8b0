"""Rebuilding into the published site writes only the files whose bytes changed, writes nothing
when nothing changed, and always ends byte-identical to a clean build of the same sources."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, TODAY, committed, run_cli
from villageboard.builder import LAYOUTS
from villageboard.planning import site as site_module
from villageboard.planning.pages import Page
from villageboard.rendering import record
from villageboard.rendering.render import Renderer


def _files(out: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in out.rglob("*") if p.is_file()}


def _digest(out: Path) -> dict[str, str]:
    found = {}
    for p in sorted(out.rglob("*")):
        if p.is_dir():  # a folder emptied by a rebuild is no folder of a clean build
            found[p.relative_to(out).as_posix() + "/"] = "folder"
        elif p.is_file():
            data = p.read_bytes()
            if p.name == "version.json":
                data = json.dumps({**json.loads(data), "built": None}).encode()
            found[p.relative_to(out).as_posix()] = hashlib.sha256(data).hexdigest()
    return found


def _build(content: Path, out: Path, today: str = TODAY):
    done = run_cli("build", "--content", str(content), "--out", str(out), "--today", today)
    assert done.returncode == 0, done.stderr
    return done


def test_after_an_edit_the_command_stores_only_what_changed_and_the_next_starts_from_it(demo_copy, tmp_path,
                                                                                     monkeypatch):
    """The readings of a whole village are stored once; after an edit the command stores only what
    changed since (a notice, the pages that show it), beside them. The next command starts from both:
    it reads again only what was edited since, and the site is the one a clean build makes. Once too
    much has changed, the readings are stored whole again."""
    from villageboard import builder
    from villageboard.cache import Cache, default_root
    from villageboard.kinds import notices
    from villageboard.reading import memo

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(memo._Base, "MOST", 0.5)
    read, reading = [], notices._read
    monkeypatch.setattr(notices, "_read", lambda path, **named: read.append(path.name) or reading(path, **named))
    out, today = tmp_path / "site", dt.date.fromisoformat(TODAY)

    def stored(kind: str) -> bytes | None:
        return memo._get(Cache(default_root(demo_copy)), kind, demo_copy)

    def edited(name: str) -> list[str]:
        notice = demo_copy / "affairs" / name
        notice.write_text(notice.read_text(encoding="utf-8") + f"\n补充说明：{name}。\n", encoding="utf-8")
        read.clear()
        assert not builder.build(demo_copy, out, today, jobs=2)[0].errors
        assert f"补充说明：{name}" in (out / "affairs" / f"{notice.stem}.html").read_text(encoding="utf-8")
        return read

    assert not builder.build(demo_copy, out, today, jobs=1)[0].errors
    whole = stored(memo._STORED)
    first, second, third = sorted(p.name for p in (demo_copy / "affairs").glob("*.md"))[:3]
    assert edited(first) == [first]
    assert stored(memo._STORED) == whole  # not stored again
    # The other notices, which the listings show, are stored as references to the stored readings.
    changes = stored(memo._STORED_CHANGES)
    assert f"补充说明：{first}".encode() in changes
    for name in (second, third):
        text = (demo_copy / "affairs" / name).read_text(encoding="utf-8").split("---")[-1]  # the body
        sentence = max(re.findall(r"[\u4e00-\u9fff，、；]+", text), key=len)
        assert sentence.encode() in whole and sentence.encode() not in changes
    assert edited(second) == [second]  # the first edit's reading came back from what changed
    clean = tmp_path / "clean"
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "clean-cache"))
    _build(demo_copy, clean)
    assert _digest(out) == _digest(clean)

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(memo._Base, "MOST", 0)
    assert edited(third) == [third]
    assert stored(memo._STORED) != whole
    assert edited(first) == [first]  # from the readings stored whole again


def test_a_rebuild_with_no_change_writes_nothing(demo_copy, tmp_path):
    out = tmp_path / "site"
    _build(demo_copy, out)
    before, folder = _files(out), out.stat().st_ino
    done = _build(demo_copy, out)
    assert "没有改写任何文件" in done.stdout
    assert _files(out) == before and out.stat().st_ino == folder
    assert not [p for p in tmp_path.iterdir() if p.name not in ("site", "content", ".cache", ".site.spare")]


def test_a_build_with_nothing_changed_answers_from_its_stamp(demo_copy, tmp_path, monkeypatch, capsys):
    """Nothing the last build read or left in the site has changed: the next one repeats its report
    at once, without loading the site. The build lists what it left from its database, so that
    list must be what the stamp finds when it looks."""
    from villageboard import builder, cli

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    command = ["build", "--content", str(demo_copy), "--out", str(tmp_path / "site"), "--today", TODAY, "--jobs", "1"]
    assert cli.main(command) == 0
    build = builder.build
    monkeypatch.setattr(builder, "build", lambda *args, **named: pytest.fail("built again"))
    assert cli.main(command) == 0
    assert "没有改写任何文件" in capsys.readouterr().out
    (demo_copy / "affairs" / "2026-gengdi-butie.md").write_text("---\ntitle: 改了\ndate: 2026-11-01\n---\n正文\n",
                                                               encoding="utf-8")
    monkeypatch.setattr(builder, "build", build)
    assert cli.main(command) == 0  # a change: built, and stamped again
    monkeypatch.setattr(builder, "build", lambda *args, **named: pytest.fail("built again"))
    assert cli.main(command) == 0


def test_a_page_removed_or_changed_in_the_published_site_is_put_back(demo_copy, tmp_path):
    """Nothing changed in the content, but someone deleted or edited pages of site/ by hand:
    the next build must not trust its stamp or its database for those files."""
    out = tmp_path / "site"
    _build(demo_copy, out)
    clean = _digest(out)
    (out / "affairs" / "2026-gengdi-butie.html").unlink()
    (out / "kiosk" / "index.html").write_text("被改坏了", encoding="utf-8")
    (out / "search" / "d" / "0.js").write_text("被改坏了", encoding="utf-8")  # not a page: kept by the same rule
    (out / "static" / "site.css").unlink()
    done = _build(demo_copy, out)
    assert "没有改写任何文件" not in done.stdout
    assert _digest(out) == clean


def test_a_same_size_edit_that_keeps_the_file_time_is_still_seen(demo_copy, tmp_path):
    """A USB stick keeps file times to two seconds: a quick edit of one digit can leave size and
    time as they were. The build must look at the bytes, not only at the times."""
    out = tmp_path / "site"
    _build(demo_copy, out)
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    text = notice.read_text(encoding="utf-8")
    assert "79 户" in text
    _saved_as_on_a_usb_stick(notice, text)
    done = _build(demo_copy, out)
    assert "没有改写任何文件" not in done.stdout
    assert "78 户" in (out / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")


def test_the_stamp_reads_again_only_files_written_since_and_still_sees_a_time_set_back(
        demo_copy, tmp_path, monkeypatch):
    """The command's stamp takes the digest of a file it looked at before, unchanged since (size,
    times, inode) and written well before that look, from the stamp the last build kept, as git
    does. An edit is read again; so is a same-size edit whose old time was put back (a copy that
    keeps times), which moves the file's change time."""
    from villageboard import cli
    from villageboard.publishing import stamp
    from villageboard.reading import fingerprint

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    # Ten seconds of room for a clock set differently (``SETTLING``) would make this test wait.
    monkeypatch.setattr(fingerprint, "SETTLING", 0)
    hour_ago = (dt.datetime.now() - dt.timedelta(hours=1)).timestamp()
    sources = [p for p in demo_copy.rglob("*") if p.is_file() and ".git" not in p.parts]
    for p in sources:  # written well before the first build looks
        os.utime(p, (hour_ago, hour_ago))
    out = tmp_path / "site"
    command = ["build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY, "--jobs", "1"]
    read, digest = [], stamp.content_digest
    monkeypatch.setattr(stamp, "content_digest", lambda path: read.append(Path(path)) or digest(path))
    assert cli.main(command) == 0
    assert set(sources) <= set(read)  # the first stamp reads every source

    read.clear()
    notice, other = demo_copy / "affairs" / "2026-gengdi-butie.md", demo_copy / "affairs" / "2026-zhaijidi.md"
    other.write_text(other.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    assert cli.main(command) == 0
    assert [p for p in read if p.is_relative_to(demo_copy)] == [other]
    assert "补充说明" in (out / "affairs" / "2026-zhaijidi.html").read_text(encoding="utf-8")

    read.clear()
    _saved_as_on_a_usb_stick(notice, notice.read_text(encoding="utf-8"))
    assert notice.stat().st_mtime < hour_ago + 1
    assert cli.main(command) == 0
    assert notice in read
    assert "78 户" in (out / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")


def test_a_damaged_stamp_makes_the_build_look_again(demo_copy, tmp_path, monkeypatch):
    """The stamp is a JSON file in the cache; a damaged one (a cut write, a hand that edited it)
    must make the build read the files again, never end in 内部错误, and never hide an edit."""
    from villageboard import cli
    from villageboard.publishing import stamp
    from villageboard.reading import fingerprint

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(fingerprint, "SETTLING", 0)  # every file counts as settled at once
    out = tmp_path / "site"
    command = ["build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY, "--jobs", "1"]
    assert cli.main(command) == 0
    where = stamp._where(demo_copy, out)
    stored = json.loads(where.read_text(encoding="utf-8"))
    damage = ["zz", 7, "0" * 31, None]
    for n, (name, entry) in enumerate(sorted(stored["files"].items())):
        if n % 5 == 4:
            stored["files"][name] = entry[:3]
        elif n % 5 == 3:
            stored["files"][name] = [str(entry[0])] + entry[1:]
        else:
            stored["files"][name] = entry[:4] + [damage[n % 5]]
    where.write_text(json.dumps(stored), encoding="utf-8")
    notice = demo_copy / "affairs" / "2026-zhaijidi.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    assert cli.main(command) == 0
    assert "补充说明" in (out / "affairs" / "2026-zhaijidi.html").read_text(encoding="utf-8")
    where.write_text("[1, 2", encoding="utf-8")  # cut short
    assert cli.main(command) == 0


def test_a_quick_same_size_edit_is_seen_where_the_change_time_does_not_move(demo_copy, tmp_path, monkeypatch):
    """Where a file system keeps no change time that moves on each write (FAT on some systems),
    a same-size edit within its two seconds keeps every time: the stamp reads again a file
    written shortly before the last stamp looked. The clerk saves, builds at once, and saves a
    one-digit fix within the same two seconds."""
    from villageboard import cli

    class Stat:  # as such a file system shows a file: the change time is the write time
        def __init__(self, real):
            self.real = real

        def __getattr__(self, name):
            return getattr(self.real, "st_mtime_ns" if name == "st_ctime_ns" else name)

    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda path, *a, **named: Stat(real_stat(path, *a, **named))
                        if str(path).startswith(str(demo_copy)) else real_stat(path, *a, **named))
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "site"
    command = ["build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY, "--jobs", "1"]
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8"), encoding="utf-8")
    assert cli.main(command) == 0
    _saved_as_on_a_usb_stick(notice, notice.read_text(encoding="utf-8"))
    assert cli.main(command) == 0
    assert "78 户" in (out / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")


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


def test_the_next_command_reads_again_only_the_notice_that_changed(demo_copy, tmp_path, monkeypatch):
    """``python build.py`` keeps what it read in the build cache: after an edit of one notice the
    next command reads that notice again and replays the others, and changes the search index's
    posting lists rather than making them anew; the site is still the one a clean build makes.
    Another version of the program reads and indexes everything afresh."""
    from villageboard import builder, cache
    from villageboard.kinds import notices, search

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    read, indexed, walked = [], [], []
    reading, indexing, walking = notices._read, search._postings_of, record.Digests._fields
    monkeypatch.setattr(notices, "_read", lambda path, **named: read.append(path.name) or reading(path, **named))
    monkeypatch.setattr(search, "_postings_of", lambda weighed: indexed.append(1) or indexing(weighed))
    documented, documenting = [], search._document
    monkeypatch.setattr(search, "_document", lambda page, *rest: documented.append(page.path) or documenting(page, *rest))
    monkeypatch.setattr(record.Digests, "_fields", lambda self, model, out: (
        walked.append(model.path.name) if isinstance(model, notices.Notice) else
        walked.append(model.path) if isinstance(model, Page) else None) or walking(self, model, out))
    out, today = tmp_path / "site", dt.date.fromisoformat(TODAY)
    every = sorted(p.name for section in ("affairs", "party") for p in (demo_copy / section).glob("*.md"))

    def edited(name: str, jobs: int) -> list[str]:
        notice = next(demo_copy.rglob(name))
        notice.write_text(notice.read_text(encoding="utf-8") + f"\n补充说明{jobs}。\n", encoding="utf-8")
        read.clear()
        report, _ = builder.build(demo_copy, out, today, jobs=jobs)
        assert not report.errors
        assert f"补充说明{jobs}" in (out / notice.parent.name / f"{notice.stem}.html").read_text(encoding="utf-8")
        return sorted(read)

    assert not builder.build(demo_copy, out, today, jobs=1)[0].errors  # stored here and now
    assert sorted(read) == every
    assert edited("2026-gengdi-butie.md", jobs=2) == ["2026-gengdi-butie.md"]
    first_party = next(name for name in every if (demo_copy / "party" / name).exists())
    indexed.clear()
    walked.clear()
    documented.clear()
    assert edited(first_party, jobs=1) == [first_party]  # the second command stored it on another core
    assert not indexed
    # Search documents are kept by their page's digest: only the edited notice's is made again.
    assert {path for path in documented if path.startswith(("affairs/", "party/"))} <= \
        {f"party/{Path(first_party).stem}.html", "party/index.html", "party/2025.html", "affairs/index.html",
         "affairs/2026.html", "affairs/2025.html"}
    assert f"party/{Path(first_party).stem}.html" in documented
    # The other notices' digests came with their readings, and their pages, the same as before, with theirs:
    # of the party's pages, only the edited notice's and the lists that hold it are walked.
    page = f"party/{Path(first_party).stem}.html"
    assert first_party in walked and page in walked
    others = {f"{p.parent.name}/{p.stem}.html" for section in ("affairs", "party")
              for p in (demo_copy / section).glob("*.md")} - {page}
    assert not others & set(walked), others & set(walked)
    assert all(re.fullmatch(r"party/(index|\d{4})(-\d+)?\.html", path)
               for path in walked if path.startswith("party/") and path != page), walked
    clean = tmp_path / "clean"
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "clean-cache"))
    _build(demo_copy, clean)
    assert _digest(out) == _digest(clean)

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_program", "另一个版本")
    assert edited("2026-gengdi-butie.md", jobs=1) == every and indexed
    stored = cache.Cache(tmp_path / "cache")  # the new version's replaced the old one's
    assert [stored.count(kind) for kind in ("reading", "reading-digests", "search-index")] == [1, 1, 1]


def test_the_stored_search_record_is_loaded_by_the_process_that_makes_the_index(demo_copy, tmp_path, monkeypatch):
    """The command itself never uses what the search index worked out: with a second core, only the
    process it forks to make the index loads it from the build cache and stores it again, and the
    index it makes is the one a clean build makes."""
    from villageboard import builder, cache
    from villageboard.reading import memo

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    loaded, searched = tmp_path / "loaded-by", memo.Memo.searched

    def noted(self, empty):
        with open(loaded, "a") as f:  # a forked process's list would not come back
            f.write(f"{os.getpid()}\n")
        return searched(self, empty)

    monkeypatch.setattr(memo.Memo, "searched", noted)
    out, today = tmp_path / "site", dt.date.fromisoformat(TODAY)
    assert not builder.build(demo_copy, out, today, jobs=2)[0].errors
    # Stored by that process too, after it sent the index back, and before the command ended.
    assert cache.Cache(tmp_path / "cache").count("search-index") == 1
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n补充：申请截止时间延后。\n", encoding="utf-8")
    assert not builder.build(demo_copy, out, today, jobs=2)[0].errors
    pids = loaded.read_text().split()
    assert pids and str(os.getpid()) not in pids
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "clean-cache"))
    _build(demo_copy, tmp_path / "clean")
    assert _digest(out) == _digest(tmp_path / "clean")


def test_digests_stored_beside_other_readings_are_not_used(demo_copy, tmp_path, monkeypatch):
    """The command stores its readings from a background process and the digests rendering made
    of them from the build itself, as two entries. When the readings could not be stored (the
    process was killed), the stored digests belong to other readings: a notice put back as it was
    must not be taken for the version in between."""
    from villageboard import builder
    from villageboard.reading.memo import Memo

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    out, today, page = tmp_path / "site", dt.date.fromisoformat(TODAY), tmp_path / "site" / "affairs" / "2026-gengdi-butie.html"
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    before, stat = notice.read_text(encoding="utf-8"), notice.stat()
    assert not builder.build(demo_copy, out, today, jobs=1)[0].errors
    assert not builder.build(demo_copy, out, today, jobs=1)[0].errors  # digests of every notice stored
    notice.write_text(before.replace("79 户", "80 户", 1), encoding="utf-8")
    store = Memo.store
    monkeypatch.setattr(Memo, "store", lambda self, cache, content: None)  # the background process died
    assert not builder.build(demo_copy, out, today, jobs=1)[0].errors
    assert "80 户" in page.read_text(encoding="utf-8")
    monkeypatch.setattr(Memo, "store", store)
    notice.write_text(before, encoding="utf-8")
    os.utime(notice, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as it was read then, to the time
    assert not builder.build(demo_copy, out, today, jobs=1)[0].errors
    assert "80 户" not in page.read_text(encoding="utf-8")


def test_the_next_site_is_made_from_the_site_before_and_trusts_only_its_very_files(demo_copy, tmp_path, monkeypatch):
    """Beside site/ the build keeps the site it swapped out (.site.spare) and makes the next site
    in it: an edited notice costs the files that changed since, not a link for every file of the
    village. A file there counts only when it is the very file published: whatever else is in
    the spare (a file changed by hand, one added, a file where a folder goes and a folder where
    a file goes), the site that comes out is a clean build's, and the published one is never written into."""
    from villageboard import builder

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    out, spare, today = tmp_path / "site", tmp_path / ".site.spare", dt.date.fromisoformat(TODAY)
    linked = []
    linking = os.link
    monkeypatch.setattr(os, "link", lambda source, target: linked.append(target) or linking(source, target))

    def edited(name: str) -> set[str]:
        notice = next(demo_copy.rglob(name))
        notice.write_text(notice.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
        linked.clear()
        report, _ = builder.build(demo_copy, out, today, jobs=1)
        assert not report.errors
        assert "补充说明" in (out / notice.parent.name / f"{notice.stem}.html").read_text(encoding="utf-8")
        return set(report.rewritten)

    assert not builder.build(demo_copy, out, today, jobs=1)[0].errors
    assert _digest(spare) == _digest(out)  # laid out by the first build, for the second
    first = edited("2026-gengdi-butie.md")
    assert not linked
    second = edited("2026-zhaijidi.md")
    # Only what the build before rewrote was linked again: the spare held the rest already.
    assert {Path(target).relative_to(out.parent).as_posix().split("/", 1)[1] for target in linked} <= first
    published = _digest(out)
    shared = {rel for rel, (inode, _) in _files(out).items() if (spare / rel).stat().st_ino == inode}
    assert shared == set(_files(out)) - second  # the site before shares every file this build kept

    (spare / "kiosk" / "index.html").unlink()
    (spare / "kiosk" / "index.html").write_text("改坏了", encoding="utf-8")
    (spare / "extra.html").write_text("不该发布", encoding="utf-8")
    shutil.rmtree(spare / "static")
    (spare / "static").write_text("挡路", encoding="utf-8")
    (spare / "index.html").unlink()
    (spare / "index.html").mkdir()
    (spare / "index.html" / "x.html").write_text("挡路", encoding="utf-8")
    assert _digest(out) == published  # the spare was changed, not the site
    edited("2026-dibao-q4.md")
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "clean-cache"))
    _build(demo_copy, tmp_path / "clean")
    assert _digest(out) == _digest(tmp_path / "clean")

    # A link in the spare (快捷方式) to someone else's folder: nothing is written or removed there.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "site.css").write_text("别人的文件", encoding="utf-8")
    (elsewhere / "kiosk.css").write_text("别人的文件", encoding="utf-8")
    shutil.rmtree(spare / "static")
    (spare / "static").symlink_to(elsewhere, target_is_directory=True)
    edited("2026-yishiyiyi.md")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["kiosk.css", "site.css"]
    assert all(p.read_text(encoding="utf-8") == "别人的文件" for p in elsewhere.iterdir())
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "clean-cache-2"))
    _build(demo_copy, tmp_path / "clean-2")
    assert _digest(out) == _digest(tmp_path / "clean-2")

    # The spare itself a link, to another site this program made: that site is left as it is.
    other = _digest(tmp_path / "clean")
    shutil.rmtree(spare)
    spare.symlink_to(tmp_path / "clean", target_is_directory=True)
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    edited("2026-daibiao-huiyi.md")
    assert _digest(tmp_path / "clean") == other and not out.is_symlink()


def test_a_notice_saved_while_the_build_read_it_is_read_again_by_the_next(demo_copy, tmp_path, monkeypatch):
    """The clerk saves a notice just as the build has read it, with the same size and a file time a
    USB stick cannot tell apart: that build shows what it read, the next one the saved text. What
    the memo keeps is the digest of the bytes the notice was made from, not of the file after."""
    from villageboard import builder
    from villageboard.kinds import notices

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    text = notice.read_text(encoding="utf-8")
    assert "79 户" in text
    reading, saved = notices._read, []

    def saved_meanwhile(path, **named):
        model = reading(path, **named)
        if path.name == notice.name and not saved:
            saved.append(_saved_as_on_a_usb_stick(notice, text))
        return model

    monkeypatch.setattr(notices, "_read", saved_meanwhile)
    out, today, page = tmp_path / "site", dt.date.fromisoformat(TODAY), tmp_path / "site" / "affairs" / "2026-gengdi-butie.html"
    assert not builder.build(demo_copy, out, today, jobs=1)[0].errors
    assert saved and "79 户" in page.read_text(encoding="utf-8")
    after = notice.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (saved[0].st_size, saved[0].st_mtime_ns, saved[0].st_ino)
    assert not builder.build(demo_copy, out, today, jobs=1)[0].errors
    assert "78 户" in page.read_text(encoding="utf-8")


def _saved_as_on_a_usb_stick(notice: Path, text: str) -> os.stat_result:
    """``text`` with 79 户 made 78 户, saved keeping the size and time (a USB stick keeps times to
    two seconds); gives the stat from before."""
    before = notice.stat()
    notice.write_text(text.replace("79 户", "78 户", 1), encoding="utf-8")
    os.utime(notice, ns=(before.st_atime_ns, before.st_mtime_ns))
    return before


def test_a_notice_saved_after_the_stamp_looked_is_published_by_the_next_command(demo_copy, tmp_path, monkeypatch):
    """The command line's build takes each notice's size, time, inode and digest from the stamp
    taken a moment before, rather than looking at the file again. A notice saved in that moment
    (keeping its size and time, as on a USB stick) is published by the next command, since the
    stamp kept is the one taken before the save."""
    from villageboard import cli
    from villageboard.publishing import stamp

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "site"
    command = ["build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY, "--jobs", "1"]
    notice, other = demo_copy / "affairs" / "2026-gengdi-butie.md", demo_copy / "affairs" / "2026-zhaijidi.md"
    page = out / "affairs" / "2026-gengdi-butie.html"
    text = notice.read_text(encoding="utf-8")
    assert cli.main(command) == 0 and "79 户" in page.read_text(encoding="utf-8")
    taking, saved = stamp.inputs, []

    def saved_after(*args, **named):
        taken = taking(*args, **named)
        if not saved:
            saved.append(_saved_as_on_a_usb_stick(notice, text))
        return taken

    monkeypatch.setattr(stamp, "inputs", saved_after)
    other.write_text(other.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")  # so that it builds
    assert cli.main(command) == 0 and saved
    assert "补充说明" in (out / "affairs" / "2026-zhaijidi.html").read_text(encoding="utf-8")
    assert cli.main(command) == 0
    assert "78 户" in page.read_text(encoding="utf-8")
    assert cli.main(command) == 0  # and now from the stamp: nothing left to publish
    assert "78 户" in page.read_text(encoding="utf-8")


def _program_copy(tmp_path: Path) -> Path:
    """A private copy of the program, so that a step can edit its templates and style sheets."""
    program = tmp_path / "program"
    program.mkdir()
    shutil.copy(ROOT / "build.py", program / "build.py")
    shutil.copytree(ROOT / "villageboard", program / "villageboard", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "layouts", program / "layouts")
    return program


def test_a_template_made_for_one_rendition_is_used_at_once(demo_copy, tmp_path):
    """A designer adds ``layouts/kiosk/notice.html`` to give the touchscreen its own notice page:
    the next rebuild must show it on every kiosk notice, though no template a page loaded
    last time has changed."""
    program = _program_copy(tmp_path)
    out = tmp_path / "site"

    def build():
        done = subprocess.run([sys.executable, str(program / "build.py"), "build", "--content", str(demo_copy),
                               "--out", str(out), "--today", TODAY], capture_output=True, text=True,
                              encoding="utf-8", timeout=300, env={**os.environ, "VILLAGEBOARD_CACHE": str(tmp_path / "cache")})
        assert done.returncode == 0, done.stderr

    build()
    layouts = program / "layouts"
    (layouts / "kiosk" / "notice.html").write_text(
        (layouts / "notice.html").read_text(encoding="utf-8").replace("{% block main %}", "{% block main %}<!-- 触摸屏专用 -->", 1),
        encoding="utf-8")
    build()
    kiosk = (out / "kiosk" / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")
    phone = (out / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")
    assert "触摸屏专用" in kiosk and "触摸屏专用" not in phone


def test_a_digest_depends_on_the_values_alone(demo_copy):
    """Render workers digest the pages they made in another order than the build that checks
    them next: if a digest depended on what was digested before, that build would find the page
    changed and render it again, on every build."""
    site = site_module.load(demo_copy, dt.date.fromisoformat(TODAY))
    renderer = Renderer(LAYOUTS, site, site.pages())
    planned = sorted(renderer.outputs)
    forward, backward = record.Digests(), record.Digests()
    ahead = {out_path: forward.of(renderer.values(out_path)) for out_path in planned}
    behind = {out_path: backward.of(renderer.values(out_path)) for out_path in reversed(planned)}
    assert [p for p in planned if ahead[p] != behind[p]] == []



def test_a_digest_asks_its_links_again_when_the_plan_changes(demo_copy):
    """The kiosk home links to the kiosk rendition of each section: with a section's list page gone
    from the plan that link changes shape, and so does the home page's digest, its reads the same."""
    site = site_module.load(demo_copy, dt.date.fromisoformat(TODAY))
    pages = site.pages()
    first = Renderer(LAYOUTS, site, pages)
    _, reads = first.render("kiosk/index.html")
    assert reads.exists.get("kiosk/affairs/index.html") is True
    before = first.digest("kiosk/index.html", reads.names, reads.templates, reads.exists)

    def again(pages) -> bytes:
        return Renderer(LAYOUTS, site, pages).digest("kiosk/index.html", reads.names, reads.templates, reads.exists)

    assert again(pages) == before
    assert again([page for page in pages if page.path != "affairs/index.html"]) != before


def test_a_save_in_serve_reads_again_only_the_files_written_since(demo_copy, tmp_path, monkeypatch):
    """``serve`` looks at each file's size, times and inode on a save, and reads again only a file
    written since (or written just before it was read): a same-size edit whose old time was put
    back (a copy that keeps times) moves the change time, and is seen."""
    from villageboard import builder
    from villageboard.reading import fingerprint, memo

    monkeypatch.setattr(fingerprint, "SETTLING", 0)  # the demo was copied a moment ago
    read, digest = [], memo.content_digest
    monkeypatch.setattr(memo, "content_digest", lambda path: read.append(Path(path).name) or digest(path))
    warm, out, today = builder.Warm(), tmp_path / "preview", dt.date.fromisoformat(TODAY)
    assert not builder.build(demo_copy, out, today, jobs=1, preview=True, warm=warm)[0].errors
    notice, other = demo_copy / "affairs" / "2026-gengdi-butie.md", demo_copy / "affairs" / "2026-zhaijidi.md"
    other.write_text(other.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    read.clear()
    assert not builder.build(demo_copy, out, today, jobs=1, preview=True, warm=warm)[0].errors
    assert [name for name in read if name.endswith(".md")] == [other.name]
    assert "补充说明" in (out / "affairs" / "2026-zhaijidi.html").read_text(encoding="utf-8")
    _saved_as_on_a_usb_stick(notice, notice.read_text(encoding="utf-8"))
    assert not builder.build(demo_copy, out, today, jobs=1, preview=True, warm=warm)[0].errors
    assert "78 户" in (out / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")


def _told_save(warm, content: Path, out: Path, afresh: Path, *written: Path):
    """A save in ``serve`` told by the system that ``written`` were saved (none: the first build);
    the preview must equal a build made afresh, warnings too. Gives the report."""
    from villageboard import builder
    from villageboard.reading.memo import Told

    told = Told()
    told.files.update(str(path) for path in written)
    warm.memo.told = told if written else None
    today = dt.date.fromisoformat(TODAY)
    report, _ = builder.build(content, out, today, jobs=1, preview=True, warm=warm)
    clean, _ = builder.build(content, afresh, today, preview=True, jobs=1)
    assert not report.errors and _digest(out) == _digest(afresh)
    said = lambda r: [(d.code, str(d.path), d.line) for d in r.warnings]
    assert said(report) == said(clean)  # no notice replayed taken as a file no kind read, either
    return report


def test_a_save_the_system_told_of_replays_the_other_notices_and_says_again_what_they_said(
        demo_copy, tmp_path, monkeypatch):
    """In ``serve``, told by the system which files were saved (``Told``), a save reads only those
    and replays the other notices together: a warning one of them gave is said again, once, where
    a build afresh says it; a notice put right stops saying it; and the preview equals a build
    made afresh after every save."""
    from villageboard import builder
    from villageboard.reading import fingerprint

    monkeypatch.setattr(fingerprint, "SETTLING", 0)  # the demo was copied a moment ago
    warned = demo_copy / "affairs" / "2026-lianjie.md"
    warned.write_text("---\ntitle: 联系方式\ndate: 2026-11-02\n---\n有事请找[村委会]()。\n", encoding="utf-8")
    saved = [sorted((demo_copy / "party").glob("*.md"))[0], sorted((demo_copy / "affairs").glob("*.md"))[-1]]
    warm, out = builder.Warm(), tmp_path / "preview"

    def build(*written: Path):
        report = _told_save(warm, demo_copy, out, tmp_path / "afresh", *written)
        return warm.memo.read_anew, [(d.code, str(d.path), d.line) for d in report.warnings if d.code == "W-LINK-DROPPED"]

    assert build()[1] == [("W-LINK-DROPPED", str(warned), 5)]
    for n in range(3):  # a notice of each section in turn, and both at once
        for path in saved[:n + 1] if n < 2 else saved:
            path.write_text(path.read_text(encoding="utf-8") + f"\n第{n}次补充。\n", encoding="utf-8")
        assert build(*(saved[:n + 1] if n < 2 else saved)) == (n + 1 if n < 2 else 2, [("W-LINK-DROPPED", str(warned), 5)])
    warned.write_text(warned.read_text(encoding="utf-8").replace("[村委会]()", "村委会"), encoding="utf-8")
    assert build(warned) == (1, [])
    assert "村委会" in (out / "affairs" / "2026-lianjie.html").read_text(encoding="utf-8")


def test_the_lists_follow_a_notice_whose_title_pin_date_or_expiry_a_save_changed(demo_copy, tmp_path, monkeypatch):
    """A save in ``serve`` makes again only the list pages that show the notice it changed, where
    the notice keeps its place in every list (a new title); and the lists afresh where it moves
    (pinned, its date changed, expired since, or drafted away): each time the preview equals a
    build made afresh, and the lists show the notice as it now is."""
    from villageboard import builder
    from villageboard.reading import fingerprint

    monkeypatch.setattr(fingerprint, "SETTLING", 0)  # the demo was copied a moment ago
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    warm, out, afresh = builder.Warm(), tmp_path / "preview", tmp_path / "afresh"
    _told_save(warm, demo_copy, out, afresh)
    steps = [("title: ", "title: 改过的标题 "), ("\ndate: ", "\npinned: true\ndate: "), ("pinned: true", "pinned: false"),
             ("date: 2026-", "date: 2025-"), ("\ndate: ", "\nexpires: 2026-01-01\ndate: "), ("改过的标题 ", "又改的标题 ")]
    for old, new in steps:
        text = notice.read_text(encoding="utf-8")
        assert old in text, old
        notice.write_text(text.replace(old, new, 1), encoding="utf-8")
        _told_save(warm, demo_copy, out, afresh, notice)
    listed = (out / "affairs" / "2025.html").read_text(encoding="utf-8")
    assert "又改的标题" in listed and "改过的标题" not in listed
    assert "又改的标题" not in (out / "affairs" / "index.html").read_text(encoding="utf-8")  # expired: not current


def test_a_save_in_serve_walks_again_only_the_pages_that_show_what_changed(demo_copy, tmp_path, monkeypatch):
    """A save works out afresh the digest of a page only where the page shows what changed: the
    edited notice's own page and the lists that hold it. The other notices' pages are the very
    pages of the save before, with their digests; and the preview still equals a build made afresh."""
    from villageboard import builder
    from villageboard.planning.pages import Page
    from villageboard.reading import fingerprint

    monkeypatch.setattr(fingerprint, "SETTLING", 0)  # the demo was copied a moment ago
    walked, walking = [], record.Digests._fields
    monkeypatch.setattr(record.Digests, "_fields", lambda self, model, out: (
        walked.append(model.path) if isinstance(model, Page) else None) or walking(self, model, out))
    warm, out, today = builder.Warm(), tmp_path / "preview", dt.date.fromisoformat(TODAY)
    notices = sorted((demo_copy / "affairs").glob("*.md"))
    for n, notice in enumerate(notices[:3]):  # the first save after the first build digests every page
        notice.write_text(notice.read_text(encoding="utf-8") + f"\n第{n}次补充。\n", encoding="utf-8")
        walked.clear()
        assert not builder.build(demo_copy, out, today, jobs=1, preview=True, warm=warm)[0].errors
    assert f"affairs/{notices[2].stem}.html" in walked
    others = {f"{p.parent.name}/{p.stem}.html" for p in (*notices, *(demo_copy / "party").glob("*.md"))} - \
        {f"affairs/{notices[2].stem}.html"}
    assert not others & set(walked), sorted(others & set(walked))
    # Of the notices' sections: its page and the lists that hold it (other kinds' pages show what the
    # linking makes anew on every build, and are walked as before).
    shown = {path for path in walked if path.split("/")[0] in ("affairs", "party") and "/decisions/" not in path}
    assert shown == {f"affairs/{notices[2].stem}.html", "affairs/index.html", "affairs/2026.html"}, sorted(shown)
    builder.build(demo_copy, tmp_path / "afresh", today, preview=True, jobs=1)
    assert _digest(out) == _digest(tmp_path / "afresh")


def test_a_save_in_serve_renders_again_what_a_template_or_the_village_changed_on_the_same_pages(
        demo_copy, tmp_path, monkeypatch):
    """A save takes the digest of an output whose page is the very one published only while every
    template and what every page shows alike (village.yaml, the day) are as they were: a template
    saved, or the village's office hours changed, still reach every page that shows them."""
    from villageboard import builder
    from villageboard.reading import fingerprint

    monkeypatch.setattr(fingerprint, "SETTLING", 0)  # the demo was copied a moment ago
    layouts = tmp_path / "layouts"
    shutil.copytree(LAYOUTS, layouts)
    warm, out, today = builder.Warm(), tmp_path / "preview", dt.date.fromisoformat(TODAY)
    for _ in range(2):
        assert not builder.build(demo_copy, out, today, layouts=layouts, jobs=1, preview=True, warm=warm)[0].errors
    notice = layouts / "notice.html"
    notice.write_text(notice.read_text(encoding="utf-8").replace("{% block main %}", "{% block main %}<!-- 新模板 -->", 1),
                      encoding="utf-8")
    assert not builder.build(demo_copy, out, today, layouts=layouts, jobs=1, preview=True, warm=warm)[0].errors
    pages = [page for section in ("affairs", "party") for p in (demo_copy / section).glob("*.md")
             if (out / (page := f"{section}/{p.stem}.html")).exists()]  # a notice not yet due has none
    assert len(pages) > 5 and all("新模板" in (out / page).read_text(encoding="utf-8") for page in pages)
    village = demo_copy / "village.yaml"
    village.write_text(re.sub(r"(  hours: .*)", r"\g<1>（周六休息）", village.read_text(encoding="utf-8"), count=1),
                       encoding="utf-8")
    assert not builder.build(demo_copy, out, today, layouts=layouts, jobs=1, preview=True, warm=warm)[0].errors
    builder.build(demo_copy, tmp_path / "afresh", today, layouts=layouts, preview=True, jobs=1)
    assert _digest(out) == _digest(tmp_path / "afresh")
    assert "周六休息" in (out / "index.html").read_text(encoding="utf-8")


def test_the_next_command_digests_only_outputs_of_pages_that_changed_and_still_sees_a_template(
        demo_copy, tmp_path, monkeypatch):
    """The build database records what its publish was made with (the stored readings' mark, every
    template and shared value, the plan): the next command works out the digest of no output whose
    page is the very page stored with those readings. A template saved, or the village's office
    hours changed, still reach every page that shows them; each time the site is a clean build's."""
    from villageboard import builder
    from villageboard.reading import fingerprint

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(fingerprint, "SETTLING", 0)  # the demo was copied a moment ago
    layouts = tmp_path / "layouts"
    shutil.copytree(LAYOUTS, layouts)
    (layouts / "logo.png").write_bytes((LAYOUTS / "static" / "icon.png").read_bytes())  # not a template: never read as one
    digested, digesting = [], Renderer.digest
    monkeypatch.setattr(Renderer, "digest", lambda self, out_path, *rest: digested.append(out_path) or
                        digesting(self, out_path, *rest))
    out, today = tmp_path / "site", dt.date.fromisoformat(TODAY)

    def build() -> None:
        digested.clear()
        assert not builder.build(demo_copy, out, today, layouts=layouts, jobs=1)[0].errors

    build()
    notices = sorted((demo_copy / "party").glob("*.md"))
    for n, notice in enumerate(notices[:2]):
        notice.write_text(notice.read_text(encoding="utf-8") + f"\n第{n}次补充。\n", encoding="utf-8")
        build()
    # Worked out: the edited notice's outputs and those of pages that show what the linking makes
    # anew (decisions, ledgers…), as before; no other notice's, in any rendition.
    assert f"party/{notices[1].stem}.html" in digested
    others = {f"{rendition}{p.parent.name}/{p.stem}.html" for rendition in ("", "kiosk/", "print/")
              for p in (*notices, *(demo_copy / "affairs").glob("*.md")) if p != notices[1]}
    assert not others & set(digested), sorted(others & set(digested))

    notice = layouts / "notice.html"
    notice.write_text(notice.read_text(encoding="utf-8").replace("{% block main %}", "{% block main %}<!-- 新模板 -->", 1),
                      encoding="utf-8")
    build()
    assert all("新模板" in (out / "party" / f"{p.stem}.html").read_text(encoding="utf-8")
               for p in notices if (out / "party" / f"{p.stem}.html").exists())
    village = demo_copy / "village.yaml"
    village.write_text(re.sub(r"(  hours: .*)", r"\g<1>（周六休息）", village.read_text(encoding="utf-8"), count=1),
                       encoding="utf-8")
    build()
    assert "周六休息" in (out / "index.html").read_text(encoding="utf-8")
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "clean-cache"))
    builder.build(demo_copy, tmp_path / "clean", today, layouts=layouts, jobs=1)
    assert _digest(out) == _digest(tmp_path / "clean")


def test_after_a_build_on_every_core_the_next_command_walks_only_the_pages_of_what_changed(
        demo_copy, tmp_path, monkeypatch):
    """Pages rendered by the workers are digested there; each sends its page's digest back, so the
    command after a first build (or a template edit: every page rendered) does not walk every page."""
    from villageboard import builder

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    for n in range(60):  # enough pages for the workers to make them (a chunk is 64 pages)
        (demo_copy / "affairs" / f"2025-meeting-{n}.md").write_text(
            f"---\ntitle: 第{n}次会议纪要\ndate: 2025-03-{n % 28 + 1:02}\n---\n会议讨论了第{n}项工作。\n", encoding="utf-8")
    out, today = tmp_path / "site", dt.date.fromisoformat(TODAY)
    report, planned = builder.build(demo_copy, out, today, jobs=2)
    assert not report.errors and report.rendered == planned > 4 * 64
    walked, walking = [], record.Digests._fields
    monkeypatch.setattr(record.Digests, "_fields", lambda self, model, out: (
        walked.append(model.path) if isinstance(model, Page) else None) or walking(self, model, out))
    notice = sorted((demo_copy / "party").glob("*.md"))[0]
    notice.write_text(notice.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    assert not builder.build(demo_copy, out, today, jobs=1)[0].errors
    others = {f"{p.parent.name}/{p.stem}.html" for section in ("affairs", "party")
              for p in (demo_copy / section).glob("*.md")} - {f"party/{notice.stem}.html"}
    assert f"party/{notice.stem}.html" in walked and not others & set(walked), walked


def test_a_save_in_serve_makes_again_only_the_search_documents_of_what_changed(demo_copy, tmp_path, monkeypatch):
    """The search index has a document per page; a save makes again those of the pages that show
    what changed, keeps the others from the save before, and writes the index a build made afresh
    writes."""
    from villageboard import builder
    from villageboard.kinds import search
    from villageboard.reading import fingerprint

    monkeypatch.setattr(fingerprint, "SETTLING", 0)  # the demo was copied a moment ago
    made, making = [], search._document
    monkeypatch.setattr(search, "_document", lambda page, *rest: made.append(page.path) or making(page, *rest))
    warm, out, today = builder.Warm(), tmp_path / "preview", dt.date.fromisoformat(TODAY)
    notices = sorted((demo_copy / "party").glob("*.md"))
    for n, notice in enumerate(notices[:3]):
        notice.write_text(notice.read_text(encoding="utf-8") + f"\n第{n}次补充：会议改到周五。\n", encoding="utf-8")
        made.clear()
        assert not builder.build(demo_copy, out, today, jobs=1, preview=True, warm=warm)[0].errors
    pages = {f"{p.parent.name}/{p.stem}.html" for section in ("affairs", "party") for p in (demo_copy / section).glob("*.md")}
    assert pages & set(made) == {f"party/{notices[2].stem}.html"}
    builder.build(demo_copy, tmp_path / "afresh", today, preview=True, jobs=1)
    assert _digest(out) == _digest(tmp_path / "afresh")
    assert "第2次补充" in json.dumps([(out / "search" / "d").joinpath(f).read_text(encoding="utf-8")
                                     for f in sorted(p.name for p in (out / "search" / "d").iterdir())],
                                    ensure_ascii=False)


def test_the_kiosk_keyboard_follows_a_title_saved_in_serve_counting_only_what_the_save_changed(
        demo_copy, tmp_path, monkeypatch):
    """The kiosk's word keys are the common words of the village's titles, most used first. ``serve``
    keeps the count over the notices from the save before and counts again only the notices a save
    changed: a title given 征兵 puts the key on the keyboard at that save, taking it away takes the
    key off again, and a save of a ledger counts no notice again."""
    from villageboard import builder
    from villageboard.kinds import search
    from villageboard.reading import fingerprint

    monkeypatch.setattr(fingerprint, "SETTLING", 0)  # the demo was copied a moment ago
    counted, counting = [], search._searchable
    monkeypatch.setattr(search, "_searchable", lambda notices: counted.append(len(notices)) or counting(notices))
    warm, out, today = builder.Warm(), tmp_path / "preview", dt.date.fromisoformat(TODAY)

    def keys() -> list[str]:
        counted.clear()
        assert not builder.build(demo_copy, out, today, jobs=1, preview=True, warm=warm)[0].errors
        return re.findall(r'data-word="([^"]+)"', (out / "kiosk" / "search.html").read_text(encoding="utf-8"))

    notice = sorted((demo_copy / "affairs").glob("*.md"))[0]
    text = notice.read_text(encoding="utf-8")
    assert "征兵" not in keys() and max(counted) > 10
    notice.write_text(re.sub(r"^title: ", "title: 征兵 ", text, count=1, flags=re.M), encoding="utf-8")
    assert "征兵" in keys() and counted == [1, 1]  # the notice as it was, and as it is
    ledger = sorted((demo_copy / "finance").glob("*.yaml"))[0]
    ledger.write_text(ledger.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert "征兵" in keys() and counted == []
    notice.write_text(text, encoding="utf-8")
    assert "征兵" not in keys() and counted == [1, 1]
    builder.build(demo_copy, tmp_path / "afresh", today, preview=True, jobs=1)
    assert _digest(out) == _digest(tmp_path / "afresh")


def test_a_list_that_grew_after_it_was_first_asked_for_is_worked_out_again():
    """``Memo.again`` keeps what it made from a list of models; a kind that adds to the list later
    (decisions join a section's list) must get what the whole list gives, not what the shorter one
    gave, even though it is the very same list object."""
    from types import SimpleNamespace

    from villageboard.reading.memo import Memo

    memo = Memo()
    memo.start()
    first, second = SimpleNamespace(title="一"), SimpleNamespace(title="二")
    memo.replayed = [first, second]
    listed = [first]
    count = lambda: len(listed)
    assert memo.again("entries", listed, count) == 1
    listed.append(second)
    assert memo.again("entries", listed, count) == 2
    assert memo.again("entries", listed, lambda: 0) == 2  # the very same models: kept


def test_without_git_the_next_command_looks_again_only_at_the_edited_files_history(demo_copy, tmp_path, monkeypatch):
    """A village not in git has no history but each file's time, which the stamp already compares:
    the next command asks for the history of the notice it reads again, not of every notice."""
    from villageboard import builder
    from villageboard.reading import fingerprint
    from villageboard.reading.history import History

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(fingerprint, "SETTLING", 0)
    asked, reading = [], History._read
    monkeypatch.setattr(History, "_read", lambda self, path: asked.append(path.name) or reading(self, path))
    out, today = tmp_path / "site", dt.date.fromisoformat(TODAY)
    report, _ = builder.build(demo_copy, out, today, jobs=1)
    assert any(d.code == "W-HISTORY-NOT-A-REPO" for d in report.items)
    notice = demo_copy / "party" / sorted(p.name for p in (demo_copy / "party").glob("*.md"))[0]
    notice.write_text(notice.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    asked.clear()
    assert not builder.build(demo_copy, out, today, jobs=1)[0].errors
    notices = {p.name for section in ("affairs", "party") for p in (demo_copy / section).glob("*.md")}
    assert [name for name in asked if name in notices] == [notice.name]
    assert "补充说明" in (out / "party" / f"{notice.stem}.html").read_text(encoding="utf-8")


def test_a_save_in_serve_plans_again_only_the_outputs_of_the_pages_it_changed(demo_copy, tmp_path, monkeypatch):
    """A save patches the plan published last: the outputs of the pages it changed are planned
    again, the others are the very outputs of the save before. A notice added, or a template made for
    one rendition and then taken away, plans every output afresh; after each save the preview
    equals a build made afresh."""
    from villageboard import builder
    from villageboard.reading import fingerprint

    monkeypatch.setattr(fingerprint, "SETTLING", 0)  # the demo was copied a moment ago
    plans = []
    monkeypatch.setattr(builder, "Renderer", lambda *args: plans.append(Renderer(*args)) or plans[-1])
    layouts = tmp_path / "layouts"
    shutil.copytree(LAYOUTS, layouts)
    warm, out, today = builder.Warm(), tmp_path / "preview", dt.date.fromisoformat(TODAY)

    def save_and_compare():
        assert not builder.build(demo_copy, out, today, layouts=layouts, jobs=1, preview=True, warm=warm)[0].errors
        shutil.rmtree(tmp_path / "afresh", ignore_errors=True)
        builder.build(demo_copy, tmp_path / "afresh", today, layouts=layouts, preview=True, jobs=1)
        assert _digest(out) == _digest(tmp_path / "afresh")
        return plans[-2]  # the serve build's, before the one made afresh

    notices = sorted((demo_copy / "affairs").glob("*.md"))
    assert not builder.build(demo_copy, out, today, layouts=layouts, jobs=1, preview=True, warm=warm)[0].errors
    notices[0].write_text(notices[0].read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    plan = save_and_compare()
    edited = f"affairs/{notices[0].stem}.html"
    assert plan.fresh is not None and {edited, "kiosk/" + edited, "print/" + edited} <= set(plan.fresh)
    others = {f"{folder}affairs/{p.stem}.html" for p in notices[1:] for folder in ("", "kiosk/", "print/")}
    assert others & set(plan.outputs) and not others & set(plan.fresh)

    (demo_copy / "affairs" / "2026-xinzeng.md").write_text(
        notices[0].read_text(encoding="utf-8").replace("title: ", "title: 新增", 1), encoding="utf-8")
    assert save_and_compare().fresh is None
    kiosk_notice = layouts / "kiosk" / "notice.html"
    kiosk_notice.write_text((layouts / "notice.html").read_text(encoding="utf-8")
                            .replace("{% block main %}", "{% block main %}<!-- 触摸屏专用 -->", 1), encoding="utf-8")
    notices[0].write_text(notices[0].read_text(encoding="utf-8") + "\n再次补充。\n", encoding="utf-8")
    assert save_and_compare().fresh is None
    assert "触摸屏专用" in (out / "kiosk" / notices[1].relative_to(demo_copy).with_suffix(".html")).read_text(encoding="utf-8")
    kiosk_notice.unlink()
    assert save_and_compare().fresh is None
    assert "触摸屏专用" not in (out / "kiosk" / notices[1].relative_to(demo_copy).with_suffix(".html")).read_text(encoding="utf-8")


def test_an_output_of_reads_without_a_digest_is_made_again_on_every_save(demo_copy, tmp_path, monkeypatch):
    """An output that read a value with no stable digest has no row in the build database: each save
    makes it again, even where its page is the very page published and the plan was patched."""
    from villageboard import builder
    from villageboard.reading import fingerprint

    monkeypatch.setattr(fingerprint, "SETTLING", 0)  # the demo was copied a moment ago
    digest, made, making = Renderer.digest, [], builder._made
    monkeypatch.setattr(Renderer, "digest", lambda self, out_path, *rest:
                        None if out_path == "kiosk/search.html" else digest(self, out_path, *rest))
    monkeypatch.setattr(builder, "_made", lambda renderer, out, output, out_path:
                        made.append(out_path) or making(renderer, out, output, out_path))
    warm, out, today = builder.Warm(), tmp_path / "preview", dt.date.fromisoformat(TODAY)
    notice = sorted((demo_copy / "affairs").glob("*.md"))[0]
    for n in range(3):
        notice.write_text(notice.read_text(encoding="utf-8") + f"\n第{n}次补充。\n", encoding="utf-8")
        made.clear()
        assert not builder.build(demo_copy, out, today, jobs=1, preview=True, warm=warm)[0].errors
        assert "kiosk/search.html" in made and f"affairs/{notice.stem}.html" in made
    assert len(made) < 100
    builder.build(demo_copy, tmp_path / "afresh", today, preview=True, jobs=1)
    assert _digest(out) == _digest(tmp_path / "afresh")


def test_a_file_gone_from_the_preview_is_made_again_by_the_next_save(demo_copy, tmp_path):
    """``serve`` changes its preview folder in place and does not look at each of its files again
    on every save; but a file gone from it (an antivirus took it, the clerk deleted a folder) is
    made again by the next save, which then equals a build made afresh."""
    from villageboard import builder

    today = dt.date.fromisoformat(TODAY)
    warm, out = builder.Warm(), tmp_path / "preview"
    for _ in range(2):  # from the second build on, the folder is changed in place
        report, _ = builder.build(demo_copy, out, today, preview=True, jobs=2, warm=warm)
        assert not report.errors
    shutil.rmtree(out / "affairs")
    (out / "static" / "site.css").unlink()
    (out / "search" / "d" / "0.js").unlink()
    notice = sorted((demo_copy / "party").glob("*.md"))[0]
    notice.write_text(notice.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    report, _ = builder.build(demo_copy, out, today, preview=True, jobs=2, warm=warm)
    assert not report.errors
    builder.build(demo_copy, tmp_path / "afresh", today, preview=True, jobs=1)
    assert _digest(out) == _digest(tmp_path / "afresh")

@pytest.mark.parametrize("times", ["moved by a change", "never moved (FAT)"])
def test_a_file_gone_from_a_folder_serve_did_not_list_is_made_again(demo_copy, tmp_path, monkeypatch, times):
    """A save in ``serve`` does not list a folder whose times are those it had when last found whole,
    long unchanged: a file removed from it since moved them. On a file system that does not move a
    folder's times (FAT), which ``serve`` sees when its own save leaves them as they were, every
    folder is listed again. Either way a file removed is made again by the next save."""
    from villageboard import builder

    monkeypatch.setattr(builder, "_FOLDER_SETTLING", -10**18)  # every folder's times kept once it is found whole
    if times == "never moved (FAT)":
        monkeypatch.setattr(builder, "_folder_times", lambda path: (1, 1, 1) if os.path.isdir(path) else None)
    listed, listing = [], os.listdir
    monkeypatch.setattr(builder.os, "listdir", lambda path: listed.append(path) or listing(path))
    today, warm, out = dt.date.fromisoformat(TODAY), builder.Warm(), tmp_path / "preview"
    notices = sorted((demo_copy / "affairs").glob("*.md"))
    for n, notice in enumerate(notices[:3]):  # from the second build on, the folder is changed in place
        notice.write_text(notice.read_text(encoding="utf-8") + f"\n第{n}次补充。\n", encoding="utf-8")
        listed.clear()
        assert not builder.build(demo_copy, out, today, preview=True, jobs=1, warm=warm)[0].errors
    if times == "moved by a change":  # only the folders the save before wrote in were listed
        assert os.path.join(out, "affairs") in listed and os.path.join(out, "party") not in listed
    else:
        assert warm.times is None and os.path.join(out, "party") in listed
    party = sorted((out / "party").glob("*.html"))[-1]
    party.unlink()  # in folders no save wrote in since the first build
    (out / "static" / "site.css").unlink()
    notices[0].write_text(notices[0].read_text(encoding="utf-8") + "\n再次补充。\n", encoding="utf-8")
    assert not builder.build(demo_copy, out, today, preview=True, jobs=1, warm=warm)[0].errors
    assert party.is_file()
    builder.build(demo_copy, tmp_path / "afresh", today, preview=True, jobs=1)
    assert _digest(out) == _digest(tmp_path / "afresh")


# Where a step may write a visible mark into a template: (file, text to find, text to put after it).
TEMPLATE_EDITS = [
    ("notice.html", "{% block main %}", "<!-- 模板修改 -->"),
    ("section.html", "{% block main %}", "<!-- 模板修改 -->"),
    ("parts/notice-list.html", "", "<!-- 模板修改 -->"),
    ("phone/base.html", "<main id=\"main\">", "<!-- 模板修改 -->"),
    ("kiosk/base.html", "<main id=\"main\">", "<!-- 模板修改 -->"),
    ("print/base.html", "<main>", "<!-- 模板修改 -->"),
    ("static/site.css", "", "/* 模板修改 */"),
    ("ledger.html", "{% block main %}", "<!-- 模板修改 -->"),
]


# A process that builds again and again, as `serve` does: one build per line of stdin (the day, and
# whether files were saved since), told by the system what was saved as serve is (``Saves``). Serve
# builds when told; here, once told, and a little after the last notice, as serve waits for more.
WARM_BUILDS = """
import datetime as dt, json, sys, time
from pathlib import Path
from villageboard import builder
from villageboard.serving.serve import Saves
content, out, layouts = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])

class Loop:
    told, last = 0, 0.0
    def add_callback(self, callback):
        self.told, self.last = self.told + 1, time.monotonic()

loop = Loop()
saves = Saves(loop, None, content)
assert saves.watch([content, layouts])
warm, before = builder.Warm(), 0
for line in sys.stdin:
    day, saved = line.split()
    deadline = time.monotonic() + 30  # a save never told: built all the same, and then compared
    while saved == "saved" and (loop.told == before or time.monotonic() - loop.last < Saves.QUIET * 4) \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    before = loop.told
    warm.memo.told = saves.take()
    report, count = builder.build(content, out, dt.date.fromisoformat(day), layouts=layouts, jobs=2, warm=warm)
    print(json.dumps({"errors": [d.format() for d in report.errors], "rendered": report.rendered}), flush=True)
saves.stop()
"""


@pytest.mark.parametrize("how", ["command", "serve"])
def test_random_histories_of_edits_end_as_a_clean_build_would(demo_copy, tmp_path, how):
    """Edits, additions, deletions, renames, commits, attachment, ledger and village.yaml edits,
    a save that breaks the build, template and style changes and other days, in a random order: after each, the incremental
    build equals a clean build with an empty cache, to the byte; and an edit of one notice
    re-renders a handful of pages, not the site. Built by the command each time, and by one
    process that keeps what it read between builds, as `serve` does."""
    steps = int(os.environ.get("INCREMENTAL_STEPS", "16"))
    seed = int(os.environ.get("INCREMENTAL_SEED", "2026"))
    rng = random.Random(seed)
    program = _program_copy(tmp_path)
    git = committed(demo_copy, "初始内容")
    out = tmp_path / "incremental"
    env = {**os.environ, "VILLAGEBOARD_CACHE": str(tmp_path / "cache")}

    def build(target: Path, today: str, cache: Path | None = None, fails: bool = False) -> tuple[int, str]:
        done = subprocess.run([sys.executable, str(program / "build.py"), "build", "--content", str(demo_copy),
                               "--out", str(target), "--today", today],
                              capture_output=True, text=True, encoding="utf-8", timeout=300,
                              env={**env, "VILLAGEBOARD_CACHE": str(cache)} if cache else env)
        assert done.returncode == (1 if fails else 0), done.stderr
        return int(re.search(r"重新排版 (\d+) 个", done.stdout).group(1)) if "重新排版" in done.stdout else -1, done.stdout

    if how == "serve":
        warm = subprocess.Popen([sys.executable, "-c", WARM_BUILDS, str(demo_copy), str(out), str(program / "layouts")],
                                cwd=program, env={**env, "PYTHONPATH": str(program)}, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, encoding="utf-8")

        def build_here(today: str, fails: bool = False, saved: bool = True) -> int:
            warm.stdin.write(f"{today} {'saved' if saved else 'same'}\n")
            warm.stdin.flush()
            done = json.loads(warm.stdout.readline())
            assert bool(done["errors"]) == fails, done["errors"]
            return done["rendered"]
    else:
        def build_here(today: str, fails: bool = False, saved: bool = True) -> int:
            return build(out, today, fails=fails)[0]

    try:
        build_here(TODAY, saved=False)
        total = int(re.search(r"已生成 (\d+) 个页面", build(tmp_path / "count", TODAY)[1]).group(1))
        _steps(steps, rng, demo_copy, program, git, build_here, build, out, tmp_path, total)
    finally:
        if how == "serve":
            warm.stdin.close()
            warm.wait(timeout=60)


def _steps(steps, rng, demo_copy, program, git, build_here, build, out, tmp_path, total):
    notices = lambda: sorted((demo_copy / "affairs").glob("*.md")) + sorted((demo_copy / "party").glob("*.md"))
    actions = ["edit", "add", "delete", "rename", "commit", "attachment", "broken", "ledger", "village", "template",
               "today"]
    today, when = TODAY, 0
    for step in range(steps):
        action = actions[step] if step < len(actions) else rng.choice(actions)
        if action == "edit":
            target = rng.choice(notices())
            target.write_text(target.read_text(encoding="utf-8") + f"\n第{step}次修改。\n", encoding="utf-8")
        elif action == "add":
            (demo_copy / "affairs" / f"2026-new-{step}.md").write_text(
                f"---\ntitle: 新增公告{step}\ndate: 2026-11-0{step % 9 + 1}\n---\n正文{step}。\n", encoding="utf-8")
        elif action == "delete":
            rng.choice(notices()).unlink()
        elif action == "rename":
            target = rng.choice(notices())
            target.rename(target.with_name(f"2026-renamed-{step}.md"))
        elif action == "commit":
            when += 1
            git("add", "-A")
            git("commit", "-qm", f"第{step}步的修改", "--allow-empty", when=f"2026-11-{10 + when:02}T09:00:00+08:00")
        elif action == "broken":  # a save half-way through: the build stops and leaves the site as it was
            unfinished = demo_copy / "affairs" / f"2026-unfinished-{step}.md"
            unfinished.write_text("---\ntitle: 还没写完的公告\n", encoding="utf-8")
            before = _digest(out)
            build_here(today, fails=True)
            assert _digest(out) == before
            unfinished.unlink()
        elif action == "attachment":  # the notice's own file untouched: another list under the same name
            pdfs = [demo_copy / "affairs" / "files" / "gengdi-butie-2026.pdf", demo_copy / "party" / "sanhuiyike-q3.pdf"]
            first, second = (p.read_bytes() for p in pdfs)
            pdfs[0].write_bytes(second)
            pdfs[1].write_bytes(first)
        elif action == "ledger":
            ledger = rng.choice(sorted((demo_copy / "finance").glob("20*.yaml")))
            text = ledger.read_text(encoding="utf-8")
            ledger.write_text(text.replace("reviewed_by: 村务监督委员会", f"reviewed_by: 村务监督委员会（第{step}步）"),
                              encoding="utf-8")
        elif action == "village":
            village = demo_copy / "village.yaml"
            text = village.read_text(encoding="utf-8")
            village.write_text(re.sub(r"(  hours: .*)", rf"\g<1>（第{step}步）", text, count=1),
                               encoding="utf-8")
        elif action == "template":
            name, after, mark = rng.choice(TEMPLATE_EDITS)
            template = program / "layouts" / name
            text = template.read_text(encoding="utf-8")
            template.write_text(text.replace(after, after + mark, 1) if after else text + mark, encoding="utf-8")
        else:
            today = rng.choice(["2026-11-26", "2026-12-21", "2027-02-01", TODAY])
        rendered = build_here(today, saved=action not in ("commit", "today"))  # git writes only in .git
        clean = tmp_path / f"clean-{step}"
        build(clean, today, cache=tmp_path / f"cache-{step}")
        assert _digest(out) == _digest(clean), f"step {step} ({action}) differs from a clean build"
        shutil.rmtree(clean)
        shutil.rmtree(tmp_path / f"cache-{step}", ignore_errors=True)
        if action == "edit":
            assert 0 < rendered < total / 4, f"one notice edited re-rendered {rendered} of {total} pages"
