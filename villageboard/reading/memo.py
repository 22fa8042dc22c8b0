"""Reading a file again only when something it was read from changed.

``serve`` builds the preview after every save, and a village keeps years of notices: reading
and checking ten thousand files costs seconds, while a save changes one. So a process that
builds again and again (``builder.Warm``) keeps, per file, what reading it gave: the model,
everything it said to the report (warnings, drafts, the days it changes the site), the files
it linked (attachments, pictures) and the PDF pages it prepared. The next build replays that
instead of reading, when nothing it came from has changed:

- the file itself: its bytes (a digest), and its size, time and inode; a file whose size, times
  and inode are those it had when it was read, and which was last written well before that, is
  not read again to be sure (``fingerprint.settled``, git's "racily clean" rule);
- each file it linked: found at the same place (a link may point elsewhere now), unchanged
  (its bytes too, up to 2 MB);
- its history (git): a commit or an uncommitted change gives the model another history;
- the day of the build, drafts shown or not, and the village's public numbers (the privacy
  scan lets those through).

A file whose reading found an error is never kept: errors stop the build, and are said again
on the next.

``build`` from the command line keeps the memo in the build cache (``store``) and starts from
it (``restore``), as does the first build of ``serve``: a command after an edit replays what
has not changed instead of reading ten thousand files again. The readings are stored from a
process of their own as soon as the reading is done; the digests rendering made of their models
and the manifest's lists are stored beside them after (``store_digests``), and used only beside
readings with the same mark. It is a pickle, the one way to
keep these models whole without writing each kind twice, and pickles run code when loaded, so
it is sealed like every cache entry (``Cache.get``): one that this program did not write on
this computer is never unpickled. The same checks then decide what is replayed.
"""
from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import gc
import io
import itertools
import operator
import os
import pickle
import secrets
import sys
import time
import zlib
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable

from villageboard.cache import Cache, program_digest
from villageboard.reading.diagnostics import Report
from villageboard.reading.fingerprint import content_digest, file_stat, stats


@dataclasses.dataclass
class _Kept:
    """One file's reading, as recorded: what it gave and everything it did to the site."""

    stat: tuple | None
    content: bytes | None  # a digest of the file's bytes
    linked: list[tuple[str, Path, str, Path, tuple, bytes | None]]  # as written, linked from, site path, found at, stat, digest
    result: Any
    # None where the reading said nothing but that it read its own file, and ``pages`` where it
    # prepared none: ten thousand empty reports and dicts were a fifth of what a command restores.
    report: Report | None
    pages: dict | None
    story: bytes | None  # what git said when it was read (``History.story``)
    # Size, times and inode of a file last written well before it was read (``fingerprint.settled``):
    # while they stay the same, so do its bytes, and it need not be read again to be sure.
    settled: tuple | None = None
    # The file has another name (a hard link) outside content/, perhaps, where the system tells of no
    # write (``Told``): it is looked at on every build.
    shared: bool = False


class Told:
    """What the system said changed in content/ since the last build began (``serve``'s ``Saves``),
    so that a save is not followed by a look at each of ten thousand files: the files written,
    made, removed or renamed, and the folders whose lists of names changed. Keys are paths as the
    build makes them (``content / section / name``), as text."""

    def __init__(self):
        self.files: set[str] = set()
        self.folders: set[str] = set()
        # Names removed: perhaps folders, whose files were not named one by one (Windows says a folder
        # removed, or put in the Recycle Bin, is a file removed).
        self.gone: set[str] = set()

    def names(self, path: str) -> bool:
        """Whether what the system told names ``path`` or a folder above it."""
        return path in self.files or bool(self.gone) and any(path.startswith(g + os.sep) for g in self.gone)

    def renamed_in(self, folder: str | None) -> bool:
        """Whether a name may have been made, removed or renamed in ``folder`` (None: anywhere)."""
        return bool(self.folders) if folder is None else folder in self.folders or self.names(folder)


