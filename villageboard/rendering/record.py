"""What each output read while it rendered, and the build database that keeps it.

As in Lektor (``lektor/context.py``, ``lektor/builder.py``), nothing is declared by hand:
while a page renders, the template engine notes every template it loads (includes and
extends, dynamic ones too), every name it looks up in the page's context, every output
path it asks about (a link into the kiosk exists or not), and every model it touches that
has a history. After a successful publish the build database keeps, per output file, a
digest of exactly those reads. The next build recomputes the digests from the new site
and renders only outputs whose digest changed; the others are linked from the published
site unchanged. A value that cannot be digested makes its output always render: a missed
change must be impossible, a wasted render is only slow.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import os
import json
import sqlite3
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Any

import jinja2
from jinja2.runtime import Context

from villageboard import cache
from villageboard.planning.pages import has_history
from villageboard.reading.fingerprint import file_stat


@dataclasses.dataclass
class Reads:
    """Everything one output read while it rendered."""

    templates: set[str] = dataclasses.field(default_factory=set)
    names: set[str] = dataclasses.field(default_factory=set)
    exists: dict[str, bool] = dataclasses.field(default_factory=dict)  # planned output path -> planned?
    shown: dict = dataclasses.field(default_factory=dict)  # id -> history of each model it showed (not stored)


_reading: Reads | None = None  # the output rendering now, in this process


def start() -> Reads:
    global _reading
    _reading = Reads()
    return _reading


def stop() -> None:
    global _reading
    _reading = None


def exists(path: str, planned) -> bool:
    """``path in planned``, noted: a link's shape depends on which outputs exist."""
    found = path in planned
    if _reading is not None:
        _reading.exists[path] = found
    return found


def shown_changes() -> list:
    """The last-changed times of the models the current output has shown so far."""
    if _reading is None:
        return []
    return [h.last_changed for h in _reading.shown.values() if h.last_changed]


class _RecordingContext(Context):
    def resolve_or_missing(self, key: str) -> Any:
        if _reading is not None:
            _reading.names.add(key)
        return super().resolve_or_missing(key)


class RecordingEnvironment(jinja2.Environment):
    """A jinja2 environment that tells the current ``Reads`` what a template touches."""

    context_class = _RecordingContext

    def _load_template(self, name, globals):
        if _reading is not None:
            _reading.templates.add(name)
        return super()._load_template(name, globals)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if _reading is not None:
            if has_history(type(obj)):
                history = obj.history
                if history is not None:
                    _reading.shown[id(history)] = history
        return super().getattr(obj, attribute)


class Unknown(Exception):
    """A value with no stable digest: its output is rendered every time."""


_ATOMS = (str, int, float, Decimal, dt.date, dt.time, PurePath, type(None))


