"""The build cache: QR codes drawn once and kept between builds, without changing a byte of the site."""
from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import shutil
import zlib
from pathlib import Path

from conftest import DEMO, TODAY, run_cli, tree_digest


def _pages(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != "version.json"}


def _entries(cache: Path) -> dict[str, int]:
    from villageboard.cache import Cache

    return Cache(cache).entries("qr")


def test_a_warm_cache_and_a_deleted_cache_give_the_same_site(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(cache))
    build = lambda out: run_cli("build", "--content", str(DEMO), "--out", str(tmp_path / out), "--today", TODAY)

    assert build("cold").returncode == 0
    drawn = _entries(cache)
    assert len(drawn) > 40  # one per kiosk and print page address, at least
    assert (cache / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")  # never committed

    assert build("warm").returncode == 0
    assert _entries(cache) == drawn  # every code came from the cache: nothing redrawn or rewritten
    assert _pages(tmp_path / "warm") == _pages(tmp_path / "cold")

    shutil.rmtree(cache)  # safe to delete at any time
    assert build("again").returncode == 0
    assert _pages(tmp_path / "again") == _pages(tmp_path / "cold")


def test_the_kiosk_take_home_code_scans_to_the_phone_page(built_demo, browser):
    """A real scan: Chromium draws the kiosk page, zxing-cpp reads the code off the screenshot."""
    import zxingcpp
    from PIL import Image

    page = browser.new_page(viewport={"width": 1080, "height": 1920})
    page.goto((built_demo / "kiosk/affairs/2026-dibao-q4.html").as_uri())
    code = page.locator(".take-home svg.qr")
    # The kiosk's button bar stays over the bottom of the screen: bring the code to the middle, as a visitor scrolls.
    code.evaluate("e => e.scrollIntoView({block: 'center'})")
    shot = code.screenshot()
    page.close()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
    assert [r.text for r in found] == ["https://cunwu.example.org/qingxi/affairs/2026-dibao-q4.html"]


def _add_notices(content: Path, count: int = 150) -> None:
    """Enough pages that the work is really shared between processes."""
    for i in range(count):
        (content / "affairs" / f"gen-{i:03}.md").write_text(
            f"---\ntitle: 第{i}号公示\ndate: 2026-{i % 9 + 1:02}-{i % 27 + 1:02}\ncategory: 公示\n---\n"
            f"正文第{i}号。\n\n| 户主 | 金额 |\n|---|---:|\n| 王某 | {i}.50 |\n", encoding="utf-8")


def test_the_site_is_the_same_whatever_the_number_of_jobs(tmp_path, monkeypatch):
    """--jobs N reads and renders over N processes; the published bytes must not depend on it.
    Each build starts with an empty cache, as a first build does: then the Markdown bodies are
    converted by the workers too. And what the workers made is kept for the next build, as what
    one process makes is."""
    from villageboard.cache import Cache

    content = tmp_path / "content"
    shutil.copytree(DEMO, content)
    _add_notices(content)
    sites = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / f"cache-{jobs}"))
        done = run_cli("build", "--content", str(content), "--out", str(tmp_path / jobs), "--today", TODAY,
                       "--jobs", jobs)
        assert done.returncode == 0, done.stderr
        sites[jobs] = _pages(tmp_path / jobs)
    assert len(sites["1"]) > 500 and sites["1"] == sites["2"]
    version = [json.loads((tmp_path / j / "version.json").read_text(encoding="utf-8"))["build"] for j in sites]
    assert version[0] == version[1]
    for kind in ("qr", "markdown"):
        one, two = (set(Cache(tmp_path / f"cache-{jobs}").entries(kind)) for jobs in sites)
        assert len(one) > 150 and one <= two, kind


