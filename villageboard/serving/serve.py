"""``serve``: preview on this computer, rebuilt whenever a file in content/ or layouts/ changes.

The preview is built into its own folder (``.cache/villageboard/preview`` beside the content),
never into ``site/``, so a half-finished edit, a draft (``--drafts``) or a future day
(``--today``) never lands in what gets published. Every page of the preview carries a small
script that shows the errors of a broken save over the last good page, and reloads when a new
build is ready. The system tells of each save (``Saves``); livereload serves the files.
Listens on 127.0.0.1 unless told otherwise.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import os
import socket
import tempfile
import threading
from pathlib import Path

from livereload import Server
from tornado.ioloop import IOLoop

from villageboard import builder
from villageboard.cache import default_root
from villageboard.cli import print_report
from villageboard.reading import clock
from villageboard.reading.diagnostics import Report
from villageboard.reading.memo import Told
from villageboard.publishing.writer import MARK, unsafe
from villageboard.workers import default_jobs

WAITING_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>预览还没有生成</title></head>
<body><h1>预览还没有生成</h1><p>内容有错误，改正后这一页会自动刷新。</p>
<script src="_preview/preview.js"></script></body></html>
"""


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def _free_port(host: str, port: int) -> int | None:
    """``port`` if nothing listens there, else the next free one (None if twenty are taken)."""
    for candidate in range(port, port + 20):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            try:
                s.bind((host, candidate))
                return candidate
            except OSError:
                continue
    return None


def _lan_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # no packet is sent: this only picks the outgoing interface
            return s.getsockname()[0]
        except OSError:
            return None


def serve(content: Path, out: Path | None, host: str, port: int, drafts: bool = False,
          today: dt.date | None = None) -> int:
    out = out or default_root(content) / "preview"
    refused = unsafe(out, content)
    if refused:  # before the first build and before any watching: nothing is written at all
        report = Report()
        report.error(out, 1, "E-OUT-UNSAFE", refused)
        print_report(report)
        return 1
    chosen = _free_port(host, port)
    if chosen is None:
        print(f"端口 {port} 到 {port + 19} 都被别的程序占用了；请用 --port 换一个，例如 --port 8800")
        return 1
    if chosen != port:
        print(f"端口 {port} 已被别的程序占用，改用 {chosen}")

    warm = builder.Warm()  # a save costs about what it changed, not the whole village

    def rebuild() -> None:
        warm.memo.told = saves.take()
        report, count = builder.build(content, out, today or clock.today(), preview=True, drafts=drafts,
                                      jobs=default_jobs(), warm=warm)
        print_report(report)
        errors = [d.format() for d in report.sorted() if d.is_error]
        if errors:
            print("有错误，预览保持上一次的结果；浏览器里会列出这些错误")
        else:
            print(f"已重新生成 {count} 个页面")
        if not (out / "index.html").exists():  # a fresh clone whose content has an error: say so, no 404
            _write_atomically(out / "index.html", WAITING_PAGE)
            _write_atomically(out / "_preview" / "preview.js",
                              (builder.LAYOUTS / "preview" / "preview.js").read_text(encoding="utf-8"))
            _write_atomically(out / MARK, json.dumps({"build": "waiting"}))
        version = json.loads((out / MARK).read_text(encoding="utf-8"))
        _write_atomically(out / "_preview" / "state.json",
                          json.dumps({"build": version.get("build"), "errors": errors}, ensure_ascii=False))
        gc.collect()  # the last build's leftovers, now that the page is shown, rather than during the next build

    server = Server()
    # The preview script reloads the pages itself, after every build: livereload only serves, and
    # watches only where the system cannot tell of a save (``Saves``). Watched from before the first
    # build, so that the save after it is told, and one made while it runs is built next.
    saves = Saves(IOLoop.current(), rebuild, content)
    watching = saves.watch([content, builder.LAYOUTS])
    rebuild()
    if not watching:
        server.watch(str(content), rebuild, delay="forever")
        server.watch(str(builder.LAYOUTS), rebuild, delay="forever")
    else:  # given nothing to look at, livereload looks at the whole folder serve was started from every 0.8 s
        server.watch(str(out / "_preview" / "state.json"), delay="forever")
    shown = "127.0.0.1" if host in ("127.0.0.1", "localhost") else host
    print(f"预览地址：http://{shown}:{chosen}/  （按 Ctrl+C 停止；预览文件在 {out}，不会发布）")
    if host in ("0.0.0.0", "::"):
        lan = _lan_address()
        if lan:
            from villageboard.rendering import qr
            address = f"http://{lan}:{chosen}/"
            print(f"同一局域网的手机或触摸屏请打开 {address} ，或扫下面的二维码：")
            print(qr.terminal(address))
    try:
        server.serve(host=host, port=chosen, root=str(out), open_url_delay=None)
    finally:
        saves.stop()
    return 0


