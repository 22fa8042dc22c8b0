"""The build cache (构建缓存): results that are slow to make, kept between builds.

Each entry is a file named by a hash of everything that went into it (the input text and
the versions of this program and of the library that made it), so an entry is either
right or never looked up: nothing has to be invalidated. The cache lives outside
``--out`` and outside ``content/``, is safe to delete at any time, and keeps itself out
of git with its own ``.gitignore``. A cache that cannot be written (read-only disk) is
simply not used.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Callable

from villageboard import __version__

FOLDER = Path(".cache") / "villageboard"


def default_root(content: Path) -> Path:
    """``.cache/villageboard`` beside the content folder, i.e. at the village repository's root."""
    override = os.environ.get("VILLAGEBOARD_CACHE")
    return Path(override) if override else content.resolve().parent / FOLDER


class Cache:
    def __init__(self, root: Path | None):
        self.root = root
        self.hits = self.misses = 0
        if root is not None:
            try:
                root.mkdir(parents=True, exist_ok=True)
                ignore = root / ".gitignore"
                if not ignore.exists():
                    ignore.write_text("# 构建缓存，可随时删除，不要提交\n*\n", encoding="utf-8")
            except OSError:
                self.root = None

    def _path(self, kind: str, key: str, salt: str) -> Path:
        digest = hashlib.sha256(f"{__version__}\0{salt}\0{key}".encode()).hexdigest()
        return self.root / kind / digest[:2] / digest[2:]

    def text(self, kind: str, key: str, make: Callable[[], str], salt: str = "") -> str:
        """The cached result of ``make()`` for ``key``; made and stored on a miss (an empty
        result is not stored: ``make`` may answer "" for "not known yet")."""
        return self.data(kind, key, lambda: make().encode("utf-8"), salt).decode("utf-8")

    def data(self, kind: str, key: str, make: Callable[[], bytes], salt: str = "") -> bytes:
        """Like ``text``, for bytes (rendered PDF pages)."""
        if self.root is None:
            return make()
        try:
            found = self._path(kind, key, salt).read_bytes()
            self.hits += 1
            return found
        except OSError:
            pass
        self.misses += 1
        result = make()
        if result:
            self.put(kind, key, result, salt)
        return result

    def put(self, kind: str, key: str, result: str | bytes, salt: str = "") -> None:
        if self.root is None:
            return
        path = self._path(kind, key, salt)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written beside and renamed, so a killed build or a second build at the same time
            # never leaves half an entry behind.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(result.encode("utf-8") if isinstance(result, str) else result)
            os.replace(tmp, path)
        except OSError:
            pass


NONE = Cache(None)