def test_a_worker_that_dies_stops_the_build_and_leaves_the_site(demo_copy, tmp_path, monkeypatch):
    """The system's out-of-memory killer can end a render worker. The build must stop with a
    clear error instead of waiting for ever for the dead worker's pages, and publish nothing."""
    import datetime as dt
    import os
    import signal
    import threading

    from villageboard import builder
    from villageboard.rendering.render import Renderer

    out = tmp_path / "site"
    _add_notices(demo_copy)
    assert run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY).returncode == 0
    before = tree_digest(out)
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "empty-cache"))  # nothing kept: every page renders
    builder_process, real_render = os.getpid(), Renderer.render

    def render(self, out_path):
        if os.getpid() != builder_process:  # in a worker: killed as the system kills it, without a word
            os.kill(os.getpid(), signal.SIGKILL)
        return real_render(self, out_path)

    monkeypatch.setattr(Renderer, "render", render)
    ended = {}
    build = threading.Thread(daemon=True, target=lambda: ended.update(
        result=builder.build(demo_copy, out, dt.date.fromisoformat(TODAY), jobs=2)))
    build.start()
    build.join(timeout=180)
    assert not build.is_alive(), "the build still waits for the dead worker"
    report, _ = ended["result"]
    assert [d.code for d in report.errors] == ["E-BUILD-WORKER"]
    assert "内存不足" in report.errors[0].message and "--jobs 1" in report.errors[0].message
    assert tree_digest(out) == before


def test_a_worker_lost_while_pages_are_still_handed_out_stops_the_build_and_leaves_the_site(demo_copy, tmp_path,
                                                                                          monkeypatch):
    """A worker can die before the build has handed out its first pages (the system kills it at
    once): then handing out the next ones fails, and that too is the located E-BUILD-WORKER error,
    never 内部错误, and nothing is published. (The test above reaches this only when the kill is quick.)"""
    import datetime as dt
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from villageboard import builder, workers

    out = tmp_path / "site"
    _add_notices(demo_copy)
    assert run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY).returncode == 0
    before = tree_digest(out)
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "empty-cache"))  # nothing kept: every page renders
    handed, submit = [], ProcessPoolExecutor.submit

    def broken_after_the_first(self, *task):
        if getattr(workers._make, "func", None) is builder._made:  # handing out pages to render
            handed.append(task)
            if len(handed) > 1:
                raise BrokenProcessPool("A child process terminated abruptly")
        return submit(self, *task)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", broken_after_the_first)
    report, _ = builder.build(demo_copy, out, dt.date.fromisoformat(TODAY), jobs=2)
    assert len(handed) == 2 and [d.code for d in report.errors] == ["E-BUILD-WORKER"]
    assert tree_digest(out) == before


def test_a_worker_lost_while_converting_bodies_only_slows_the_first_build(demo_copy, tmp_path, monkeypatch):
    """On a first build the workers convert the Markdown bodies ahead of reading: that is only a
    head start, so losing one there must not fail the build or lose a notice."""
    import datetime as dt
    import os
    import signal

    from villageboard import builder
    from villageboard.reading import markup

    _add_notices(demo_copy)
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "empty-cache"))
    builder_process = os.getpid()

    def killed(site, path):
        if os.getpid() != builder_process:
            os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(markup, "_prepare", killed)
    report, _ = builder.build(demo_copy, tmp_path / "site", dt.date.fromisoformat(TODAY), jobs=2)
    assert report.errors == []
    assert "正文第149号" in (tmp_path / "site" / "affairs" / "gen-149.html").read_text(encoding="utf-8")


def test_jobs_must_be_a_positive_number(tmp_path):
    done = run_cli("build", "--content", str(DEMO), "--out", str(tmp_path / "out"), "--jobs", "0")
    assert done.returncode == 1 and "--jobs 应是 1 或更大的整数" in done.stderr and "Traceback" not in done.stderr


def _pictures(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.suffix in (".jpg", ".png", ".webp") and p.is_file()}


