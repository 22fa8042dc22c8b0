"""When each source was changed, from git when the content is in a repository.

Supervisors (村务监督委员会) must see whether a published item was revised afterwards,
so every commit that touched a file is kept, oldest first. One ``git log`` call
covers the whole content folder, so the cost does not grow with a call per file.
"""
from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Revision:
    when: dt.datetime
    subject: str
    commit: str


@dataclass
class Deletion:
    """A file that a commit removed and that is not back: its last text stays in git."""

    path: Path
    removed: Revision
    repo_path: str  # path inside the repository, for ``git show``
    root: Path

    def last_text(self) -> str | None:
        return _git(["show", f"{self.removed.commit}^:{self.repo_path}"], self.root)


@dataclass
class FileHistory:
    revisions: list[Revision] = field(default_factory=list)  # oldest first
    modified: dt.datetime | None = None  # file time when not committed / no git
    uncommitted: bool = False

    @property
    def last_changed(self) -> dt.datetime | None:
        if self.uncommitted or not self.revisions:
            return self.modified
        return self.revisions[-1].when

    def revised_after(self, published: dt.date) -> list[Revision]:
        """Commits after the first one made on or after the publication date."""
        return [r for r in self.revisions[1:] if r.when.date() >= published]


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None


class History:
    def __init__(self, content: Path):
        self.content = content.resolve()
        self.files: dict[Path, list[Revision]] = {}
        self.deletions: dict[Path, Deletion] = {}  # newest removal of each path
        self.dirty: set[Path] = set()
        self.in_git = False
        top = _git(["rev-parse", "--show-toplevel"], self.content)
        if top is None:
            return
        self.in_git = True
        root = Path(top.strip())
        log = _git(["-c", "core.quotepath=off", "log", "--format=%x1e%H%x1f%cI%x1f%s", "--name-status",
                    "--no-renames", "--", "."], self.content) or ""
        for entry in log.split("\x1e")[1:]:
            header, _, names = entry.partition("\n")
            commit, when, subject = header.split("\x1f", 2)
            rev = Revision(dt.datetime.fromisoformat(when), subject, commit[:12])
            for line in filter(None, names.split("\n")):
                status, _, name = line.partition("\t")
                path = (root / name).resolve()
                self.files.setdefault(path, []).insert(0, rev)
                if status == "D" and path not in self.deletions and not path.exists():
                    self.deletions[path] = Deletion(path, rev, name, root)
        status = _git(["-c", "core.quotepath=off", "status", "--porcelain", "--untracked-files=all", "--", "."],
                      self.content) or ""
        for line in filter(None, status.split("\n")):
            self.dirty.add((root / line[3:].strip('"')).resolve())

    def deleted_in(self, folder: Path, suffix: str) -> list[Deletion]:
        """Files once committed directly in ``folder`` that are gone now, oldest removal first."""
        folder = folder.resolve()
        found = [d for p, d in self.deletions.items() if p.parent == folder and p.suffix == suffix]
        return sorted(found, key=lambda d: (d.removed.when, d.path.name))

    def of(self, path: Path) -> FileHistory:
        path = path.resolve()
        try:
            modified = dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone()
        except OSError:
            modified = None
        revisions = self.files.get(path, [])
        return FileHistory(revisions, modified, uncommitted=not revisions or path in self.dirty)
