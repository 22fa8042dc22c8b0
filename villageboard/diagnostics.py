"""Errors and warnings about content, each pointing at a file and line.

Every message a clerk sees is Chinese, carries a stable code (E-… for errors that
stop the build, W-… for warnings) and reads ``path:line: message [CODE]``.
"""
from __future__ import annotations

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

    def add(self, path: Path | str, line: int, code: str, message: str) -> None:
        self.items.append(Diagnostic(display_path(path), max(int(line or 1), 1), code, message))

    def error(self, path, line, code: str, message: str) -> None:
        assert code.startswith("E-"), code
        self.add(path, line, code, message)

    def warning(self, path, line, code: str, message: str) -> None:
        assert code.startswith("W-"), code
        self.add(path, line, code, message)

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