class Digests:
    """Stable digests of the values pages read.

    A model's digest covers everything reachable from it, so a page that shows
    ``version.previous.title`` changes when the previous version does. Models that refer to
    each other (a compact's versions, previous and next) are walked once, a model seen again
    on the same walk standing as its place in the walk. A digest depends on the values alone,
    never on what was digested before: a walk starts from a value a page reads, and from each
    item of the village (a model with a history: a notice, a ledger) met on a walk that did
    not start from an item; those digests are kept for the rest of the build. Everything else
    is walked where it is met. So a listing of a thousand notices is digested without walking
    them again, and a process that builds again (``serve``) hands the digests of the items it
    did not read again to the next build (``keep``). Fields named with a leading underscore
    hold working data (an image's pixels), never shown by a template, and are left out.
    """

    def __init__(self):
        self.models: dict[int, tuple[Any, bytes]] = {}
        self._walk: dict[int, int] | None = None  # models met on the current walk -> their order
        self._within_item = False  # the current walk started from an item: items met on it are walked in it

    def keep(self, earlier: dict | None, items) -> None:
        """Take the digests made earlier (``models`` of other ``Digests``) of ``items``, each the
        same object, unchanged since."""
        if earlier is None:
            return
        # By id alone: ``earlier`` holds each of its models, so no other object can have its id. In
        # C-level passes: twenty thousand items taken one by one were a twentieth of a save.
        ids = list(map(id, items))
        found = list(map(earlier.get, ids))
        self.models.update(itertools.compress(zip(ids, found), found))

    def of(self, value: Any) -> bytes:
        h = hashlib.blake2b(digest_size=16)
        self.feed(value, h.update)
        return h.digest()

    def model(self, model: Any) -> bytes:
        """The digest of ``model`` (a dataclass) itself, walked once a build: ``of`` would hash it again."""
        found = self.models.get(id(model))
        if found is None:
            self._model(model, _ignore)
            found = self.models[id(model)]
        return found[1]

    def feed(self, v: Any, out) -> None:
        """Write a stable form of ``v`` to ``out`` (a hash's ``update``)."""
        kind = type(v)
        how = _HOW.get(kind)
        if how is None:
            how = _HOW[kind] = _how(v)
        if how is _STR:  # by far the most common value
            out(b"str:" + v.encode("utf-8", "surrogatepass") + b"\0")
        elif how is _ATOM:
            out(kind.__name__.encode() + b":" + str(v).encode("utf-8", "surrogatepass") + b"\0")
        elif how is _SEQUENCE:
            out(b"[")
            for item in v:
                self.feed(item, out)
            out(b"]")
        elif how is _MAPPING:
            out(b"{")
            for key, item in v.items():
                self.feed(key, out)
                self.feed(item, out)
            out(b"}")
        elif how is _SET:
            out(b"(" + b"|".join(sorted(self.of(item) for item in v)) + b")")
        elif how is _MODEL:
            self._model(v, out)
        elif how is _FUNCTION:
            # The page's helpers (url, qr, mask_phone…) depend only on what else is recorded.
            out(b"fn:" + v.__qualname__.encode())
        else:
            raise Unknown(kind.__qualname__)

    def _model(self, model: Any, out) -> None:
        key = id(model)
        walk, within_item = self._walk, self._within_item
        item = has_history(type(model))
        if walk is not None and (within_item or not item):
            # Walked here even when digested before on a walk of its own: what a model contributes
            # must not depend on which outputs were digested first (the workers digest in another order).
            if key in walk:
                out(b"seen:%d" % walk[key])
                return
            walk[key] = len(walk)
            self._fields(model, out)
            return
        if key not in self.models:
            self._walk, self._within_item = {key: 0}, item
            try:
                h = hashlib.blake2b(digest_size=16)
                self._fields(model, h.update)
                # The model is kept with its digest, so its id cannot pass to a new object this build.
                self.models[key] = (model, h.digest())
            finally:
                self._walk, self._within_item = walk, within_item
        out(self.models[key][1])

    def _fields(self, model: Any, out) -> None:
        kind = type(model)
        names = _FIELDS.get(kind)
        if names is None:
            names = _FIELDS[kind] = [(f.name, f.name.encode() + b"=") for f in dataclasses.fields(kind)
                                     if not f.name.startswith("_")]
        out(kind.__qualname__.encode() + b"(")
        for name, label in names:
            out(label)
            self.feed(getattr(model, name), out)
        out(b")")


def _ignore(_: bytes) -> None:
    pass


# How each type is digested, worked out from its first value (a digest walks a million values).
_STR, _ATOM, _SEQUENCE, _MAPPING, _SET, _MODEL, _FUNCTION, _UNKNOWN = (object() for _ in range(8))
_HOW: dict[type, object] = {}
_FIELDS: dict[type, list[tuple[str, bytes]]] = {}


def _how(v: Any) -> object:
    if type(v) is str:
        return _STR
    if isinstance(v, _ATOMS):
        return _ATOM
    if isinstance(v, (list, tuple)):
        return _SEQUENCE
    if isinstance(v, dict):
        return _MAPPING
    if isinstance(v, (set, frozenset)):
        return _SET
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return _MODEL
    if callable(v) and hasattr(v, "__qualname__"):
        return _FUNCTION
    return _UNKNOWN


def sha(data: str | bytes) -> bytes:
    """The digest of an output file's bytes (``Entry.sha``), as the build id sums them."""
    return hashlib.blake2b(data.encode() if isinstance(data, str) else data, digest_size=16).digest()


@dataclasses.dataclass
class Entry:
    """The build database's record of one published output file."""

    names: tuple[str, ...]
    templates: tuple[str, ...]
    exists: dict[str, bool]  # read only: entries that asked about the same links share one
    digest: bytes  # of the values of ``names``, the templates' text and ``exists``
    sha: bytes  # of the output's bytes, for the build id
    stat: tuple[int, int, int]  # size, mtime_ns, inode of the published file


def program_digest(layouts: Path) -> str:
    """The program itself and where its templates are: a change to either starts afresh."""
    return hashlib.sha256(f"{cache.program_digest()}\0{layouts.resolve()}".encode()).hexdigest()


