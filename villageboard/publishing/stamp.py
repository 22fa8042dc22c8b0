"""A build with nothing to do says so at once (Lektor's source info, make's time stamps).

After each successful build a stamp of everything the build read is kept beside the build
database: each content and layout file's size, time, inode and bytes (a content file's digest is
taken again only when it changed since the stamp before, ``_files``), the program's own source,
the git commit and status the history came from, the day, the options; and each file of
the published site as it was left. When all of it is the same, the site would come out the
same to the byte, so the build stops there and repeats the last build's report. This
module imports nothing heavy, so the answer costs little more than starting Python.
"""
from __future__ import annotations

import hashlib
import os
import re
import json
import subprocess
import tempfile
import time
from glob import escape as glob_escape
from pathlib import Path

from villageboard.cache import default_root, program_digest
from villageboard.reading.diagnostics import Report
from villageboard.reading import fingerprint
from villageboard.reading.fingerprint import MAX_SOURCE_BYTES, content_digest


def _files(folder: Path, skip_dots: bool, hashed: bool = False, seen: dict | None = None,
           known: dict | None = None, before: int = 0) -> list[tuple]:
    """Each file under ``folder`` by size, time and inode; with ``hashed``, text-sized files by
    their bytes too: a file system that keeps times to two seconds (a USB stick) can hide a
    quick same-size edit. Photos and PDFs are not read again: a new one has another size.
    ``known``: the digests a stamp before took (at ``before``), by path inside ``folder``, each
    trusted for a file with the very same size, times and inode that had settled by then
    (``fingerprint.settled``: a file written again after that has other times). ``seen`` gets (stat,
    digest) by path for the build, so that it need not look again."""
    found = []
    start = len(os.path.join(folder, ""))  # every path os.walk gives begins with the folder's own
    for top, dirs, files in os.walk(folder):
        if skip_dots:
            dirs[:] = [d for d in dirs if d != ".git"]
        for name in files:
            path = os.path.join(top, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            entry = (path[start:], st.st_size, st.st_mtime_ns, st.st_ino)
            if hashed and st.st_size <= MAX_SOURCE_BYTES:  # photos and PDFs: a new one has another size
                # The change time too: setting a file's time back (as a copy that keeps times does)
                # moves it on. Where it is the creation time (Windows), the write time still moves.
                now = [*entry[1:], st.st_ctime_ns]
                old = known.get(entry[0]) if known else None
                if old is not None and old[4] and old[:4] == now and fingerprint.settled(st, before):
                    digest = bytes.fromhex(old[4])
                else:
                    digest = content_digest(path)
                if known is not None:
                    known[entry[0]] = [*now, digest.hex() if digest else None]
                entry += (digest,)
                if seen is not None:
                    seen[path] = (entry[1:4], entry[4])
            found.append(entry)
    return sorted(found)


def _git(content: Path) -> bytes:
    """The commit and the uncommitted changes the history is read from."""
    out = b""
    for args in (["rev-parse", "HEAD"], ["status", "-z", "--porcelain", "--untracked-files=all", "--", "."]):
        try:
            out += subprocess.run(["git", *args], cwd=content, capture_output=True, timeout=60).stdout + b"\0"
        except (OSError, subprocess.TimeoutExpired):
            out += b"-\0"
    return out


class Taken:
    """The stamp of what a build would read (``digest``), and each content file's size, times,
    inode and digest as it was looked at (``files``), from ``at`` on."""

    def __init__(self, digest: str, files: dict, at: int, stored: dict, head: str = ""):
        self.digest, self.files, self.at = digest, files, at
        self.stored = stored  # the stamp the last build of this --out kept
        self.head = head  # the commit the content's history is read from ("" outside git)

    def rewritten(self, content: Path) -> str | None:
        """The commit the last build of this --out published from, when a change made up to it is no
        longer in the history this one reads (``git commit --amend``, a rebase, another branch): a
        version published then may be gone from the revision records. A history only reworded (as
        E-PRIVACY-COMMIT advises) keeps every change: ``git cherry`` finds each by its patch."""
        before = self.stored.get("head")
        if not isinstance(before, str) or not _COMMIT.fullmatch(before) or not self.head or before == self.head:
            return None
        try:
            ancestor = subprocess.run(["git", "merge-base", "--is-ancestor", before, self.head], cwd=content,
                                      capture_output=True, timeout=60)
            if ancestor.returncode == 0:
                return None
            cherry = subprocess.run(["git", "cherry", self.head, before], cwd=content, capture_output=True,
                                    timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return None
        # Gone from this repository altogether (rewritten elsewhere and cloned again): nothing to compare.
        lost = cherry.returncode != 0 or any(line.startswith(b"+") for line in cherry.stdout.splitlines())
        return before if lost else None


def inputs(content: Path, out: Path, layouts: Path, today, drafts: bool, preview: bool,
           seen: dict | None = None) -> Taken:
    """The stamp of what a build into ``out`` would read; ``seen``: as ``_files``, for the content's
    files. A content file unchanged since the stamp the last build kept is not read again."""
    at = time.time_ns()
    stored = _stored(content, out)
    earlier = stored.get("files")
    files = {key: value for key, value in earlier.items() if _entry(value)} if isinstance(earlier, dict) else {}
    before = stored["at"] if isinstance(stored.get("at"), int) else 0
    h = hashlib.sha256(f"{program_digest()}\0{today}\0{drafts}\0{preview}\0{os.environ.get('TZ')}\0"
                       f"{time.tzname}\0{layouts.resolve()}\0{content.resolve()}".encode())
    listed = _files(content, skip_dots=True, hashed=True, seen=seen, known=files, before=before)
    h.update(repr(listed).encode())
    h.update(repr(_files(layouts, skip_dots=False, hashed=True)).encode())
    git = _git(content)
    h.update(git)
    names = {entry[0] for entry in listed}
    head = git.split(b"\0", 1)[0].strip().decode("ascii", "replace")
    return Taken(h.hexdigest(), {key: value for key, value in files.items() if key in names}, at, stored,
                 head if _COMMIT.fullmatch(head) else "")


def _entry(value) -> bool:
    """Whether a stored file's entry is one ``_files`` wrote (four whole numbers and a digest): a
    damaged stamp must make the build look again, never end it."""
    return (isinstance(value, list) and len(value) == 5 and all(type(n) is int for n in value[:4])
            and (value[4] is None or (isinstance(value[4], str) and _HEX.fullmatch(value[4]) is not None)))


_HEX = re.compile(r"[0-9a-f]{32}")
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # a commit id, SHA-1 or SHA-256


def _stored(content: Path, out: Path) -> dict:
    try:
        stored = json.loads(_where(content, out).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # no stamp, a damaged one: look at everything
        return {}
    return stored if isinstance(stored, dict) else {}


def _where(content: Path, out: Path) -> Path:
    return default_root(content) / "builds" / (hashlib.sha256(os.fsencode(out.resolve())).hexdigest()[:16] + ".stamp")


def unchanged(content: Path, out: Path, stamp: Taken) -> tuple[Report, int] | None:
    """The last build's report and page count when nothing it read (``stamp``) or wrote has changed."""
    stored = stamp.stored
    try:
        if (stored.get("inputs") == stamp.digest and stored["site"] == _listing(_files(out, skip_dots=False))
                and not _leftovers(out)):
            return Report.from_json(stored["report"]), int(stored["count"])
    except (OSError, ValueError, KeyError, TypeError):  # an older stamp, a damaged one: build
        pass
    return None


def _listing(files: list[tuple]) -> str:
    """The site's files as ``_files`` lists them, in a digest: forty thousand of them written out
    cost a tenth of a second to keep and to read back."""
    return hashlib.sha256(repr(files).encode("utf-8", "surrogatepass")).hexdigest()


def _leftovers(out: Path) -> bool:
    """A killed build's staging folder is still there: the full build clears it away."""
    out = out.resolve()
    return any(out.parent.glob(f".{glob_escape(out.name)}.building-*")) or any(out.glob(".villageboard-*"))


def save(content: Path, out: Path, report: Report, count: int, stamp: Taken) -> None:
    """Keep the stamp of a successful build; ``stamp`` was taken before the build read anything,
    so a file changed while it ran makes the next build look again."""
    where = _where(content, out)
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=where.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            # JSON, not pickle: a cache folder copied from elsewhere can hold wrong data, never code.
            site = _listing(report.left if report.left is not None else _files(out, skip_dots=False))
            # dumps, not dump: json.dump writes piece by piece in Python, five times slower at 10,000 files.
            f.write(json.dumps({"inputs": stamp.digest, "files": stamp.files, "at": stamp.at, "site": site,
                                "report": report.to_json(), "count": count, "head": stamp.head}, ensure_ascii=False))
        os.replace(tmp, where)
    except OSError:
        pass