class Saves:
    """Builds the preview again as soon as a file under content/ or layouts/ is saved, told by the
    system (watchdog: inotify on Linux, ReadDirectoryChangesW on Windows) rather than found by
    livereload's look at every file every 0.8 s. That look cost 0.05 s at 10,000 notices each
    time, a save waited 0.4 s on average before anything looked at it, and it went by the time
    alone: a same-size edit on a USB stick, which keeps times to two seconds, went unseen.

    What the system told also goes to the build (``take``, ``memo.Told``): the files of content/
    written since the last build began, and the folders where a name was made, removed or renamed.
    The build then looks again only at those, not at each of ten thousand files and folders. Where
    the system may not have told all (the first build, events it says it lost, a folder made,
    removed or renamed), the build looks at everything."""

    QUIET = 0.05  # seconds: an editor's save is several notices (a temporary file, a rename)
    # What reading makes the system say (every build reads every file): not a change.
    READS = {"opened", "closed_no_write"}
    # What names one file whose bytes may have changed; a file made, removed or renamed changes its
    # folder's names too. Any other notice (events lost, one this program does not know) tells too little.
    WRITES = {"modified", "closed", "attrib"}
    NAMES = {"created", "deleted", "moved"}

    def __init__(self, loop: IOLoop, rebuild, content: Path):
        self.loop, self.rebuild = loop, rebuild
        self.content = content
        self.roots: list[Path] = []
        self.observer = None
        self.waiting = None  # the build asked for, in the IOLoop's thread
        self.lock = threading.Lock()
        self.told: Told | None = None  # since the last build began; None until the first build

    def watch(self, folders: list[Path]) -> bool:
        """False where the system cannot tell (no watchdog, no inotify left): livereload looks then."""
        self.roots = [folder.resolve() for folder in folders]  # before the first notice can come
        try:
            # Only a watchdog that says when it lost events (7.1 and later) can be trusted to tell all.
            from watchdog.events import EventsLostEvent  # noqa: F401
            from watchdog.observers import Observer

            observer = Observer()
            for folder in folders:
                observer.schedule(self, str(folder), recursive=True)
            observer.start()
        except (ImportError, OSError):
            return False
        self.observer = observer
        return True

    def take(self) -> Told | None:
        """What was told since the last build began, for the build beginning now; None when not
        watching (livereload looks then) or not told all."""
        with self.lock:
            told, self.told = self.told, Told() if self.observer is not None else None
        return told

    def dispatch(self, event) -> None:
        """Watchdog's handler, in its own thread."""
        if event.event_type in self.READS:
            return
        paths = [os.fsdecode(path) for path in (event.src_path, getattr(event, "dest_path", "")) if path]
        if paths and all(map(self._hidden, paths)):
            return
        with self.lock:
            self._note(event, paths)
        self.loop.add_callback(self._soon)

    def _note(self, event, paths: list[str]) -> None:
        if self.told is None:
            return
        inside = [self._inside(path) for path in paths]
        if not inside:  # a notice naming no file: the system lost track
            self.told = None
        elif event.is_directory:
            if event.event_type != "modified":  # a folder's own times, or a name in it (told for that name)
                self.told = None
        elif None in inside and not all(rel is None for rel in inside):  # moved in or out of content/
            self.told = None
        elif event.event_type in self.WRITES:
            self.told.files.update(rel for rel in inside if rel is not None)
        elif event.event_type in self.NAMES:
            for rel in inside:
                if rel is not None:
                    self.told.files.add(rel)
                    self.told.folders.add(os.path.dirname(rel) or str(self.content))
            if event.event_type == "deleted" and inside[0] is not None:
                self.told.gone.add(inside[0])
        else:  # events lost, or a notice this program does not know
            self.told = None

    def _inside(self, path: str) -> str | None:
        """``path`` as the build names it (``content / …``, as text), or None outside content/."""
        try:
            rel = Path(os.path.abspath(path)).relative_to(Path(os.path.abspath(self.content)))
        except ValueError:
            return None
        return str(self.content / rel)

    def _hidden(self, path: str) -> bool:
        """Inside a dot folder or a dot file (git's, an editor's swap file): never read, never published."""
        for root in self.roots:
            with contextlib.suppress(ValueError):
                return any(part.startswith(".") for part in Path(path).resolve().relative_to(root).parts)
        return True

    def _soon(self) -> None:
        if self.waiting is not None:
            self.loop.remove_timeout(self.waiting)
        self.waiting = self.loop.call_later(self.QUIET, self._build)

    def _build(self) -> None:
        self.waiting = None
        self.rebuild()

    def stop(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=5)