class Memo:
    def __init__(self, seen: dict | None = None, watched: bool = False):
        # The size, time, inode and digest of each source, by path, as the command line's stamp found
        # them just before the build: not looked at twice. A file saved since is read by the next
        # command, whose stamp differs; this one publishes it as the stamp has it.
        self.seen = seen or {}
        self.kept: dict[tuple, _Kept] = {}  # by the file and what else its reading depends on
        self._last: dict[tuple, _Kept] = {}
        self.replayed: list = []  # this build's models that were kept, not read: the same objects as before
        self.history = None  # the content's git history as the last build read it
        self.read_anew = 0  # files this build read rather than replayed
        self.digests: dict | None = None  # what rendering worked out of the models (``record.Digests.models``)
        self.search = None  # what the search index worked out (``kinds/search.Remembered``), kept with them
        self.sources: dict[tuple, str] = {}  # each page's list of sources as the manifest writes it
        # The last build's pages, by path, that the next may take as they are (``planning/pages.same_pages``).
        self.pages: dict[str, Any] = {}
        self._stored_index = None  # the search index's documents, as the stored memo has them
        self._search_from: tuple | None = None  # where the stored memo's search part is, until ``searched``
        self._stored_story: bytes | None = None  # the history's, as the stored memo has it
        self._stored_digests = 0  # how many models' digests the stored memo has
        # The mark of the readings as stored: the digests, stored apart, count only beside the same.
        self.mark: bytes | None = None
        self._stored_mark: bytes | None = None
        self._stored_pages: dict[str, Any] = {}  # the pages as the stored memo has them
        self._base: _Base | None = None  # the readings as last stored whole, when this build started from them
        self._paths: dict[tuple[Path, str], Path] = {}
        # What changed since the last build began, when the system told all of it (``Told``); None
        # when it may not have: then each file is looked at.
        self.told: Told | None = None
        self._listings: dict[tuple, tuple] = {}  # what ``listed`` gives, by folder and what was asked
        self.checked: tuple | None = None  # what the last build's look at every name found (``planning/site.py``)
        self._again: dict[str, tuple[list, Any]] = {}  # what ``again`` made last, and from what
        self._unchanged: set[int] | None = None  # ids of ``replayed``, once asked
        self.builds = 0  # builds begun (``start``)
        # For a process the system tells of each save (``serve``): each ``read_each``'s files are kept
        # as a group, to replay as a whole.
        self.watched = watched
        self._groups: dict[tuple, _Group] = {}  # each ``read_each``'s files as the last build read them

    def restore(self, cache: Cache, content: Path) -> None:
        """Start from the memo the last command-line build of ``content`` stored, if any."""
        data = _get(cache, _STORED, content)
        if data is None:
            return
        with _uncollected():
            try:
                self.mark, self.kept, self.history, self._paths, pages = pickle.loads(data)
                self._base = _Base(self.mark, list(self.kept.items()), pages, self.history, list(self._paths.values()))
                changes = _get(cache, _STORED_CHANGES, content)
                if changes is not None and changes.startswith(self.mark):
                    self.mark, self.kept, paths, pages = self._base.changed(changes[len(self.mark):])
                    self._paths.update(paths)
                self.pages = {page.path: page for page in pages}
                self._digests_from(_get(cache, _STORED_DIGESTS, content))
                self._search_from = (cache, content)
            except Exception:  # sealed by this program, so never expected: then read everything, as without it
                self.kept, self.history, self._paths, self.digests, self.search, self.sources = {}, None, {}, None, None, {}
                self.pages = {}
                self.mark = self._base = None
            finally:
                # And what arrived is set aside from collection until the build ends (``builder``): the
                # rest of the reading makes enough objects to start collections that would walk it all.
                gc.freeze()
        self._stored_story = getattr(self.history, "story", None)
        self._stored_digests = len(self.digests) if self.digests is not None else 0
        self._stored_mark = self.mark
        self._stored_pages = self.pages

    def searched(self, empty: Callable[[], Any]):
        """What the search index worked out (``search``), from the stored memo the first time it is
        asked: by the process that makes the index (``builder``), which a command forks for it, so
        that the build itself does not wait a tenth of a second at 10,000 notices for what it never
        uses. ``empty()`` when nothing was stored."""
        if self._search_from is not None:
            (cache, content), self._search_from = self._search_from, None
            with _uncollected():
                try:
                    index = _get(cache, _STORED_INDEX, content)
                    self.search = pickle.loads(index) if index is not None else None
                except Exception:  # sealed by this program, so never expected: then index afresh
                    self.search = None
            self._stored_index = getattr(self.search, "numbered", None)
        if self.search is None:
            self.search = empty()
        return self.search

    def _digests_from(self, data: bytes | None) -> None:
        """The digests and lists of sources stored beside the readings, when stored beside these very ones."""
        if data is None:
            return
        mark, digests, self.sources = pickle.loads(data)
        if mark != self.mark or len(digests) != len(self.kept) + len(self.pages):
            self.sources = {}
            return
        self.digests = {id(model): (model, digest) for model, digest in zip(self.results(), digests)
                        if digest is not None}

    def stored(self) -> tuple[bytes | None, dict[str, Any]]:
        """The mark and the pages of the stored memo this build started from."""
        return self._stored_mark, self._stored_pages

    def readings_changed(self) -> bool:
        """Whether this build read anything the stored memo does not have. The readings to store then
        get a new mark, which the digests stored after them carry too."""
        changed = bool(self.read_anew) or self.kept.keys() != self._last.keys() or \
            getattr(self.history, "story", None) != self._stored_story or self.mark is None or \
            self.pages.keys() != self._stored_pages.keys() or \
            any(page is not self._stored_pages[path] for path, page in self.pages.items())
        if changed:
            self.mark = secrets.token_bytes(16)
        return changed

    def store(self, cache: Cache, content: Path) -> None:
        """Keep this build's readings in the build cache for the next command: in a process of its
        own, started as soon as the reading is done (pickling ten thousand notices takes half a
        second), while the digests are still being worked out (``store_digests``). Where the stored
        readings this build started from hold nearly all of them, only what changed since those is
        stored (``_Base.changes``): an edit of one notice then stores a few pages' worth."""
        try:
            changes = self._base.changes(self) if self._base is not None else None
            if changes is not None:
                _put(cache, _STORED_CHANGES, content, self._base.mark + changes)
                return
            # The paths too: the same objects as in the readings (a path costs more to unpickle than to
            # look up), and making ten thousand of them again would cost a third of what is saved.
            used = {whole[0] for whole in self.kept}
            paths = {key: path for key, path in self._paths.items() if path in used}
            data = pickle.dumps((self.mark, self.kept, _sharing(self.history, used), paths, list(self.pages.values())),
                                pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):  # a model that cannot be kept: the next reads it
            return
        _put(cache, _STORED, content, data)

    def store_digests(self, cache: Cache, content: Path) -> None:
        """Keep, beside the readings (by their mark), the digests rendering worked out of the models
        (by the readings' order) and the manifest's lists of sources, when there is more of them than
        the stored memo has (a first build digests nothing: it renders every page)."""
        digests = self.digests or {}  # of these models and perhaps others: by id, as it holds each
        found = [known[1] if known is not None else None for known in map(digests.get, map(id, self.results()))]
        if self.mark == self._stored_mark and len(found) - found.count(None) <= self._stored_digests:
            return
        _put(cache, _STORED_DIGESTS, content, pickle.dumps((self.mark, found, self.sources), pickle.HIGHEST_PROTOCOL))

    def store_search(self, cache: Cache, content: Path) -> None:
        """Keep what the search index worked out (its own entry: it is stored by the process that
        makes the index) when its documents are not those of the stored one."""
        if self.search is None or self.search.numbered == self._stored_index:
            return
        _put(cache, _STORED_INDEX, content, pickle.dumps(self.search, pickle.HIGHEST_PROTOCOL))

    def results(self) -> list:
        """The models of this build's readings that can be kept, and its pages that can (their digests
        are kept with them)."""
        return [kept.result for kept in self.kept.values()] + list(self.pages.values())

    def path(self, folder: Path, name: str) -> Path:
        """``folder / name``, the same object as in earlier builds: making ten thousand paths
        costs more than replaying ten thousand kept files."""
        found = self._paths.get((folder, name))
        if found is None:
            found = self._paths[(folder, name)] = folder / name
        return found

    def start(self) -> None:
        """A new build: what the last one read may be replayed; what it does not read again is let go."""
        self._last, self.kept, self.replayed, self.read_anew = self.kept, {}, [], 0
        self._unchanged = None
        self.builds += 1

    def again(self, key: str, models: list, make: Callable[[], Any], patch: Callable[..., Any] | None = None):
        """``make()``, or what it gave the build before under ``key`` where ``models``, all it is made
        from, are the very models it was made from and each was replayed unchanged (the rule of
        ``planning/pages.same_pages``): a save in ``serve`` asks for the same words and orders of
        ten thousand notices again and again. Where some of them changed, ``patch(made, gone,
        added)`` may make it from what the build before made (None where it cannot): ``gone``, the
        models that are no longer among ``models``; ``added``, those that were not."""
        before = self._again.get(key)
        made = None
        if before is not None:
            old, made = before
            unchanged = self.unchanged()
            moved = moved_in(old, models) if len(old) == len(models) else None
            if moved == [] and unchanged.issuperset(map(id, models)):
                return made
            if patch is None:
                made = None
            elif moved is not None and len(moved) <= 64 and \
                    unchanged.issuperset(map(id, itertools.compress(models, map(operator.is_, old, models)))):
                # A save changed a few in place: what changed is found where they stand (sets of ten
                # thousand ids cost ten times as much).
                made = _patched(made, [old[n] for n in moved], [models[n] for n in moved], unchanged, patch)
            else:
                made = _patched(made, old, models, unchanged, patch)
        if made is None:
            made = make()
        self._again[key] = (list(models), made)  # a copy: a list a kind adds to later is not what it was made from
        return made

    def unchanged(self) -> set[int]:
        """The ids of this build's models replayed unchanged (``replayed``), once a build."""
        if self._unchanged is None:
            self._unchanged = set(map(id, self.replayed))
        return self._unchanged

    def forget_stored(self) -> None:
        """Let go of what only storing needs (``serve`` never stores): the stored readings' objects
        that later saves replace need not stay in memory beside them."""
        self._base, self._stored_pages = None, {}

    def known(self) -> int:
        """How many readings the last build (or the stored memo) kept, that this one may replay."""
        return len(self._last)

    def listed(self, key: tuple, folder: str | None, listing: Callable[[], tuple]) -> tuple:
        """``listing()``, a folder's names as a build found them (``folder`` None: all of content/'s):
        those of the last build where the system told of no name made, removed or renamed there
        since (``Told``)."""
        kept = self._listings.get(key)
        if kept is None or self.told is None or self.told.renamed_in(folder):
            kept = self._listings[key] = listing()
        return kept

    def group(self, key: tuple, paths: list[Path], site) -> "_Group | None":
        """The files ``read_each`` read under ``key`` in the last build, where they are these very
        paths and may be replayed as a whole: the system told of every file written since
        (``Told``; a folder removed is not told file by file), and git, the day, drafts and the
        public numbers are as they were."""
        group = self._groups.get(key)
        if group is None or self.told is None or self.told.gone or self.seen or group.build != self.builds - 1 \
                or group.story != site.history.story or len(group.paths) != len(paths) \
                or not all(map(operator.is_, paths, group.paths)):
            return None
        if paths and group.wholes[0][2:] != (site.today, site.drafts, site.village.public_phones):
            return None
        return group

    def grouped(self, group: "_Group") -> None:
        self._groups[group.key] = group

    def valid(self, site, whole: tuple) -> _Kept | None:
        """What the last build kept of this reading, if everything it came from is as it was."""
        kept = self._last.get(whole)
        if kept is None:
            return None
        seen = self.seen.get(str(whole[0])) if self.seen else None
        if seen is not None:
            stat, content = seen
        elif self.told is not None and kept.stat is not None and not kept.shared \
                and not self.told.names(str(whole[0])):
            # ``serve``, told of every save since the last build: ten thousand files a save.
            return kept if (not kept.linked or _still_linked(kept)) and _same_history(kept, site) else None
        elif kept.settled is not None and stats(whole[0], time.time_ns())[1] == kept.settled:
            stat, content = kept.stat, kept.content  # ``serve``: ten thousand files not read on every save
        else:
            stat, content = file_stat(whole[0]), content_digest(whole[0])
        if kept.stat == stat and kept.content == content and _still_linked(kept) and _same_history(kept, site):
            return kept
        return None


