"""Writing the site atomically: build beside ``--out``, swap only on success.

A clerk's broken edit must never take down the published board, so nothing is
written into ``--out`` itself; a failed or interrupted build leaves it as it was.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class AtomicOutput:
    def __init__(self, out: Path):
        self.out = out.resolve()
        self.tmp: Path | None = None

    def __enter__(self) -> "AtomicOutput":
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.building-", dir=self.out.parent))
        return self

    def _target(self, rel: str) -> Path:
        target = self.tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write(self, rel: str, data: str | bytes) -> None:
        self._target(rel).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    def copy(self, rel: str, source: Path) -> None:
        shutil.copyfile(source, self._target(rel))

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        old = None
        if self.out.exists():
            old = self.out.with_name(f".{self.out.name}.old-{os.getpid()}")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(self.out, old)
        os.replace(self.tmp, self.out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