def test_pictures_are_worked_on_once_and_again_when_the_file_changes(demo_copy, tmp_path, monkeypatch):
    """A village has hundreds of camera photos: decoding and encoding each on every build would
    make every rebuild slow. They come from the cache, unless the file is replaced."""
    import datetime as dt

    from PIL import Image

    from villageboard import builder
    from villageboard.reading import images

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    today = dt.date.fromisoformat(TODAY)
    report, _ = builder.build(demo_copy, tmp_path / "first", today, jobs=1)
    assert not report.errors
    first = _pictures(tmp_path / "first")
    assert "photos/households/yao-320.webp" in first and "files/affairs/files/gaizao-qian.jpg" in first

    decoded: list[str] = []
    real = images.read_pixels
    monkeypatch.setattr(images, "read_pixels", lambda source: decoded.append(source.name) or real(source))
    read: list[str] = []  # the village's pictures whose bytes were read, to hash them or for anything else
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: (
        read.append(path.name) if path.suffix in (".jpg", ".png") and path.is_relative_to(demo_copy) else None)
        or read_bytes(path))
    report, _ = builder.build(demo_copy, tmp_path / "second", today, jobs=1)
    assert not report.errors
    assert decoded == []  # every picture checked, re-encoded and resized before: nothing decoded
    assert read == []  # nor even read: the hash of an untouched file is known
    assert _pictures(tmp_path / "second") == first

    # The clerk replaces a family's photo with another one under the same name.
    Image.new("RGB", (900, 600), (200, 30, 30)).save(demo_copy / "households" / "yao.jpg", "JPEG")
    report, _ = builder.build(demo_copy, tmp_path / "third", today, jobs=1)
    assert not report.errors
    assert "yao.jpg" in decoded and "zhou.jpg" not in decoded
    assert "yao.jpg" in read and "zhou.jpg" not in read
    third = _pictures(tmp_path / "third")
    assert third["photos/households/yao-320.jpg"] != first["photos/households/yao-320.jpg"]
    with Image.open(io.BytesIO(third["photos/households/yao-320.jpg"])) as shown:
        assert shown.size == (320, 213) and shown.getpixel((10, 10))[0] > 150  # the new, red photo
    assert third["photos/households/zhou-320.jpg"] == first["photos/households/zhou-320.jpg"]


class _Runs:
    def __init__(self, *call):
        self.call = call

    def __reduce__(self):
        return self.call


def test_a_cache_from_elsewhere_never_reaches_the_site(demo_copy, tmp_path, monkeypatch):
    """A cache restored from another branch's CI run or copied on a USB stick may have been
    tampered with: a script in a body's HTML or a QR code, a photo carrying its GPS position.
    Without this computer's key its entries are not used, only made again."""
    import sqlite3

    from PIL import Image

    from jinja2.bccache import bc_magic

    from villageboard.reading.memo import _stored_version

    cache = tmp_path / "cache"
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(cache))
    build = lambda out: run_cli("build", "--content", str(demo_copy), "--out", str(tmp_path / out), "--today", TODAY)
    assert build("first").returncode == 0
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (29.0, 30.0, 0.0)}  # GPS: where the family lives
    located = io.BytesIO()
    Image.new("RGB", (640, 480), "red").save(located, "JPEG", exif=exif)
    db = sqlite3.connect(cache / "cache.sqlite3")
    forged = {"markdown": 0, "qr": 0, "photo-variant": 0, "reading": 0, "template-code": 0}
    unpickled = tmp_path / "the-forged-memo-ran"  # what a forged stored memo (a pickle) does when loaded
    for kind, digest, value in db.execute("SELECT kind, digest, value FROM entries").fetchall():
        seal, value = value[:16], bytes(value[16:])
        if kind == "markdown":
            html, links = json.loads(value)
            value = json.dumps(["<script>alert('篡改')</script>" + html, links], ensure_ascii=False).encode()
        elif kind == "qr":
            value = value.replace(b"<path ", b"<script>alert(1)</script><path ", 1)
        elif kind == "photo-variant" and value[:2] == b"\xff\xd8":
            value = located.getvalue()
        elif kind == "reading":  # a pickle that makes a folder when loaded, for this very version
            value = _stored_version() + zlib.compress(pickle.dumps(_Runs(os.mkdir, (str(unpickled),))))
        elif kind == "template-code":  # a compiled template's header holds a pickle: the same folder
            value = bc_magic + pickle.dumps(_Runs(os.mkdir, (str(unpickled),)))
        else:
            continue
        forged[kind] += 1
        db.execute("UPDATE entries SET value = ? WHERE kind = ? AND digest = ?", (seal + value, kind, digest))
    db.commit()
    db.close()
    assert all(forged.values()), forged  # the demo's bodies, codes and household photos were all in the cache

    assert build("second").returncode == 0
    assert not unpickled.exists()
    assert _pages(tmp_path / "second") == _pages(tmp_path / "first")
    for photo in (tmp_path / "second").rglob("*.jpg"):
        assert b"GPS" not in photo.read_bytes() and Image.open(photo).getexif().get_ifd(0x8825) == {}

    # What the search index learned is kept apart from the memo, and read only when the memo was:
    # forged alone, beside the memo the second build stored.
    db = sqlite3.connect(cache / "cache.sqlite3")
    (seal, digest), = db.execute("SELECT substr(value, 1, 16), digest FROM entries WHERE kind = 'search-index'")
    value = _stored_version() + zlib.compress(pickle.dumps(_Runs(os.mkdir, (str(unpickled),))))
    db.execute("UPDATE entries SET value = ? WHERE kind = 'search-index' AND digest = ?", (seal + value, digest))
    db.commit()
    db.close()
    assert build("third").returncode == 0
    assert not unpickled.exists()
    assert _pages(tmp_path / "third") == _pages(tmp_path / "first")


