"""The build cache (构建缓存): results that are slow to make, kept between builds.

Each entry is named by a hash of everything that went into it (the input text and the
versions of this program and of the library that made it), so an entry is either right or
never looked up: nothing has to be invalidated. The entries live in one SQLite file
(``cache.sqlite3``, Python's own sqlite3): a village makes thousands of small entries (QR
codes, Markdown bodies, the text of each page), and one file written in transactions costs a
fraction of a file each. Several builds at once (and the forked render workers) share it
safely; a killed build leaves it whole. The cache lives outside ``--out`` and outside
``content/``, is safe to delete at any time, and keeps itself out of git with its own
``.gitignore``. A cache that cannot be written (read-only disk) or read (damaged) is simply
not used.

Entries end up in the pages (a Markdown body's HTML, a QR code's SVG) and as the published
pictures, so each is sealed with a key that stays on this computer, outside the cache (the
user's settings folder, ``seal_key_path``). A cache copied from elsewhere (a CI cache restored
from another branch, a folder shared on a USB stick) is then not used at all: its script or
a photo's GPS position can never reach the site; the entries are only made again.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import sys
import tempfile
import time
import weakref
from pathlib import Path
from typing import Callable

from villageboard import __version__

FOLDER = Path(".cache") / "villageboard"
STORE = "cache.sqlite3"


def program_digest() -> str:
    """This program's own source: results of another version of it are never trusted."""
    global _program
    if _program is None:
        here = Path(__file__).resolve().parent
        h = hashlib.sha256(__version__.encode())
        for source in sorted(here.rglob("*.py")):
            h.update(source.relative_to(here).as_posix().encode() + b"\0" + source.read_bytes())
        _program = h.hexdigest()
    return _program


_program: str | None = None


def default_root(content: Path) -> Path:
    """``.cache/villageboard`` beside the content folder, i.e. at the village repository's root."""
    override = os.environ.get("VILLAGEBOARD_CACHE")
    return Path(override) if override else content.resolve().parent / FOLDER


