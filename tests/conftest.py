"""Shared fixtures: the demo village, the command line, and a real headless Chromium."""
from __future__ import annotations

import functools
import hashlib
import re
import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "content"
TODAY = "2026-11-22"  # the demo village is written for this day
SCREENSHOTS = ROOT / "tests" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic"]


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run ``python build.py ARGS`` the way a clerk does; output decoded as UTF-8."""
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of the demo content to break."""
    target = tmp_path / "content"
    shutil.copytree(DEMO, target)
    return target


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory) -> Path:
    """The demo village built once for the whole session, as of TODAY."""
    out = tmp_path_factory.mktemp("demo") / "site"
    done = run_cli("build", "--content", str(DEMO), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    return out


def tree_digest(folder: Path) -> str:
    """One hash of every path and every byte under ``folder``: equal means untouched."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(path.relative_to(folder).as_posix().encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def revision_record(page: Path) -> str:
    """The text of a page's revision record, tags dropped and spaces collapsed."""
    html = page.read_text(encoding="utf-8")
    found = re.search(r'<section class="revisions".*?</section>', html, re.S)
    assert found, page
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group()))


def faulty_exif(path, fmt="JPEG"):
    """A sideways phone photo (40×20, EXIF Orientation 6) with one faulty EXIF entry: its ImageDescription's
    tag id was changed to Compression's (0x010E → 0x0103), so a number's tag holds text."""
    import struct

    from PIL import Image, ImageOps

    exif = Image.Exif()
    exif[0x0112], exif[0x010E] = 6, "cunkou"  # Orientation (turn 90° to stand up), ImageDescription
    block = bytearray(exif.tobytes())
    little = block[6:8] == b"II"
    at = block.index(b"\x0e\x01\x02\x00" if little else b"\x01\x0e\x00\x02")
    block[at if little else at + 1] = 0x03
    Image.new("RGB", (40, 20), (30, 90, 160)).save(path, fmt, exif=bytes(block))
    with Image.open(path) as faulty, pytest.raises((struct.error, TypeError)):
        ImageOps.exif_transpose(faulty)  # what the gate met before: the photo really trips Pillow


def git_repo(folder: Path):
    """A git helper for ``folder`` whose commits carry the given ISO time."""
    def git(*args, when="2026-06-01T10:00:00+08:00"):
        subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True,
                       env={"GIT_AUTHOR_NAME": "文书", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "文书",
                            "GIT_COMMITTER_EMAIL": "a@b", "PATH": "/usr/bin:/bin",
                            "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when})
    return git


def committed(folder: Path, message: str = "发布", when: str = "2026-06-01T10:00:00+08:00"):
    """``folder`` made a git repository with everything in it committed; returns its git helper."""
    git = git_repo(folder)
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", message, when=when)
    return git


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def served(built_demo: Path):
    """The built demo on http://127.0.0.1:PORT/ (loopback only)."""
    handler = functools.partial(_QuietHandler, directory=str(built_demo))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def screenshot(page, name: str) -> Path:
    """Save a screenshot under tests/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
