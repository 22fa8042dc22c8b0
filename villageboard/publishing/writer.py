"""Publishing the site atomically: build beside ``--out``, swap only on success.

A clerk's broken edit must never take down the published board, and a build must
never delete what this program did not make. So:

- ``--out`` is refused when it could hold anything else (``unsafe``): the sources, a
  git repository, the program itself, a folder above the current one, or a non-empty
  folder without our mark (``version.json`` with a build id).
- One build at a time per ``--out``: a lock file in the temporary folder, named by the path.
- The new site is written into a staging folder beside ``--out`` and exchanged with it
  in one step (Linux ``renameat2(RENAME_EXCHANGE)``), so whenever the build is killed,
  ``--out`` is either the old site or the new one. Staging folders of killed builds
  carry our prefix and are removed by the next build.
- The site before the one swapped out is not thrown away but kept beside ``--out`` as a
  spare (``.site.spare``, POSIX only) and used as the next build's staging folder: bringing it
  up to date costs what changed since, where filling an empty folder cost a link for each of
  the village's forty thousand files (and deleting the old site as many unlinks). A file of
  the spare is taken as published only when it is the very same file (inode) as the one
  in ``--out`` the build database has just found unchanged; anything else there is replaced
  or removed, and it is never written into, as it shares its files with the published site.
  A spare that is a link, or holds one, is not used: it could lead the build out of its folder.
- An ``--out`` that is a mount point cannot be renamed: the staging folder is made
  inside it and its entries are moved in one by one.
- ``serve``'s preview, a folder only the running ``serve`` writes, is updated in place
  (``over``): the staging folder holds only what changed, which is moved in file by file once
  the whole build has succeeded. Linking every unchanged file into a new folder would cost
  more than the rest of a one-notice rebuild of a large village.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from villageboard.reading.fingerprint import file_stat

MARK = "version.json"
PROGRAM = Path(__file__).resolve().parents[2]  # the folder that holds build.py
LOCK_WAIT = 600  # seconds a second build waits for the first before giving up


class OutputRefused(Exception):
    """``--out`` cannot be used; the message is Chinese and says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _is_ours(folder: Path) -> bool:
    try:
        return "build" in json.loads((folder / MARK).read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return False


def unsafe(out: Path, content: Path) -> str | None:
    """Why ``out`` must not be written to, or None when it is safe."""
    out, content = out.resolve(), content.resolve()
    here = Path.cwd().resolve()
    if out == content or content in out.parents:
        return f"输出文件夹 {out} 就是内容文件夹或在它里面，生成会覆盖内容；请换一个，例如 site"
    if out in content.parents:
        return f"输出文件夹 {out} 包含内容文件夹 {content}，生成会把内容删掉；请换一个，例如 site"
    if out == PROGRAM or out in PROGRAM.parents:
        return f"输出文件夹 {out} 是本程序所在的文件夹或它的上级，生成会把程序删掉；请换一个，例如 site"
    if out == here or out in here.parents:
        return f"输出文件夹 {out} 是当前文件夹或它的上级，生成会把它们删掉；请换一个，例如 site"
    if out.exists() and not out.is_dir():
        return f"输出文件夹 {out} 是一个文件，不是文件夹；请换一个名字"
    if out.is_dir():
        if (out / ".git").exists():
            return f"输出文件夹 {out} 里有 .git（一个 git 仓库），生成会把它删掉；请换一个"
        if not _is_ours(out) and any(not p.name.startswith(".villageboard-") for p in out.iterdir()):
            return (f"输出文件夹 {out} 里已有别的文件，不是本程序生成的（没有 {MARK}）；"
                    "为免误删，请换一个空文件夹或先自己清空它")
    return None


class _Lock:
    """One build per ``--out``. The lock is the operating system's, so a killed build frees it.

    The lock file is removed when the lock is let go, so the temporary folder does not fill up
    with them. A build that was waiting may then hold the lock of a file that no longer has its
    name; it checks, and takes the lock again under the name (POSIX; Windows cannot remove a
    file another build holds open, so there it stays)."""

    def __init__(self, path: Path):
        self.path = path
        self.file = None

    def acquire(self) -> None:
        waited = False
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            self.file = open(self.path, "a+b")
            if self._try():
                if self._still_named():
                    return
                self.file.close()  # its last holder has removed it: lock the file now under the name
                continue
            self.file.close()
            if not waited:
                print("另一个生成正在写入同一个输出文件夹，等它结束……", file=sys.stderr)
                waited = True
            if time.monotonic() > deadline:
                self.file = None
                raise OutputRefused("E-OUT-LOCKED", f"另一个生成占用输出文件夹超过 {LOCK_WAIT} 秒，没有生成；请稍后再试")
            time.sleep(0.2)

    def _try(self) -> bool:
        try:
            if os.name == "nt":
                import msvcrt
                self.file.seek(0)
                msvcrt.locking(self.file.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl
                # A record lock, unlike flock, is not inherited by forked render workers.
                fcntl.lockf(self.file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _still_named(self) -> bool:
        if os.name == "nt":
            return True
        try:
            return os.fstat(self.file.fileno()).st_ino == os.stat(self.path).st_ino
        except OSError:
            return False

    def release(self) -> None:
        if self.file:
            if os.name != "nt":
                try:
                    os.unlink(self.path)  # while still locked: no build can hold it under this name
                except OSError:
                    pass
            self.file.close()  # closing releases both kinds of lock
            self.file = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux). False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    # Any failure (an old kernel, a file system without exchange) falls back to two renames.
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _replace(source: str, target: str) -> None:
    """``os.replace``, waiting a moment for a file the preview's web server is sending right now:
    Windows refuses to replace a file that is open."""
    for wait in (0.05, 0.1, 0.2, 0.4, 0.8, None):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if wait is None:
                raise
            time.sleep(wait)


def listed(folder: Path) -> set[str]:
    """Every file under ``folder``, as site paths: names only, no file looked at one by one."""
    return set(_inodes(folder)[0])


def _inodes(folder: Path) -> tuple[dict[str, int], set[str], bool]:
    """Every file under ``folder`` and its inode, which listing a folder gives without a look at
    each file; every folder; and whether any entry is a link (快捷方式)."""
    found, folders, waiting, links = {}, set(), [""], False
    while waiting:
        rel = waiting.pop()
        try:
            with os.scandir(os.path.join(folder, rel)) as entries:
                for entry in entries:
                    path = f"{rel}/{entry.name}" if rel else entry.name
                    links = links or entry.is_symlink()
                    if entry.is_dir(follow_symlinks=False):
                        waiting.append(path)
                        folders.add(path)
                    else:
                        found[path] = entry.inode()
        except OSError:  # gone while listed: what it held is made again
            continue
    return found, folders, links


def _remove(path: str, folder: bool = False) -> None:
    """A file of the spare out of the way, or with ``folder`` a folder of the spare standing where
    a file of the new site goes. Without, a folder is left: made by this build, it holds what it staged."""
    try:
        os.unlink(path)
    except (FileNotFoundError, NotADirectoryError):  # gone already, or with the folder it was in
        pass
    except OSError:
        if not os.path.isdir(path):
            raise
        if folder:
            shutil.rmtree(path)


class AtomicOutput:
    def __init__(self, out: Path, over: set[str] | None = None, spare: bool = True):
        """``over``: every file of ``--out`` as this process published it last, for a folder
        no other program writes to; then the build changes it in place (``serve``). ``spare``:
        whether to keep the site swapped out as the next build's staging folder."""
        self.out = out.resolve()
        self.over = over
        self.spare = self.out.parent / f".{self.out.name}.spare" if spare and over is None and os.name == "posix" else None
        self.reused: dict[str, int] = {}  # the spare's files, when it is the staging folder, and their inodes
        self.reused_folders: set[str] = set()  # and its folders
        self._published = os.path.join(self.out, "")  # joined to every kept path: not os.path.join per file
        self.names: set[str] = set()  # every file of the new site
        self.prefix = f".{self.out.name}.building-"
        self.tmp: Path | None = None
        self.written = 0
        self.changed: list[str] = []  # files whose bytes differ from the published ones, or are new
        self.inside = False  # staging inside --out (a mount point) rather than beside it
        self._folders: set[str] = set()  # folders made in the staging folder so far
        self._after: threading.Thread | None = None
        # The lock lives in the temporary folder, not beside --out where it would show in the village's git.
        key = hashlib.sha256(os.fsencode(self.out)).hexdigest()[:16]
        self.lock = _Lock(Path(tempfile.gettempdir()) / f"villageboard-{key}.lock")

    def __enter__(self) -> "AtomicOutput":
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.lock.acquire()
        try:
            self._clean_leftovers()
            self.inside = self.out.is_dir() and os.path.ismount(self.out)
            if self.inside:
                self.spare = None
                self.tmp = Path(tempfile.mkdtemp(prefix=".villageboard-building-", dir=self.out))
            else:
                self.tmp = self._reuse_spare() or Path(tempfile.mkdtemp(prefix=self.prefix, dir=self.out.parent))
            # mkdtemp makes a private folder; a web server running as another user must read the site.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o777 & ~umask)
        except BaseException:
            self.lock.release()
            raise
        return self

    def _reuse_spare(self) -> Path | None:
        """The spare, renamed as a staging folder: a build killed while it changes it leaves a
        leftover like any other, removed by the next build."""
        if self.spare is None or os.path.islink(self.spare) or not _is_ours(self.spare):
            return None
        tmp = self.out.parent / f"{self.prefix}{secrets.token_hex(6)}"
        try:
            os.rename(self.spare, tmp)
        except OSError:
            return None
        self.reused, self.reused_folders, links = _inodes(tmp)
        if links:  # no build makes one: it could lead what is staged, or removed, out of the folder
            shutil.rmtree(tmp, ignore_errors=True)  # the links themselves, not what they lead to
            self.reused, self.reused_folders = {}, set()
            return None
        # Where listing a folder does not give the inodes a look at the file gives (some layered
        # file systems), no file of the spare is taken as published.
        if MARK not in self.reused or os.stat(tmp / MARK).st_ino != self.reused[MARK]:
            self.reused = dict.fromkeys(self.reused, -1)
        return tmp

    def _clean_leftovers(self) -> None:
        """Staging folders of builds that were killed: ours by name, and no build holds the lock."""
        leftovers = sorted(self.out.parent.glob(self.prefix.replace("[", "[[]") + "*"))
        if not self.out.exists():  # killed between the two renames: the last good site is put back
            kept = [old / "site" for old in leftovers if _is_ours(old / "site")]
            if kept:
                os.replace(kept[0], self.out)
        for old in leftovers:
            shutil.rmtree(old, ignore_errors=True)
        if self.out.is_dir():
            for old in self.out.glob(".villageboard-*"):
                shutil.rmtree(old, ignore_errors=True)

    def _target(self, rel: str) -> str:
        folder = os.path.dirname(rel)
        if folder not in self._folders:  # a site has thousands of files in a few dozen folders
            try:
                os.makedirs(os.path.join(self.tmp, folder), exist_ok=True)
            except OSError:  # a file of the spare stands where the folder goes
                parts = folder.split("/")
                for depth in range(1, len(parts) + 1):
                    if "/".join(parts[:depth]) in self.reused:
                        _remove(os.path.join(self.tmp, *parts[:depth]))
                os.makedirs(os.path.join(self.tmp, folder), exist_ok=True)
            self._folders.add(folder)
        return os.path.join(self.tmp, rel)

    def write(self, rel: str, data: str | bytes) -> None:
        """Stage ``rel``; a file whose bytes are already published is linked, not written again."""
        self.staged(rel, self.stage(rel, data))

    def stage(self, rel: str, data: str | bytes) -> bool:
        """``write`` without the counting, for any process: render workers stage the pages they
        make themselves, as creating thousands of files costs the system more than rendering
        them. True when the bytes are new; then ``staged`` must count them in this process."""
        data = data.encode("utf-8") if isinstance(data, str) else data
        published = os.path.join(self.out, rel)
        try:
            now = os.stat(published)
            if now.st_size == len(data):
                with open(published, "rb") as old:
                    # The same file in both sites: its time and inode stay.
                    if old.read() == data and self.link(rel, now.st_ino):
                        return False
        except OSError:
            pass
        target = self._target(rel)
        try:
            new = open(target, "xb")
        except FileExistsError:  # never written into: a spare's file is also the published one
            _remove(target, folder=rel in self.reused_folders)
            new = open(target, "xb")
        with new:
            new.write(data)
        return True

    def staged(self, rel: str, changed: bool) -> None:
        self.written += 1
        self.names.add(rel)
        if changed:
            self.changed.append(rel)

    def keep(self, rel: str, inode: int) -> bool:
        """Stage the published ``rel`` as it is (the build database knows it would come out the
        same, and has just found it as published, with this inode); False when it is no longer
        there to keep."""
        if not self.link(rel, inode):
            return False
        self.staged(rel, False)
        return True

    def kept_in_place(self, rels: list[str]) -> None:
        """``keep`` for files of a folder changed in place, each still there (``untouched``)."""
        self.written += len(rels)
        self.names.update(rels)

    def untouched(self, rel: str, stat: tuple) -> bool:
        """Whether the published ``rel`` is still the file of this size, time and inode. In a
        folder changed in place, a file still there is as this process left it (only the running
        ``serve`` writes there, and ``over`` says no other build has): listing the folder costs a
        third of looking at each of forty thousand files, which cost a tenth of a save."""
        if self.over is not None:
            return rel in self.over
        return file_stat(self._published + rel) == stat

    def link(self, rel: str, inode: int) -> bool:
        """``keep`` without the counting, for any process (as ``stage``)."""
        if self.over is not None or self.reused.get(rel) == inode:  # already there: in place, or in the spare
            return True
        published, target = os.path.join(self.out, rel), self._target(rel)
        try:
            os.link(published, target)
        except FileExistsError:  # the spare's own, or another file
            try:
                _remove(target, folder=rel in self.reused_folders)
                os.link(published, target)
            except OSError:
                return False
        except OSError:
            return False
        return True

    def _unchanged(self) -> bool:
        """Every file as published already, and none gone: then there is nothing to publish."""
        if self.changed or not self.out.is_dir():
            return False
        if self.over is not None:
            return self.names == self.over
        published = sum(len(files) for folder, _, files in os.walk(self.out)
                        if not Path(folder).relative_to(self.out).parts[:1] or
                        not Path(folder).relative_to(self.out).parts[0].startswith(".villageboard-"))
        return published == self.written

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is not None or self._unchanged():
                # Whatever it holds, nothing in it is taken as published but the very files of --out.
                self._set_aside(self.tmp)
                return
            self._publish()
        finally:
            if self._after is None:  # else released when the spare is ready: no other build may take it half made
                self.lock.release()

    def _publish(self) -> None:
        if self.over is not None:
            self._change_in_place()
            return
        for rel in sorted(self.reused.keys() - self.names):  # what the spare held that this site has not
            _remove(os.path.join(self.tmp, rel))
            with contextlib.suppress(OSError):
                os.removedirs(os.path.dirname(os.path.join(self.tmp, rel)))  # up to the first folder not empty
        if self.inside:
            self._move_entries_in()
        elif not self.out.exists():
            os.replace(self.tmp, self.out)
            if self.spare is not None:  # so that the very next build need not link every file
                self._later(self._spare_from_site)
        elif _exchange(self.tmp, self.out):
            self._later(self._set_aside, self.tmp)
        else:  # two renames: a killed build may leave no --out for a moment; the old site stays beside it
            old = Path(tempfile.mkdtemp(prefix=self.prefix, dir=self.out.parent))
            os.replace(self.out, old / "site")
            os.replace(self.tmp, self.out)
            self._set_aside(old / "site")
            shutil.rmtree(old, ignore_errors=True)

    def _later(self, work, *args) -> None:
        """Beside the build's last steps (unlinking and linking wait on the disk, not the
        interpreter), and always done before the build returns (``finish``); the lock is let go after."""
        def then():
            try:
                work(*args)
            finally:
                self.lock.release()
        self._after = threading.Thread(target=then)
        self._after.start()

    def _set_aside(self, folder: Path) -> None:
        """The old site, or a staging folder not swapped in, kept as the spare or else removed."""
        if self.spare is not None and not self.spare.exists():
            with contextlib.suppress(OSError):
                os.rename(folder, self.spare)
                return
        shutil.rmtree(folder, ignore_errors=True)

    def _spare_from_site(self) -> None:
        staging = Path(tempfile.mkdtemp(prefix=self.prefix, dir=self.out.parent))
        try:
            os.link(self.out / MARK, staging / MARK)
        except OSError:  # a file system without hard links (a USB stick's): no spare
            shutil.rmtree(staging, ignore_errors=True)
            return
        folders = set()
        for rel in sorted(self.names - {MARK}):
            folder = os.path.dirname(rel)
            if folder not in folders:
                os.makedirs(os.path.join(staging, folder), exist_ok=True)
                folders.add(folder)
            with contextlib.suppress(OSError):  # one missing: the next build links it
                os.link(os.path.join(self.out, rel), os.path.join(staging, rel))
        self._set_aside(staging)

    def finish(self) -> None:
        """Wait until the old site is set aside."""
        if self._after is not None:
            self._after.join()
            self._after = None

    def _change_in_place(self) -> None:
        """Each changed file replaced in one step, the files no longer made removed, the mark last."""
        for rel in sorted(set(self.changed) - {MARK}):
            os.makedirs(os.path.dirname(os.path.join(self.out, rel)), exist_ok=True)
            _replace(os.path.join(self.tmp, rel), os.path.join(self.out, rel))
        for gone in sorted(self.over - self.names):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(self.out, gone))
                os.removedirs(os.path.dirname(os.path.join(self.out, gone)))  # up to the first folder not empty
        if MARK in self.changed:
            _replace(os.path.join(self.tmp, MARK), os.path.join(self.out, MARK))
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _move_entries_in(self) -> None:
        """Swap the contents of a mount point: each entry replaced in one step, stale ones removed."""
        trash = Path(tempfile.mkdtemp(prefix=".villageboard-old-", dir=self.out))
        fresh = {p.name for p in self.tmp.iterdir()}
        for entry in sorted(self.out.iterdir()):
            if entry.name.startswith(".villageboard-") or (entry.name in fresh and not entry.is_dir()):
                continue
            os.replace(entry, trash / entry.name)
        for name in sorted(fresh - {MARK}) + [MARK]:  # the mark last: a half-moved site is not yet "built"
            os.replace(self.tmp / name, self.out / name)
        shutil.rmtree(self.tmp, ignore_errors=True)
        shutil.rmtree(trash, ignore_errors=True)