def connect(root: Path) -> sqlite3.Connection:
    """The cache's SQLite file, as every part of the build opens it."""
    db = sqlite3.connect(root / STORE, timeout=60, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
    db.execute("PRAGMA synchronous=OFF")  # a lost entry after a power cut is only made again
    return db


def seal_key_path() -> Path:
    """Where this computer's key for sealing cache entries is kept: the user's settings folder."""
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "villageboard" / "cache-key"
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "villageboard" / "cache-key"


def _seal_key() -> bytes | None:
    """The key, made on first use; None (no cache) where the settings folder cannot be written."""
    try:
        path = seal_key_path()
        if path.is_file():
            return _whole(path.read_bytes())
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then linked: a build starting at the same moment reads
        # either no key or the whole key, and the first key made is the one every build keeps.
        fd, draft = tempfile.mkstemp(dir=path.parent)  # readable by this user only
        try:
            os.write(fd, secrets.token_bytes(32))
            os.close(fd)
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
            except OSError:  # a disk without hard links: the last key written wins, which is as good
                os.replace(draft, path)
        finally:
            if os.path.exists(draft):
                os.unlink(draft)
        return _whole(path.read_bytes())
    except (OSError, RuntimeError):  # RuntimeError: no home folder to be found
        return None


def _whole(key: bytes) -> bytes | None:
    return key if len(key) == 32 else None  # anything else was not written by this program


# Entries made are written in batches of this many (or this many bytes), one transaction each: a
# transaction per entry, with the render workers writing side by side, waited on SQLite's lock and
# cost four times the entry itself.
BATCH, BATCH_BYTES = 256, 4 << 20


class Cache:
    def __init__(self, root: Path | None):
        self.root = root
        self.hits = self.misses = 0
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._key: bytes | None = None
        # Sealed entries made by this process and not yet written, by (kind, digest); and those a
        # forked process found waiting in its parent, which the parent writes.
        self._waiting: dict[tuple[str, str], bytes] = {}
        self._inherited: dict[tuple[str, str], bytes] = {}
        self._waiting_bytes = 0
        _every.add(self)
        if root is not None:
            try:
                root.mkdir(parents=True, exist_ok=True)
                ignore = root / ".gitignore"
                if not ignore.exists():
                    ignore.write_text("# 构建缓存，可随时删除，不要提交\n*\n", encoding="utf-8")
            except OSError:
                self.root = None
            self._key = _seal_key()
            if self._key is None:
                self.root = None

    def _seal(self, kind: str, digest: str, value: bytes) -> bytes:
        return hashlib.blake2b(f"{kind}\0{digest}\0".encode() + value, key=self._key, digest_size=16).digest()

    def _store(self) -> sqlite3.Connection | None:
        """This process's connection: a forked worker opens its own, never its parent's."""
        if self.root is None:
            return None
        if self._db is None or self._pid != os.getpid():
            if self._waiting and self._pid:  # forked: the parent writes what it made
                self._inherited = {**self._inherited, **self._waiting}
                self._waiting, self._waiting_bytes = {}, 0
            try:
                db = connect(self.root)
                db.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT, digest TEXT, value BLOB, made INTEGER,"
                           " PRIMARY KEY (kind, digest)) WITHOUT ROWID")
            except sqlite3.Error:
                self.root = None
                return None
            self._db, self._pid = db, os.getpid()
        return self._db

    @staticmethod
    def _digest(key: str, salt: str) -> str:
        # "sealed": entries of versions that did not seal them are other entries, never misread.
        return hashlib.sha256(f"{__version__}\0sealed\0{salt}\0{key}".encode()).hexdigest()

    def text(self, kind: str, key: str, make: Callable[[], str], salt: str = "") -> str:
        """The cached result of ``make()`` for ``key``; made and stored on a miss (an empty
        result is not stored: ``make`` may answer "" for "not known yet")."""
        return self.data(kind, key, lambda: make().encode("utf-8"), salt).decode("utf-8")

    def data(self, kind: str, key: str, make: Callable[[], bytes], salt: str = "") -> bytes:
        """Like ``text``, for bytes (rendered PDF pages)."""
        value = self.get(kind, key, salt)
        if value is not None:
            self.hits += 1
            return value
        self.misses += 1
        result = make()
        if result:
            self.put(kind, key, result, salt)
        return result

    def get(self, kind: str, key: str, salt: str = "") -> bytes | None:
        """The entry for ``key`` if there is one and this computer sealed it."""
        db = self._store()
        if db is None:
            return None
        digest = self._digest(key, salt)
        row = self._waiting.get((kind, digest)) or self._inherited.get((kind, digest))
        if row is None:
            try:
                row = db.execute("SELECT value FROM entries WHERE kind = ? AND digest = ?", (kind, digest)).fetchone()
            except sqlite3.Error:
                row, self.root = None, None
            row = row and row[0]
        if row is not None:
            seal, value = bytes(row[:16]), bytes(row[16:])
            if hmac.compare_digest(seal, self._seal(kind, digest, value)):
                return value
        return None

    def put(self, kind: str, key: str, result: str | bytes, salt: str = "") -> None:
        db = self._store()
        if db is None:
            return
        value = result.encode("utf-8") if isinstance(result, str) else result
        digest = self._digest(key, salt)
        self._waiting[(kind, digest)] = self._seal(kind, digest, value) + value
        self._waiting_bytes += len(value)
        if len(self._waiting) >= BATCH or self._waiting_bytes >= BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write the entries this process made, in one transaction."""
        db = self._store()
        if db is None or not self._waiting:
            return
        made = time.time_ns()
        rows = [(kind, digest, value, made) for (kind, digest), value in self._waiting.items()]
        self._waiting, self._waiting_bytes = {}, 0
        try:
            with db:  # one transaction: BEGIN, then COMMIT (or ROLLBACK on an error)
                db.execute("BEGIN")
                db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)", rows)
        except sqlite3.Error:
            pass

    def count(self, kind: str) -> int:
        """How many entries of ``kind`` there are (of any program version, sealed or not)."""
        self.flush()
        db = self._store()
        try:
            return db.execute("SELECT count(*) FROM entries WHERE kind = ?", (kind,)).fetchone()[0] if db else 0
        except sqlite3.Error:
            return 0

    def entries(self, kind: str) -> dict[str, int]:
        """Each entry of ``kind`` with when it was made (for tests and for looking)."""
        self.flush()
        db = self._store()
        if db is None:
            return {}
        return dict(db.execute("SELECT digest, made FROM entries WHERE kind = ?", (kind,)).fetchall())


_every: weakref.WeakSet[Cache] = weakref.WeakSet()


def flush_all() -> None:
    """Write what every cache of this process made (a worker, before it answers; a build, as it ends)."""
    for cache in list(_every):
        cache.flush()


NONE = Cache(None)
