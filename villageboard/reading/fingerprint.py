"""What says a file is as it was left: by the build database (a published file), the reading
memo of ``serve`` (a source and what it links) and the no-change stamp (every content file).
Imports nothing heavy: the stamp answers "nothing changed" before the rest is imported."""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

MAX_SOURCE_BYTES = 2 * 1024 * 1024  # a year of notices is a few hundred KB; more is a mistake, and slow


def file_stat(path: str | Path) -> tuple[int, int, int] | None:
    """Size, modification time and inode (None: gone)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


# A file last written this long before it was looked at cannot be written again with the same
# times (git's "racily clean" rule): FAT keeps times to two seconds; the rest is room for a clock
# set a little differently.
SETTLING = 10 * 10**9


def settled(st: os.stat_result, at: int) -> tuple[int, int, int, int] | None:
    """Size, modification time, inode and change time of a file last written, or given its time
    (which moves the change time), more than ``SETTLING`` before ``at``: while the four stay the
    same, so do its bytes. None for a file written since."""
    if max(st.st_mtime_ns, st.st_ctime_ns) >= at - SETTLING:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns


def stats(path: str | Path, at: int) -> tuple[tuple[int, int, int] | None, tuple | None, bool]:
    """``file_stat``, ``settled`` and whether the file has other names (hard links) from one look at it."""
    try:
        st = os.stat(path)
    except OSError:
        return None, None, False
    return (st.st_size, st.st_mtime_ns, st.st_ino), settled(st, at), st.st_nlink > 1


def content_digest(path: str | Path) -> bytes | None:
    """A digest of a source-sized file's bytes (None for a larger one, a camera photo, or one that
    is gone). Size and time are not enough to say a file is unchanged: a USB stick keeps times to
    two seconds, so a quick edit of one digit can leave both as they were. None too for what is
    not a file (a named pipe would keep the build waiting for ever for a writer; a device never
    ends): opened without waiting, and looked at before it is read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            data = f.read(MAX_SOURCE_BYTES + 1)
        except OSError:
            return None
    return digest_of(data) if len(data) <= MAX_SOURCE_BYTES else None


def digest_of(data: bytes) -> bytes:
    """``content_digest`` of bytes already read."""
    return hashlib.blake2b(data, digest_size=16).digest()
