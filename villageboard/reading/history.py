"""When each source was changed, from git when the content is in a repository.

Supervisors (村务监督委员会) must see whether a published item was revised afterwards,
so every commit that touched a file is kept, oldest first. One ``git log`` call
covers the whole content folder, so the cost does not grow with a call per file.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from villageboard.reading import privacy
from villageboard.reading.clock import CHINA, in_china
from villageboard.reading.sources import real_path
from villageboard.reading.diagnostics import Report


@dataclass(frozen=True)
class Revision:
    when: dt.datetime
    subject: str
    commit: str


@dataclass(frozen=True)
class Change:
    """What one commit did to one file: the blobs before and after (git's ids; zeros: none)."""

    revision: Revision
    status: str  # A added, M modified, D deleted, T type changed, R renamed (from ``moved_from``)
    old_blob: str
    new_blob: str
    moved_from: str = ""  # R: the file's name before, inside the content folder


NO_BLOB = "0" * 40


@dataclass
class Deletion:
    """A file that a commit removed and that is not back: its last text stays in git."""

    path: Path
    removed: Revision
    repo_path: str  # path inside the repository, for ``git show``
    root: Path
    renamed_to: Path | None = None  # the removal was a rename (git's, by content): the file's new path

    def last_text(self) -> str | None:
        return _git(["show", f"{self.removed.commit}^:{self.repo_path}"], self.root)


@dataclass
class FileHistory:
    revisions: list[Revision] = field(default_factory=list)  # oldest first
    modified: dt.datetime | None = None  # file time when not committed / no git
    uncommitted: bool = False
    changes: list[Change] = field(default_factory=list)  # oldest first, one per revision
    record: object = None  # the revision record with its differences (revisions.py), once made

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
    ``missing`` holds the sentence the pages show instead of dates that would be wrong.
    """

    def __init__(self, content: Path, report: Report | None = None, public_phones: frozenset[str] = frozenset(),
                 earlier: "History | None" = None):
        """``earlier``: this content's history as an earlier build read it (``serve``); taken as it
        is when git tells the same story, so only git itself runs again."""
        self.content = content.resolve()
        self.files: dict[Path, list[Revision]] = {}
        self._of: dict[Path, FileHistory] = {}
        self.changes: dict[Path, list[Change]] = {}  # the same commits, with the blobs of each
        self.root: Path | None = None
        self.deletions: dict[Path, Deletion] = {}  # newest removal of each path
        # A rename, as git finds it by content, by the new path and its commit: the old path. A renamed
        # file's history goes on from the old one's, so an edit made with the rename stays in view.
        self.renamed_from: dict[tuple[Path, str], Path] = {}
        self.dirty: set[Path] = set()
        self.in_git = False
        self.missing: str | None = None
        self.story: bytes | None = None  # a digest of all git says, when the content is in git
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
        root = self.root = Path(top.strip())
        # -z: file names come out verbatim (no quoting of spaces, quotes or backslashes);
        # --find-renames: a file renamed and edited in one commit keeps its history, the edit shown;
        # --raw --no-abbrev: each file's blobs before and after, so old texts are read in one batch later;
        # --encoding=UTF-8: messages in UTF-8 even where i18n.logOutputEncoding=gbk, as Chinese guides to
        # git on Windows advise for the console (every message on the site was mojibake there).
        # --full-history -m: every commit that changed a file, on whichever branch, and what each merge changed
        # against each parent; git's default keeps one side of a merge that took the other side's files
        # whole, and a merge listed no files, so a change published from a colleague's branch, or made in
        # resolving a conflict, was nowhere in the record. --date-order: parents after children, as the
        # versions of a file follow one another (a clock set wrong could list them out of order).
        log = _git(["log", "-z", "--encoding=UTF-8", "--full-history", "-m", "--date-order", "--find-renames",
                    "--format=%x1e%H%x1f%P%x1f%cI%x1f%s", "--raw", "--no-abbrev", "--", "."], self.content) or ""
        head = (_git(["rev-parse", "HEAD"], self.content) or "").strip()
        status = _git(["status", "-z", "--no-renames", "--porcelain", "--untracked-files=all", "--", "."],
                      self.content) or ""
        self.story = hashlib.blake2b(f"{root}\0{head}\0{sorted(public_phones)}\0{log}\0{status}".encode(),
                                      digest_size=16).digest()
        if earlier is not None and earlier.in_git and earlier.story == self.story:
            self.files, self.changes, self.deletions, self.dirty, self.renamed_from = \
                earlier.files, earlier.changes, earlier.deletions, earlier.dirty, earlier.renamed_from
            self._said = earlier._said
            report.items += self._said
            return
        told = report.mark()
        self._read_story(log, head, status, root, report, public_phones)
        self._said = report.items[told:]

    def _read_story(self, log: str, head: str, status: str, root: Path, report: Report,
                    public_phones: frozenset[str]) -> None:
        found: dict[Path, list[_Found]] = {}  # each file's changes, newest first as the log gives them
        commits: dict[str, tuple[Revision, bool, bool, list[Path]]] = {}  # merge?, first?, files touched
        for entry in log.split("\x1e")[1:]:
            header, _, names = entry.partition("\0")
            commit, parents, when, subject = header.split("\x1f", 3)
            # In Beijing time: the day a supervisor reads is China's, not the committer's clock's zone.
            rev = Revision(in_china(dt.datetime.fromisoformat(when)), subject, commit[:12])
            merge = len(parents.split()) > 1  # listed once for each parent it differs from
            touched = commits.setdefault(commit, (rev, merge, not parents, []))[3]
            fields = names.lstrip("\n").split("\0")
            at = 0
            while at + 1 < len(fields) and fields[at].startswith(":"):
                # ":100644 100644 <old blob> <new blob> M", then the name; a rename ("R093") names both
                _, _, old_blob, new_blob, what = (fields[at].split() + [""] * 5)[:5]
                what = what[:1]
                if what == "R" and at + 2 < len(fields):
                    # The old address stays answered: a removal there, and an addition at the new path.
                    old_name, name = fields[at + 1], fields[at + 2]
                    at += 3
                    old_path, path = real_path(root / old_name), real_path(root / name)
                    _note(found, old_path, _Found(Change(rev, "D", old_blob, NO_BLOB), old_name, merge, path))
                    self.renamed_from.setdefault((path, rev.commit), old_path)
                    touched.append(old_path)
                    what, old_blob = "A", NO_BLOB
                else:
                    name = fields[at + 1]
                    at += 2
                    path = real_path(root / name)
                _note(found, path, _Found(Change(rev, what, old_blob, new_blob), name, merge))
                touched.append(path)
        shown: set[str] = set()  # commits that are a change in some file's record
        for path, newest_first in found.items():
            for change, name, renamed_to in self._versions(path, newest_first):
                self._touch(path, name, change.revision, change, renamed_to)
                shown.add(change.revision.commit)
        for commit, (rev, merge, first, touched) in commits.items():
            if merge:  # shown only where it made a version of its own (a conflict resolved, a side dropped)
                touched = [p for p in touched if any(c.revision.commit == rev.commit for c in self.changes.get(p, ()))]
            if touched:
                _scan_message(rev, _shown_at(touched, self.content), report, public_phones,
                              last=commit == head, first=first)
        for line in filter(None, status.split("\0")):
            path = real_path(root / line[3:])
            self.dirty.add(path)
            if path in self.files and path.suffix.lower() in SOURCE_SUFFIXES:
                if path.exists():
                    report.warning(path, 1, "W-HISTORY-UNCOMMITTED",
                                   "这个已提交过的文件有改动还没有提交：提交之前，网站上不会显示这次修改的修订记录；"
                                   "请用 git 提交，并在说明里写明修改原因")
                else:
                    report.warning(path, 1, "W-HISTORY-UNCOMMITTED",
                                   "这个已提交过的文件被删除（或改名）了，但还没有提交：提交（说明里写明撤下原因）之后，"
                                   "原网址才会显示“已撤下”或指向新网址")

    def _versions(self, path: Path, newest_first: list["_Found"]):
        """The file's versions one after the other, oldest first: each change from the version before it.

        On one line of commits that is what git says. Where branches were merged, a file's versions
        come from both sides in the order they were made, and each is compared with the one before it,
        so the record runs without a gap from the first text to the current one: a merge is a change
        only where it made a version of its own (a conflict resolved, or one side's edit dropped)."""
        before = NO_BLOB
        for change, name, merge, renamed_to in reversed(newest_first):
            if merge and change.new_blob == before:
                continue  # the merge took the file as one side had it: that side's commit is the change
            status = change.status
            if change.new_blob == NO_BLOB:
                status = "D"
            elif before == NO_BLOB:
                status = "A"
            elif status == "A" and (path, change.revision.commit) not in self.renamed_from:
                status = "M"  # added against one parent of a merge, changed against the version before
            yield Change(change.revision, status, before, change.new_blob, change.moved_from), name, renamed_to
            before = change.new_blob

    def _touch(self, path: Path, name: str, rev: Revision, change: Change, renamed_to: Path | None = None) -> None:
        """One commit's change to one file, oldest first."""
        self.files.setdefault(path, []).append(rev)
        self.changes.setdefault(path, []).append(change)
        if change.status == "D" and not path.exists():  # the newest removal
            self.deletions[path] = Deletion(path, rev, name, self.root, renamed_to)

    def _unavailable(self, report: Report, code: str, why: str, fix: str) -> None:
        # Said to readers, so it names what is missing rather than the technical reason.
        self.missing = "修订记录和撤下记录暂缺：本次生成网站时没有完整的 git 历史"
        report.warning(self.content, 1, code, f"{why}：网站上的修订记录、撤下记录和更新日期都无法显示；{fix}")
        # Without git a file's history is its time alone, which the memo compares already: the story
        # says only why there is none, and in which time zone that time is told.
        self.story = hashlib.blake2b(f"{self.content}\0{code}\0{time.tzname}\0{time.timezone}".encode(),
                                      digest_size=16).digest()

    def deleted_in(self, folder: Path, suffix: str) -> list[Deletion]:
        """Files once committed directly in ``folder`` that are gone now, oldest removal first."""
        folder = folder.resolve()
        found = [d for p, d in self.deletions.items() if p.parent == folder and p.suffix == suffix]
        return sorted(found, key=lambda d: (d.removed.when, d.path.name))

    def newest_change(self) -> dt.datetime | None:
        """When any published source last changed (the kiosk's header), None without a history."""
        if self.missing:
            return None
        changes = [revisions[-1].when for revisions in self.files.values() if revisions]
        for path in self.dirty:  # changed but not committed: the file's own time
            try:
                changes.append(dt.datetime.fromtimestamp(path.stat().st_mtime, CHINA))
            except OSError:
                pass
        return max(changes, default=None)

    def of(self, path: Path) -> FileHistory:
        """The history of ``path``: one record per file for the whole build (pages, feeds and the
        sitemap all ask), so every place tells the same story."""
        found = self._of.get(path)
        if found is None:
            found = self._of[path] = self._read(path)
        return found

    def keep(self, path: Path, history: FileHistory) -> None:
        """Give ``path`` a history equal to the one it would get, kept from an earlier build (``memo``)."""
        self._of[path] = history

    def keep_all(self, histories: dict[Path, FileHistory]) -> None:
        """``keep`` for many at once."""
        self._of.update(histories)

    def forget(self, path: Path) -> None:
        """Read ``path``'s history again when next asked: the file was written since it was kept."""
        self._of.pop(path, None)

    def _read(self, path: Path) -> FileHistory:
        path = real_path(path)
        try:
            modified = dt.datetime.fromtimestamp(path.stat().st_mtime, CHINA)
        except OSError:
            modified = None
        changes = self._lineage(path, None)
        revisions = [c.revision for c in changes]
        return FileHistory(revisions, modified, uncommitted=not self.files.get(path) or path in self.dirty,
                           changes=changes)

    def _lineage(self, path: Path, before: str | None, depth: int = 0) -> list[Change]:
        """The changes of ``path`` (up to the commit ``before``), oldest first, going on from the file it was
        renamed from: the old name's changes, then the rename as a change of its own (old blob to new)."""
        changes = self.changes.get(path, [])
        if before is not None:
            changes = changes[:next((n for n, c in enumerate(changes) if c.revision.commit == before), len(changes))]
        for n in range(len(changes) - 1, -1, -1):  # from the newest rename that brought the file here
            change = changes[n]
            old = self.renamed_from.get((path, change.revision.commit)) if change.status == "A" else None
            if old is None or depth > 50:  # 50: a loop of renames, which the commits' order rules out anyway
                continue
            gone = next((c for c in self.changes.get(old, []) if c.revision.commit == change.revision.commit), None)
            moved = Change(change.revision, "R", gone.old_blob if gone else NO_BLOB, change.new_blob,
                           _inside(old, self.content))
            return self._lineage(old, change.revision.commit, depth + 1) + [moved] + changes[n + 1:]
        return changes

    def moved_to(self, deletion: Deletion) -> Path | None:
        """Where a removed file lives on: its rename's new path, followed through later renames."""
        path, seen = deletion.renamed_to, set()
        while path is not None and not path.exists() and path in self.deletions and path not in seen:
            seen.add(path)
            path = self.deletions[path].renamed_to
        return path if path is not None and path.exists() else None

    def blobs(self, ids) -> dict[str, bytes]:
        """The contents of many blobs from one ``git cat-file --batch``, however many are asked for.

        One process for the whole site: a village has thousands of files, and a process per
        file per revision would cost more than the rest of the build. A blob git cannot give
        (a damaged or partial clone) is simply absent from the answer.
        """
        wanted = sorted({i for i in ids if i and i != NO_BLOB})
        if not wanted or self.root is None:
            return {}
        try:
            done = subprocess.run(["git", "cat-file", "--batch"], cwd=self.root, capture_output=True, timeout=300,
                                  input="".join(i + "\n" for i in wanted).encode())
        except (OSError, subprocess.TimeoutExpired):
            return {}
        out, found, at = done.stdout, {}, 0
        for _ in wanted:
            end = out.find(b"\n", at)
            if end < 0:
                break
            header = out[at:end].split()
            at = end + 1
            if len(header) != 3:  # "<id> missing"
                continue
            size = int(header[2])
            found[header[0].decode()] = out[at:at + size]
            at += size + 1  # the content is followed by a newline
        return found


class _Found(NamedTuple):
    """A change to one file as the log lists it, before it takes its place among the file's versions."""

    change: Change
    name: str  # inside the repository
    merge: bool
    renamed_to: Path | None = None


def _note(found: dict[Path, list[_Found]], path: Path, change: _Found) -> None:
    """A merge lists a file once for each parent it differs from: the first is enough, the version is one."""
    seen = found.setdefault(path, [])
    if not (seen and seen[-1].change.revision.commit == change.change.revision.commit):
        seen.append(change)


def _inside(path: Path, content: Path) -> str:
    try:
        return path.relative_to(content).as_posix()
    except ValueError:
        return path.name


def _shown_at(touched: list[Path], content: Path) -> Path:
    """Where a commit's diagnostic points: the first file it touched that the clerk can still
    open (sources before pictures), else the content folder when it only removed files."""
    present = [p for p in touched if p.is_file()]
    sources = [p for p in present if p.suffix.lower() in SOURCE_SUFFIXES]
    return (sources or present or [content])[0]


def _scan_message(rev: Revision, shown_at: Path, report: Report, public_phones: frozenset[str],
                  last: bool, first: bool) -> None:
    """Commit messages are shown in revision records: the same privacy rules as the sources.

    Every message that touched the content is scanned, not only those shown today, so that
    ``check`` and ``build`` agree and a later withdrawal cannot put an old message on a page.
    """
    found = Report()
    short = rev.commit[:7]
    privacy.scan(shown_at, rev.subject, found, public_phones, where=f"提交 {short} 的说明里")
    if last:
        how = "这是最近一次提交，运行 git commit --amend 改写说明"
    else:
        # --committer-date-is-author-date: a plain rebase dates every commit it rewrites today, and the site
        # dates revisions by their commits: months of published revisions would move to the day of the fix.
        how = (f"运行 git rebase -i --committer-date-is-author-date {'--root' if first else short + '^'}，"
               f"在打开的列表里把提交 {short} "
               "那一行开头的 pick 改成 reword，保存后改写说明")
    for item in found.items:
        report.error(shown_at, 1, "E-PRIVACY-COMMIT",
                     f"{item.message}。提交说明会显示在网站的修订记录和撤下页上，请改写：{how}；"
                     "已经推送（git push）过的，改完用 git push --force-with-lease 推送")
