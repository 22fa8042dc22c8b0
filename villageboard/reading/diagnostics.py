"""Errors and warnings about content, each pointing at a file and line.

Every message a clerk sees is Chinese, carries a stable code (E-… for errors that
stop the build, W-… for warnings) and reads ``path:line: message [CODE]``.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    code: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.code.startswith("E-")

    def format(self) -> str:
        kind = "错误" if self.is_error else "警告"
        return f"{self.path}:{self.line}: {kind}：{self.message} [{self.code}]"


def display_path(path: Path | str) -> str:
    """The path as the clerk typed it: relative to the current folder when possible."""
    path = Path(path)
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path.as_posix()
    return Path(rel).as_posix() if not rel.startswith("..") else path.as_posix()


@dataclass
class Report:
    """Collects diagnostics; the build stops after loading if any is an error."""

    items: list[Diagnostic] = field(default_factory=list)
    read: set[Path] = field(default_factory=set)  # every source file a kind has read
    held: dict[Path, bytes] = field(default_factory=dict)  # a digest of the bytes each held as read (reading/memo.py)
    drafts: list[str] = field(default_factory=list)  # sources left out as drafts (草稿)
    changes: list[tuple[dt.date, str]] = field(default_factory=list)  # (day, what the site will show differently)
    rewritten: list[str] = field(default_factory=list)  # files of the site whose bytes this build changed
    rendered: int = 0  # outputs rendered; the others were unchanged since the last build and kept
    left: list[tuple] | None = None  # every file of the site as the build left it: (path, size, time, inode)

    def add(self, path: Path | str, line: int, code: str, message: str) -> None:
        # A message quotes what the clerk wrote (a link, a name, a value): a personal number in it is
        # hidden, as the privacy scan's own messages hide it. A terminal, the editor and a CI log are
        # seen by others than the clerk.
        from villageboard.reading.privacy import mask  # which imports this module

        self.items.append(Diagnostic(display_path(path), max(int(line or 1), 1), code, mask(message)))

    def error(self, path, line, code: str, message: str) -> None:
        assert code.startswith("E-"), code
        self.add(path, line, code, message)

    def warning(self, path, line, code: str, message: str) -> None:
        assert code.startswith("W-"), code
        self.add(path, line, code, message)

    def draft(self, path: Path | str, title: str) -> None:
        """A draft is left out on purpose; the summary names it so that it never vanishes without a word."""
        self.drafts.append(f"{display_path(path)}（{title}）")

    def schedule(self, day: dt.date | None, today: dt.date, what: str, after: bool = False) -> None:
        """``what`` happens on ``day`` (or the day after it): a build on that day is needed to show it."""
        if day is not None and after:
            day = day + dt.timedelta(days=1) if day < dt.date.max else None
        if day is not None and day > today:
            self.changes.append((day, what))

    @property
    def next_change(self) -> tuple[dt.date, list[str]] | None:
        if not self.changes:
            return None
        day = min(d for d, _ in self.changes)
        return day, sorted({w for d, w in self.changes if d == day})

    def to_json(self) -> dict:
        """What a later build repeats when nothing changed (the stamp): diagnostics, drafts, changes."""
        return {"items": [[d.path, d.line, d.code, d.message] for d in self.items], "drafts": self.drafts,
                "changes": [[day.isoformat(), what] for day, what in self.changes]}

    @classmethod
    def from_json(cls, data: dict) -> "Report":
        return cls(items=[Diagnostic(path, int(line), code, message) for path, line, code, message in data["items"]],
                   drafts=[str(d) for d in data["drafts"]],
                   changes=[(dt.date.fromisoformat(day), str(what)) for day, what in data["changes"]])

    def mark(self) -> int:
        return len(self.items)

    def failed_since(self, mark: int) -> bool:
        """Errors since ``mark`` that make a record unusable. A private number is an error
        of its own but leaves the record readable, so later checks still run on it."""
        return any(d.is_error and not d.code.startswith("E-PRIVACY-") for d in self.items[mark:])

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if not d.is_error]

    def sorted(self) -> list[Diagnostic]:
        return sorted(set(self.items))