def _patched(made, was: list, now: list, unchanged: set[int], patch: Callable[..., Any]):
    """``Memo.again``'s ``patch`` of ``made``, where the models that were ``was`` are now ``now``
    (all of them, or those at the few places that changed): None where one is there twice, or one
    in both was not replayed unchanged."""
    was_ids, now_ids = set(map(id, was)), set(map(id, now))
    if len(was_ids) != len(was) or len(now_ids) != len(now) or not unchanged >= was_ids & now_ids:
        return None
    return patch(made, [m for m in was if id(m) not in now_ids], [m for m in now if id(m) not in was_ids])


class _Base:
    """The readings as last stored whole, and what changed since, stored apart. What changed is
    pickled with every object it shares with them (a notice a listing shows, a file's path) stored
    as a reference to theirs, so that an edit stores a few objects rather than ten thousand notices
    again; and it is loaded back onto those very objects."""

    # Stored whole again once more than this share of the readings and pages is new.
    MOST = 0.125

    def __init__(self, mark: bytes, items: list[tuple], pages: list, history, paths: list):
        self.mark, self.items, self.pages, self.history, self.paths = mark, items, pages, history, paths

    def changes(self, memo: "Memo") -> bytes | None:
        """What changed in ``memo`` since, or None when it is to be stored whole (its history too)."""
        if getattr(memo.history, "story", None) != getattr(self.history, "story", None):
            return None
        shared: dict[int, tuple[str, int]] = {}
        for number, (_, kept) in enumerate(self.items):
            shared[id(kept)] = ("k", number)
            if kept.result is not None:
                shared[id(kept.result)] = ("r", number)
        shared.update((id(page), ("p", number)) for number, page in enumerate(self.pages))
        shared.update((id(path), ("f", number)) for number, path in enumerate(self.paths))
        items = [ref[1] if (ref := shared.get(id(kept))) and ref[0] == "k" and self.items[ref[1]][0] == whole
                 else (whole, kept) for whole, kept in memo.kept.items()]
        pages = [ref[1] if (ref := shared.get(id(page))) and ref[0] == "p" else page for page in memo.pages.values()]
        new = sum(type(item) is not int for item in items) + sum(type(page) is not int for page in pages)
        if new > self.MOST * (len(items) + len(pages)):
            return None
        stored = {id(path) for path in self.paths}
        paths = {key: path for key, path in memo._paths.items() if id(path) not in stored}
        buffer = io.BytesIO()
        _Referring(buffer, shared).dump((memo.mark, items, paths, pages))
        return buffer.getvalue()

    def changed(self, data: bytes) -> tuple[bytes, dict, dict, list]:
        """The mark, readings, new paths and pages that ``changes`` stored, on these objects."""
        objects = {"k": [kept for _, kept in self.items], "r": [kept.result for _, kept in self.items],
                   "p": self.pages, "f": self.paths}
        mark, items, paths, pages = _Referred(io.BytesIO(data), objects).load()
        kept = dict(self.items[item] if type(item) is int else item for item in items)
        return mark, kept, paths, [self.pages[page] if type(page) is int else page for page in pages]