class Database:
    """Per ``--out``: the entries of the site published there, saved after each publish.

    It lives in the build cache's SQLite file, one row per output (safe to delete: the next
    build renders everything), so that a build that renders a handful of pages writes a
    handful of rows. A row is trusted only for a file whose size, time and inode are still
    as published: whichever build wrote it last, it describes exactly that file or none.
    """

    def __init__(self, cache_root: Path | None, out: Path, program: str, setting: str):
        self.site = hashlib.sha256(os.fsencode(out.resolve())).hexdigest()[:16]
        self.program = program
        self.setting = setting  # what every page depends on (e.g. preview or not)
        self.entries: dict[str, Entry] = {}
        self.published: dict[str, Entry] = {}
        self.fresh: dict[str, Entry] = {}  # the entries made this build (``made``), the rest kept as published
        self._db: sqlite3.Connection | None = None
        self._shapes: dict[tuple, int] = {}  # (names, templates) -> row id: a few dozen serve every output
        self._current = False  # the stored rows were made by this program with these settings
        # What the last publish was made with beside each output's page and reads (``builder._judged``).
        self.judged: tuple[bytes, bytes, bytes] | None = None
        if cache_root is None:
            return
        try:
            self._db = cache.connect(cache_root)
            self._db.executescript(_TABLES)
            self._current = self._db.execute("SELECT program, setting FROM sites WHERE site = ?",
                                             (self.site,)).fetchone() == (program, setting)
            shapes = {}
            for number, names, templates in self._db.execute("SELECT id, names, templates FROM shapes"):
                shapes[number] = (tuple(map(str, json.loads(names))), tuple(map(str, json.loads(templates))))
                self._shapes[shapes[number]] = number
            if self._current:
                found = self._db.execute("SELECT mark, alike, plan FROM judged WHERE site = ?", (self.site,)).fetchone()
                self.judged = tuple(map(bytes, found)) if found else None
                asked: dict[str, dict[str, bool]] = {}  # a thousand different sets of links serve forty thousand outputs
                for rel, shape, exists, digest, sha, size, mtime, inode in self._db.execute(
                        "SELECT rel, shape, present, digest, sha, size, mtime, inode FROM outputs WHERE site = ?",
                        (self.site,)):
                    names, templates = shapes[shape]
                    found = asked.get(exists)
                    if found is None:
                        found = asked[exists] = {str(k): bool(v) for k, v in json.loads(exists).items()}
                    self.published[rel] = Entry(names, templates, found, bytes(digest), bytes(sha), (size, mtime, inode))
        except (sqlite3.Error, ValueError, KeyError, TypeError):  # damaged, or an older layout: render everything
            self.published, self._current, self.judged = {}, False, None

    def made(self, rel: str, entry: Entry) -> None:
        """The entry of an output made this build; one kept as published is put in ``entries`` alone."""
        self.entries[rel] = self.fresh[rel] = entry

    def start(self) -> None:
        """A build begins: nothing is entered yet (a failed build may have begun)."""
        self.entries, self.fresh = {}, {}

    def save(self, out: Path, judged: tuple[bytes, bytes, bytes] | None = None) -> None:
        """Write the rows of outputs rendered this time (a kept one is the same file as before) and
        drop the rows of outputs that are gone, with what the build was made with (``judged``). The
        entries are then the published ones, for a process that builds again (``serve``)."""
        folder = os.path.join(out, "")
        fresh = list((self.fresh if self._current else self.entries).items())
        for rel, entry in fresh:
            entry.stat = file_stat(folder + rel) or (0, 0, 0)
        try:
            self._write(fresh, judged)
        finally:
            self.published, self.judged = self.entries, judged
            self.start()

    def _write(self, fresh: list[tuple[str, Entry]], judged: tuple | None) -> None:
        if self._db is None:
            return
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            if not self._current:
                db.execute("DELETE FROM outputs WHERE site = ?", (self.site,))
                db.execute("INSERT OR REPLACE INTO sites VALUES (?, ?, ?)", (self.site, self.program, self.setting))
            rows = []
            for rel, e in fresh:
                shape = self._shapes.get((e.names, e.templates))
                if shape is None:
                    shape = self._shapes[(e.names, e.templates)] = db.execute(
                        "INSERT INTO shapes (names, templates) VALUES (?, ?)",
                        (json.dumps(e.names), json.dumps(e.templates))).lastrowid
                rows.append((self.site, rel, shape, json.dumps(e.exists, ensure_ascii=False), e.digest, e.sha, *e.stat))
            db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            db.executemany("DELETE FROM outputs WHERE site = ? AND rel = ?",
                           [(self.site, rel) for rel in self.published.keys() - self.entries.keys()])
            db.execute("DELETE FROM judged WHERE site = ?", (self.site,))
            if judged is not None:
                db.execute("INSERT INTO judged VALUES (?, ?, ?, ?)", (self.site, *judged))
            db.execute("COMMIT")
            self._current = True
        except sqlite3.Error:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:
                pass


# Data only (never pickle): a cache copied from elsewhere can hold wrong rows, never code.
_TABLES = """
CREATE TABLE IF NOT EXISTS sites (site TEXT PRIMARY KEY, program TEXT, setting TEXT);
CREATE TABLE IF NOT EXISTS shapes (id INTEGER PRIMARY KEY, names TEXT, templates TEXT);
CREATE TABLE IF NOT EXISTS judged (site TEXT PRIMARY KEY, mark BLOB, alike BLOB, plan BLOB);
CREATE TABLE IF NOT EXISTS outputs (site TEXT, rel TEXT, shape INTEGER, present TEXT, digest BLOB, sha BLOB,
                                    size INTEGER, mtime INTEGER, inode INTEGER, PRIMARY KEY (site, rel)) WITHOUT ROWID;
"""
