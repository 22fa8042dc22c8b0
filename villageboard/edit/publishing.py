"""“检查并发布” and “撤下”: the check, then a git commit whose message is the clerk's reason.

The reason becomes the revision record villagers and supervisors read (see history.py),
so it is scanned for personal numbers like every source, and nothing is committed while
``check`` finds an error. A configured remote gets the commit pushed.
"""
from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from villageboard import builder
from villageboard.reading import privacy
from villageboard.reading.diagnostics import Report
from villageboard.edit.saving import EditRefused

MAX_REASON = 200  # one line of a revision record, not a letter


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    # Every path the editor hands git is one file's (or folder's) name, never a pattern: without
    # --literal-pathspecs, ``git rm -- 'g[12].md'`` removes g1.md and g2.md too, and ``:(…)`` is magic.
    # The ``--`` before paths in every call keeps a name that starts with "-" from being an option.
    try:
        return subprocess.run(["git", "--literal-pathspecs", *args], cwd=cwd, capture_output=True, text=True,
                              encoding="utf-8", errors="replace", timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EditRefused("E-EDIT-GIT", f"运行 git 失败（{type(exc).__name__}）；请确认这台电脑装了 git") from exc


def _root(content: Path) -> Path:
    done = _git(["rev-parse", "--show-toplevel"], content)
    if done.returncode != 0:
        raise EditRefused("E-EDIT-NO-GIT", "内容文件夹不在 git 仓库里，无法发布；请在 git clone 下来的村仓库里运行 "
                                           "python build.py edit")
    return Path(done.stdout.strip())


def check_reason(reason, public_phones) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise EditRefused("E-EDIT-REASON", "请写明修改原因：它会显示在网页的修订记录里")
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise EditRefused("E-EDIT-REASON", f"修改原因最多 {MAX_REASON} 个字，写的是 {len(reason)} 个字；请写一句话")
    report = Report()
    privacy.scan(Path("修改原因"), reason, report, public_phones)
    if report.errors:
        first = report.errors[0]
        raise EditRefused(first.code, "修改原因会公开显示，" + first.message)
    return reason


def _refuse_errors(errors: list[str]) -> None:
    if errors:
        raise EditRefused("E-EDIT-CHECK", f"检查发现 {len(errors)} 个错误，没有提交：\n" + "\n".join(errors[:20]))


def _commit(content: Path, reason: str, paths: list[str]) -> dict:
    done = _git(["commit", "-q", "-m", reason, "--", *paths], content)
    if done.returncode != 0:
        hint = "请先设置提交人的姓名：git config --global user.name \"姓名\" 和 git config --global user.email 邮箱" \
            if "user.name" in done.stderr or "identity" in done.stderr else done.stderr.strip()[-300:]
        raise EditRefused("E-EDIT-GIT", f"git 提交失败：{hint}")
    commit = _git(["rev-parse", "--short=12", "HEAD"], content).stdout.strip()
    result = {"commit": commit, "reason": reason, "pushed": None}
    remotes = _git(["remote"], content).stdout.split()
    if remotes:
        pushed = _git(["push", "-q"], content)
        result["pushed"] = pushed.returncode == 0
        if pushed.returncode != 0:
            result["push_message"] = ("已提交，但推送失败（网络或权限问题），下次联网后运行 git push：" +
                                      pushed.stderr.strip()[-300:])
    return result


def publish(content: Path, today: dt.date, reason, public_phones) -> dict:
    """Check everything, then commit every change under content/ with ``reason``."""
    reason = check_reason(reason, public_phones)
    _root(content)
    _refuse_errors([d.format() for d in builder.check(content, today).report.sorted() if d.is_error])
    _git(["add", "-A", "--", "."], content)
    staged = _git(["diff", "--cached", "--name-only", "--", "."], content).stdout.split("\n")
    staged = [s for s in staged if s]
    if not staged:
        raise EditRefused("E-EDIT-NOTHING", "没有要发布的修改：所有内容都已经提交过了")
    result = _commit(content, reason, ["."])
    result["files"] = staged
    return result


def withdraw(content: Path, rel: str, reason, public_phones, errors: list[str]) -> dict:
    """Remove a published file with a commit that says why; its address then says 已撤下 with the reason.

    ``errors`` are those of the check of content/ without the file: a withdrawal that
    breaks something else (a fund's voucher in the removed ledger) is refused."""
    reason = check_reason(reason, public_phones)
    _root(content)
    if _git(["ls-files", "--error-unmatch", "--", rel], content).returncode != 0:
        raise EditRefused("E-EDIT-NOT-PUBLISHED", "这个文件还没有提交（发布）过，不需要撤下；不要的话直接删掉文件即可")
    _refuse_errors(errors)
    message = reason if reason.startswith("撤下") else f"撤下：{reason}"
    done = _git(["rm", "-q", "--", rel], content)
    if done.returncode != 0:
        raise EditRefused("E-EDIT-GIT", f"git 删除失败：{done.stderr.strip()[-300:]}")
    try:
        return _commit(content, message, [rel])
    except EditRefused:
        _git(["reset", "-q", "HEAD", "--", rel], content)
        _git(["checkout", "-q", "--", rel], content)  # nothing withdrawn without its record
        raise
