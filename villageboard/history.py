"""When each source was changed, from git when the content is in a repository.

Supervisors (村务监督委员会) must see whether a published item was revised afterwards,
so every commit that touched a file is kept, oldest first. One ``git log`` call
covers the whole content folder, so the cost does not grow with a call per file.
"""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import privacy
from .diagnostics import Report


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


SOURCE_SUFFIXES = (".md", ".yaml", ".yml")


class History:
    """Every commit that touched the content, and whether that history can be trusted.

    When it cannot (no git, no repository, a shallow clone) the report says so loudly and
    ``missing`` holds the reason the pages show instead of dates that would be wrong.
    """

    def __init__(self, content: Path, report: Report | None = None, public_phones: frozenset[str] = frozenset()):
        self.content = content.resolve()
        self.files: dict[Path, list[Revision]] = {}
        self.deletions: dict[Path, Deletion] = {}  # newest removal of each path
        self.dirty: set[Path] = set()
        self.in_git = False
        self.missing: str | None = None
        report = report or Report()
        if shutil.which("git") is None:
            self._unavailable(report, "W-HISTORY-NO-GIT", "这台电脑上找不到 git 程序",
                              "请安装 git（Windows：git-scm.com 下载安装）后重新生成")
            return
        top = _git(["rev-parse", "--show-toplevel"], self.content)
        if top is None:
            self._unavailable(report, "W-HISTORY-NOT-A-REPO", "内容文件夹不在 git 仓库里",
                              "请在村的仓库里生成（git clone 下来的文件夹），或先 git init 并提交")
            return
        if (_git(["rev-parse", "--is-shallow-repository"], self.content) or "").strip() == "true":
            self._unavailable(report, "W-HISTORY-SHALLOW", "这是只有最近几次提交的浅克隆",
                              "请运行 git fetch --unshallow 取回完整历史；CI 里请设 fetch-depth: 0")
            return
        self.in_git = True
        root = Path(top.strip())
        log = _git(["-c", "core.quotepath=off", "log", "--format=%x1e%H%x1f%cI%x1f%s", "--name-status",
                    "--no-renames", "--", "."], self.content) or ""
        for entry in log.split("\x1e")[1:]:
            header, _, names = entry.partition("\n")
            commit, when, subject = header.split("\x1f", 2)
            rev = Revision(dt.datetime.fromisoformat(when), subject, commit[:12])
            touched = []
            for line in filter(None, names.split("\n")):
                status, _, name = line.partition("\t")
                path = (root / name).resolve()
                touched.append(path)
                self.files.setdefault(path, []).insert(0, rev)
                if status == "D" and path not in self.deletions and not path.exists():
                    self.deletions[path] = Deletion(path, rev, name, root)
            if touched:
                _scan_message(rev, touched[0], report, public_phones)
        status = _git(["-c", "core.quotepath=off", "status", "--porcelain", "--untracked-files=all", "--", "."],
                      self.content) or ""
        for line in filter(None, status.split("\n")):
            path = (root / line[3:].strip('"')).resolve()
            self.dirty.add(path)
            if path in self.files and path.suffix.lower() in SOURCE_SUFFIXES:
                if path.exists():
                    report.warning(path, 1, "W-HISTORY-UNCOMMITTED",
                                   "这个已提交过的文件有改动还没有提交：提交之前，网站上不会显示这次修改的修订记录；"
                                   "请用 git 提交，并在说明里写明修改原因")
                else:
                    report.warning(path, 1, "W-HISTORY-UNCOMMITTED",
                                   "这个已提交过的文件被删除了，但删除还没有提交：提交（说明里写明撤下原因）之后，"
                                   "原网址才会显示“已撤下”")

    def _unavailable(self, report: Report, code: str, why: str, fix: str) -> None:
        self.missing = f"{why}，修订记录和撤下记录暂缺"
        report.warning(self.content, 1, code, f"{why}：网站上的修订记录、撤下记录和更新日期都无法显示；{fix}")

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


def _scan_message(rev: Revision, touched: Path, report: Report, public_phones: frozenset[str]) -> None:
    """Commit messages are shown in revision records: the same privacy rules as the sources."""
    found = Report()
    privacy.scan(touched, rev.subject, found, public_phones, where=f"提交 {rev.commit[:7]} 的说明里")
    for item in found.items:
        report.error(touched, 1, "E-PRIVACY-COMMIT",
                     f"{item.message}。这段说明会显示在网站的修订记录里，请改写它：最近一次提交用 "
                     f"git commit --amend；更早的用 git rebase -i {rev.commit[:7]}^，把这一行的 pick 改成 reword")