class _Referring(pickle.Pickler):
    def __init__(self, file, shared: dict[int, tuple[str, int]]):
        super().__init__(file, pickle.HIGHEST_PROTOCOL)
        self.shared = shared

    def persistent_id(self, value):
        return self.shared.get(id(value))


class _Referred(pickle.Unpickler):
    def __init__(self, file, objects: dict[str, list]):
        super().__init__(file)
        self.objects = objects

    def persistent_load(self, ref):
        return self.objects[ref[0]][ref[1]]


@contextlib.contextmanager
def _uncollected():
    """Half a million objects arrive: collecting as they do takes four times as long."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _sharing(history, paths: set[Path]):
    """``history`` keyed by the very path objects the readings hold, where they are equal: git's
    names for ten thousand notices would otherwise be ten thousand more paths to unpickle."""
    if history is None or not getattr(history, "files", None):
        return history
    same = {path: path for path in paths}
    history = copy.copy(history)  # the build's own is left as it is
    history.files = {same.get(path, path): revisions for path, revisions in history.files.items()}
    history.changes = {same.get(path, path): changes for path, changes in history.changes.items()}
    return history


_STORED = "reading"  # the build cache's kind for a stored memo
_STORED_CHANGES = "reading-changes"  # and for what changed since it was stored (``_Base``)
_STORED_INDEX = "search-index"  # and for what its search index worked out
_STORED_DIGESTS = "reading-digests"  # and for the digests of its models and the manifest's lists


def _put(cache: Cache, kind: str, content: Path, data: bytes) -> None:
    # One entry per content folder, whichever version wrote it: an upgrade leaves no stale copy behind.
    cache.put(kind, str(content.resolve()), _stored_version() + zlib.compress(data, 1))


def _get(cache: Cache, kind: str, content: Path) -> bytes | None:
    """The pickle ``_put`` stored, when this very version of the program and its libraries wrote it."""
    data, version = cache.get(kind, str(content.resolve())), _stored_version()
    return zlib.decompress(data[len(version):]) if data is not None and data.startswith(version) else None


def _stored_version() -> bytes:
    # Models are pickled by their classes' layout and hold what libraries made of the text (a Markdown
    # body's HTML, a PDF's pages): another version of this program, of Python or of one of them reads afresh.
    return f"{program_digest()}\0{sys.version}\0{_libraries()}\0".encode()


@functools.cache  # those this process has loaded: looking a version up costs a few milliseconds a time
def _libraries() -> str:
    return " ".join(version(name) for name in ("markdown", "nh3", "pyyaml", "pillow", "pypdfium2"))


def moved_in(these: list, those: list) -> list[int]:
    """The places where ``these`` and ``those`` hold other objects, found in C: a save changes a few of
    ten thousand, and a look at each place from Python cost ten times as much."""
    return list(itertools.compress(itertools.count(), map(operator.is_not, these, those)))


def resorted(made: list, gone: list, added: list, key: Callable[[Any], Any], greatest_first: bool = False) -> list | None:
    """``made``, sorted by ``key`` (with ``greatest_first``, the greatest first), without ``gone``
    and with ``added``, each put in its place by a binary search: what a save changed patched into
    the order of ten thousand (``Memo.again``'s ``patch``). None where a sort would do as well, or
    where an entry added is as great as one there: a sort keeps those in the order they were given,
    which this cannot know."""
    if len(gone) + len(added) > 64:
        return None
    gone = set(map(id, gone))
    found = [n for n in made if id(n) not in gone] if gone else list(made)
    for n in added:
        order, low, high = key(n), 0, len(found)
        while low < high:  # the first entry not before n
            middle = (low + high) // 2
            if (key(found[middle]) > order) if greatest_first else (key(found[middle]) < order):
                low = middle + 1
            else:
                high = middle
        if low < len(found) and key(found[low]) == order:
            return None
        found.insert(low, n)
    return found


def read_each(site, paths: list[Path], reader: Callable[[Path], Any], *key) -> list:
    """``reader(path)`` for every path, in order. ``key``: what else the reading depends on (the
    section). Each reading is recorded (``_Kept``) and replayed into the site, so that it can be
    kept for the next build (``site.memo``, in ``serve``) and replayed then instead of reading.

    Reading on every core this way was tried and is slower on two cores: sending a model back
    from a worker costs about as much as reading it (the Markdown body comes from the cache), so
    only a first build converts the bodies on every core (``markup.prepare``)."""
    memo = site.memo
    group = memo.group(key, paths, site) if memo else None
    if group is not None:
        return _read_group(site, group, reader)
    results, wholes, kepts = [], [], []
    today, drafts, phones = site.today, site.drafts, site.village.public_phones
    for path in paths:
        whole = (path, key, today, drafts, phones)
        kept = memo.valid(site, whole) if memo else None
        if kept is not None:
            memo.replayed.append(kept.result)
            memo.kept[whole] = kept
        else:
            kept = _record(site, reader, path)
            if memo:
                memo.read_anew += 1
            if memo and not (kept.report and kept.report.errors) and kept.content is not None:
                memo.kept[whole] = kept
        _replay(kept, site, path)
        results.append(kept.result)
        wholes.append(whole)
        kepts.append(kept)
    if memo and memo.watched:
        memo.grouped(_Group(key, list(paths), wholes, kepts, site.history.story, memo.builds))
    return results


def _read_group(site, group: "_Group", reader: Callable[[Path], Any]) -> list:
    """``read_each`` of the files of ``group``, when the system told all that changed since the last
    build read them (``Memo.group``): those it named, and those to look at on every build
    (``_Group.apart``), are replayed or read one by one, in order; the others as a whole. Ten
    thousand notices replayed one by one were a tenth of a save."""
    memo, report, history = site.memo, site.report, site.history
    named = {n for path in memo.told.files if (n := group.index.get(path)) is not None}
    # What the quiet readings did to the site: their own file read, and their history kept.
    report.read.update(group.quiet)
    report.read.difference_update(group.paths[n] for n in named)  # as the reading says now
    history.keep_all(group.histories)
    results, kepts, fresh = group.results, group.kept, []  # fresh: positions read again, not replayed
    for n in sorted(named | group.apart):
        whole, path = group.wholes[n], group.paths[n]
        if n in named:  # written since: its history as git and the file's time tell it now
            history.forget(path)
        kept = memo.valid(site, whole)
        if kept is None:
            kept = _record(site, reader, path)
            memo.read_anew += 1
            fresh.append(n)
        _replay(kept, site, path)
        group.changed(n, kept)
    memo.kept.update(group.by_whole)  # from a dict: ten thousand keys not hashed again
    start = 0
    for n in fresh:  # the replayed ones, in order, but for those read again
        memo.replayed += results[start:n]
        start = n + 1
    memo.replayed += results[start:]
    for n in fresh:
        if (kepts[n].report and kepts[n].report.errors) or kepts[n].content is None:  # never kept
            del memo.kept[group.wholes[n]]
    group.build = memo.builds
    return list(results)


class _Group:
    """The files of one ``read_each``, as the last build read them, to replay as a whole."""

    def __init__(self, key: tuple, paths: list[Path], wholes: list[tuple], kept: list[_Kept], story, build: int):
        self.key, self.paths, self.wholes, self.kept, self.story, self.build = key, paths, wholes, list(kept), story, build
        self.results: list = [None] * len(kept)
        self.index = {str(path): n for n, path in enumerate(paths)}  # what ``Told`` names
        # Looked at one by one on every build: a reading that said something (in the order the build
        # says it), linked a file (it may have changed unseen), or whose file the system does not tell of.
        self.apart: set[int] = set()
        self.quiet: set[Path] = set()  # the files of the others
        self.histories: dict[Path, Any] = {}  # by the model's path
        self.by_whole: dict[tuple, _Kept] = {}
        for n, one in enumerate(kept):
            self.changed(n, one)

    def changed(self, n: int, kept: _Kept) -> None:
        """The reading at ``n`` is now ``kept``."""
        if kept.report is not None or kept.linked or kept.pages or kept.stat is None or kept.shared \
                or kept.content is None:
            self.apart.add(n)
            self.quiet.discard(self.paths[n])
        else:
            self.apart.discard(n)
            self.quiet.add(self.paths[n])
        was, history = getattr(self.results[n], "history", None), getattr(kept.result, "history", None)
        if was is not None:
            self.histories.pop(self.results[n].path, None)
        if history is not None:
            self.histories[kept.result.path] = history
        self.kept[n], self.results[n], self.by_whole[self.wholes[n]] = kept, kept.result, kept


def _record(site, reader: Callable[[Path], Any], path: Path) -> _Kept:
    """``reader(path)`` with what it says and links caught, not yet told to the site."""
    report, assets, pages = site.report, site.assets, site.attachment_pages
    keeping = site.memo is not None  # what the reading came from is looked at only where it can be kept
    noting = _Noting(assets, keeping)
    stat, settled, shared = stats(path, time.time_ns()) if keeping else (None, None, False)
    kept = _Kept(stat, None, noting.linked, None, Report(), {}, site.history.story, settled, shared)
    site.report, site.assets, site.attachment_pages = kept.report, noting, kept.pages
    try:
        kept.result = reader(path)
    finally:
        site.report, site.assets, site.attachment_pages = report, assets, pages
    # The digest of the very bytes the model was made from (``sources.read_text`` notes it), not of the
    # file looked at again: one saved while it was being read differs from them, and is read next time.
    kept.content = kept.report.held.pop(path, None) if keeping else None
    said = kept.report
    if not (said.items or said.held or said.drafts or said.changes) and said.read == {path}:
        kept.report = None
    kept.pages = kept.pages or None
    return kept


def _replay(kept: _Kept, site, path: Path) -> None:
    report = site.report
    if kept.report is None:
        report.read.add(path)
    else:
        report.items += kept.report.items
        report.read |= kept.report.read
        report.drafts += kept.report.drafts
        report.changes += kept.report.changes
    for _, _, out, found, _, _ in kept.linked:
        site.assets.files[out] = found
    if kept.pages:
        site.attachment_pages.update(kept.pages)


def _still_linked(kept: _Kept) -> bool:
    for written, source, _, found, stat, content in kept.linked:
        try:
            if (source.parent / written).resolve() != found:
                return False
        except (OSError, RuntimeError):
            return False
        if file_stat(found) != stat or content_digest(found) != content:
            return False
    return True


def _same_history(kept: _Kept, site) -> bool:
    """The model's history is the one git gives now; then the new build shares the kept record."""
    old = getattr(kept.result, "history", None)
    if old is None:
        return True
    history = site.history
    # A file's history is all git says about it, and the file's time: both as they were.
    if kept.story is None or kept.story != history.story:
        now = history.of(kept.result.path)
        if now is old:
            return True
        if (now.revisions, now.modified, now.uncommitted, now.changes) != \
                (old.revisions, old.modified, old.uncommitted, old.changes):
            return False
    history.keep(kept.result.path, old)
    return True


class _Noting:
    """The site's assets, noting each file a reading linked."""

    def __init__(self, assets, keeping: bool):
        self.assets, self.files, self.content_root = assets, assets.files, assets.content_root
        self.keeping = keeping
        self.linked: list[tuple[str, Path, str, Path, tuple, bytes | None]] = []

    def add(self, target: str, source: Path, line: int, report: Report, *rest, **named) -> str | None:
        found = self.assets.add(target, source, line, report, *rest, **named)
        if found is not None:
            where = self.files[found]
            # Replayed in this build only (the command line): where each file was found is enough.
            stat, content = (file_stat(where), content_digest(where)) if self.keeping else (None, None)
            self.linked.append((target.replace("\\", "/"), source, found, where, stat, content))
        return found