def test_the_next_command_compiles_no_template(demo_copy, tmp_path, monkeypatch):
    """Compiling the templates a notice's pages load cost a command more than rendering them: the
    next command takes them compiled from the build cache."""
    import jinja2

    from villageboard import cli
    from villageboard.rendering import render

    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "site"
    command = ["build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY, "--jobs", "1"]
    assert cli.main(command) == 0
    compiled, compile = [], jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile",
                        lambda env, source, name=None, *rest, **named: compiled.append(name) or
                        compile(env, source, name, *rest, **named))
    monkeypatch.setattr(render._COMPILED, "code", {})  # as in a new process: nothing compiled in memory
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n补充：发放时间另行通知。\n", encoding="utf-8")
    assert cli.main(command) == 0
    assert "发放时间另行通知" in (out / "kiosk" / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")
    assert compiled == []
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "another-cache"))  # and without it, compiled
    monkeypatch.setattr(render._COMPILED, "code", {})
    notice.write_text(notice.read_text(encoding="utf-8") + "\n再补充一句。\n", encoding="utf-8")
    assert cli.main(command) == 0
    assert "notice.html" in compiled


def test_a_template_edited_while_serve_runs_shows_at_the_next_build(tmp_path):
    """``serve`` builds again and again in one process and keeps the compiled templates: a
    template edited in between must be compiled again, not served from memory."""
    import datetime as dt

    from villageboard import builder

    layouts = tmp_path / "layouts"
    shutil.copytree(builder.LAYOUTS, layouts)
    out, today = tmp_path / "preview", dt.date.fromisoformat(TODAY)
    assert not builder.build(DEMO, out, today, layouts=layouts, preview=True)[0].errors
    page = out / "affairs" / "2026-dibao-q4.html"
    assert "模板改过了" not in page.read_text(encoding="utf-8")
    template = layouts / "notice.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{% block main %}", "{% block main %}<p>模板改过了</p>", 1), encoding="utf-8")
    assert not builder.build(DEMO, out, today, layouts=layouts, preview=True)[0].errors
    assert "模板改过了" in page.read_text(encoding="utf-8")


def test_a_template_saved_during_a_build_does_not_hide_the_page_rendered_from_the_old_one(tmp_path):
    """While ``serve`` builds, the clerk may save a template. The page rendered from the old text
    must be recorded with the old text's digest, so that the next build renders it again."""
    import datetime as dt

    from villageboard import builder
    from villageboard.planning import site as site_module
    from villageboard.rendering.render import Renderer

    layouts = tmp_path / "layouts"
    shutil.copytree(builder.LAYOUTS, layouts)
    site = site_module.load(DEMO, dt.date.fromisoformat(TODAY))
    during = Renderer(layouts, site, site.pages())
    out_path = "affairs/2026-dibao-q4.html"
    html, reads = during.render(out_path)
    template = layouts / "notice.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{% block main %}", "{% block main %}<p>新的一段</p>", 1), encoding="utf-8")
    recorded = during.digest(out_path, reads.names, reads.templates, reads.exists)  # as the build records it
    after = Renderer(layouts, site, site.pages())  # the next build
    assert "新的一段" not in html
    assert after.digest(out_path, reads.names, reads.templates, reads.exists) != recorded


def test_the_seal_key_is_made_once_private_and_shared_by_builds_starting_together(tmp_path, monkeypatch):
    """Two builds (or a build and its workers) starting at once must agree on one key, or each
    would take the other's entries for forgeries; no other user of the computer may read it."""
    import multiprocessing
    import stat

    from villageboard import cache

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    with multiprocessing.get_context("fork").Pool(6) as pool:
        keys = pool.starmap(cache._seal_key, [()] * 12, chunksize=1)
    assert len(set(keys)) == 1 and len(keys[0]) == 32
    key_file = cache.seal_key_path()
    assert key_file.read_bytes() == keys[0] and cache._seal_key() == keys[0]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == ["cache-key"]  # no draft left behind
