"""The history a supervisor relies on: never silently missing, never wrong, never leaking."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys

from conftest import ROOT, TODAY, committed, revision_record, run_cli


def _committed(content):
    git = committed(content, "发布", when="2026-10-12T10:00:00+08:00")
    return git


def _diagnostics(stderr: str) -> list[str]:
    return [l for l in stderr.splitlines() if re.search(r"\[[EW]-[A-Z0-9-]+\]$", l)]


def test_a_number_in_a_commit_message_is_reported_at_the_commit_by_check_and_build(demo_copy, tmp_path):
    git = _committed(demo_copy)
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    git("commit", "-qam", "补充：联系人王某 13800001234", when="2026-11-01T09:00:00+08:00")
    commit = subprocess.run(["git", "rev-parse", "--short=7", "HEAD"], cwd=demo_copy, capture_output=True,
                            text=True).stdout.strip()
    check = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    build = run_cli("build", "--content", str(demo_copy), "--out", str(tmp_path / "site"), "--today", TODAY)
    assert check.returncode == build.returncode == 1
    found = [l for l in _diagnostics(check.stderr) if "[E-PRIVACY-COMMIT]" in l]
    assert len(found) == 1 and found == [l for l in _diagnostics(build.stderr) if "E-PRIVACY" in l]
    assert "affairs/2026-gengdi-butie.md:1: 错误：" in found[0]
    assert f"提交 {commit} 的说明里有手机号（138****1234）" in found[0] and "git commit --amend" in found[0]
    assert "13800001234" not in check.stderr + build.stderr + check.stdout + build.stdout
    assert not (tmp_path / "site").exists()


def test_a_shallow_clone_says_the_history_is_missing_instead_of_wrong_dates(demo_copy, tmp_path):
    git = _committed(demo_copy)
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n更正。\n", encoding="utf-8")
    git("commit", "-qam", "更正", when="2026-11-01T09:00:00+08:00")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", demo_copy.as_uri(), str(clone)], check=True)
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(clone), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    assert re.search(r"clone:1: 警告：这是只有最近几次提交的浅克隆.*git fetch --unshallow.*\[W-HISTORY-SHALLOW\]",
                     done.stderr), done.stderr
    page = (out / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")
    assert "修订记录和撤下记录暂缺" in page and "本页内容更新于" not in page
    assert "内容更新于" not in (out / "kiosk" / "index.html").read_text(encoding="utf-8")


def test_without_git_or_outside_a_repository_the_build_says_so(demo_copy, tmp_path):
    bin_dir = tmp_path / "bin"  # a PATH with python and nothing else: no git
    bin_dir.mkdir()
    os.symlink(sys.executable, bin_dir / "python3")
    _committed(demo_copy)
    env = {**os.environ, "PATH": str(bin_dir)}
    done = subprocess.run([str(bin_dir / "python3"), str(ROOT / "build.py"), "check", "--content", str(demo_copy),
                           "--today", TODAY], capture_output=True, text=True, env=env)
    assert done.returncode == 0 and "[W-HISTORY-NO-GIT]" in done.stderr, done.stderr
    shutil.rmtree(demo_copy / ".git")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 0 and "内容文件夹不在 git 仓库里" in done.stderr and "[W-HISTORY-NOT-A-REPO]" in done.stderr


def test_uncommitted_changes_to_published_items_are_warned(demo_copy):
    git = _committed(demo_copy)
    changed = demo_copy / "affairs" / "2026-gengdi-butie.md"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    removed = demo_copy / "party" / "2026-sanhuiyike.md"
    removed.unlink()
    (demo_copy / "affairs" / "2026-new.md").write_text("---\ntitle: 新通知\ndate: 2026-11-20\n---\n正文。\n",
                                                        encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    warned = [l for l in _diagnostics(done.stderr) if "[W-HISTORY-UNCOMMITTED]" in l]
    assert len(warned) == 2, done.stderr
    assert any("affairs/2026-gengdi-butie.md:1:" in l and "修订记录" in l for l in warned)
    assert any("party/2026-sanhuiyike.md:1:" in l and "已撤下" in l for l in warned)
    git("add", "-A")
    git("commit", "-qm", "补充并撤下", when="2026-11-02T09:00:00+08:00")
    assert "W-HISTORY-UNCOMMITTED" not in run_cli("check", "--content", str(demo_copy), "--today", TODAY).stderr


def _short(content, rev="HEAD"):
    return subprocess.run(["git", "rev-parse", "--short=7", rev], cwd=content, capture_output=True,
                          text=True, check=True).stdout.strip()


def test_a_number_in_an_older_or_a_withdrawal_message_names_a_place_the_clerk_can_open(demo_copy, tmp_path):
    git = committed(demo_copy, "初始导入，经办人 13900002222", when="2026-10-12T10:00:00+08:00")
    root = _short(demo_copy)
    (demo_copy / "party" / "2026-fazhan-gongshi.md").unlink()
    git("commit", "-qam", "撤下：有疑问打 13800001234", when="2026-11-01T09:00:00+08:00")
    withdrawal = _short(demo_copy)
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n更正。\n", encoding="utf-8")
    git("commit", "-qam", "更正", when="2026-11-02T09:00:00+08:00")
    check = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    build = run_cli("build", "--content", str(demo_copy), "--out", str(tmp_path / "site"), "--today", TODAY)
    found = [l for l in _diagnostics(check.stderr) if "E-PRIVACY" in l]
    assert found == [l for l in _diagnostics(build.stderr) if "E-PRIVACY" in l] and len(found) == 2, check.stderr
    assert check.returncode == build.returncode == 1 and not (tmp_path / "site").exists()
    # The withdrawal touched only a file that is gone: the clerk is sent to the content folder.
    (gone,) = [l for l in found if withdrawal in l]
    assert gone.startswith(f"{demo_copy}:1: 错误：提交 {withdrawal} 的说明里有手机号（138****1234）")
    assert f"git rebase -i --committer-date-is-author-date {withdrawal}^" in gone and "reword" in gone and gone.endswith("[E-PRIVACY-COMMIT]")
    # The first commit has no parent: `git rebase -i X^` would fail there.
    (first,) = [l for l in found if root in l]
    assert first.startswith(f"{demo_copy / 'affairs'}/") and ".md:1: 错误：" in first
    assert "git rebase -i --committer-date-is-author-date --root" in first and "--amend" not in first
    assert "13800001234" not in check.stderr + build.stderr and "13900002222" not in check.stderr + build.stderr


def test_a_staged_rename_of_a_published_item_is_warned_at_its_old_address(demo_copy):
    git = _committed(demo_copy)
    # What Windows Explorer plus `git add -A` leaves behind: a rename staged but not committed.
    git("mv", "affairs/2026-gengdi-butie.md", "affairs/2026-gengdi-butie-buchong.md")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    warned = [l for l in _diagnostics(done.stderr) if "[W-HISTORY-UNCOMMITTED]" in l]
    assert len(warned) == 1 and warned[0].startswith(f"{demo_copy}/affairs/2026-gengdi-butie.md:1: 警告："), done.stderr
    assert "已撤下" in warned[0]


def test_without_the_history_an_item_does_not_claim_it_was_never_revised(demo_copy, tmp_path):
    git = _committed(demo_copy)
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n更正。\n", encoding="utf-8")
    git("commit", "-qam", "更正补贴标准", when="2026-11-01T09:00:00+08:00")
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY).returncode == 0
    page = (out / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")
    assert "修订记录" in page and "更正补贴标准" in page
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", demo_copy.as_uri(), str(clone)], check=True)
    done = run_cli("build", "--content", str(clone), "--out", str(tmp_path / "site2"), "--today", TODAY)
    assert done.returncode == 0 and "[W-HISTORY-SHALLOW]" in done.stderr, done.stderr
    page = (tmp_path / "site2" / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")
    revisions = re.search(r'<section class="revisions".*?</section>', page, re.S)
    assert revisions and "修订记录" in revisions.group() and "看不出发布后是否修改过" in revisions.group()


def test_an_item_renamed_and_edited_in_one_commit_keeps_its_record_with_the_edit(demo_copy, tmp_path):
    """A rename must not hide an edit made with it: the record goes on from the old file, and the
    commit that renamed it shows what it changed. Before, the renamed notice said 公开后没有修改过
    and began with the edited text."""
    git = _committed(demo_copy)
    git("mv", "affairs/2026-zhaijidi.md", "affairs/2026-zhaijidi-gengzheng.md")
    git("mv", "finance/2026-Q3.yaml", "finance/2026-disanjidu.yaml")
    notice, ledger = demo_copy / "affairs" / "2026-zhaijidi-gengzheng.md", demo_copy / "finance" / "2026-disanjidu.yaml"
    notice.write_text(notice.read_text(encoding="utf-8").replace("110 平方米", "160 平方米"), encoding="utf-8")
    # Two expenditure rows changed in opposite directions: the books still balance.
    ledger.write_text(ledger.read_text(encoding="utf-8")
                      .replace("category: 公益支出, amount: 2100.00", "category: 公益支出, amount: 2500.00")
                      .replace("amount: 6000.00, voucher: 记-09-07", "amount: 5600.00, voucher: 记-09-07"),
                      encoding="utf-8")
    git("commit", "-qam", "整理文件名", when="2026-11-20T09:00:00+08:00")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr

    record = revision_record(out / "affairs" / "2026-zhaijidi-gengzheng.html")
    assert "公开后修改过 1 次" in record
    first, renamed = record.split("首次发布", 1)[1].split("整理文件名", 1)
    assert "2026年10月12日 10:00" in first and "110 平方米" in first  # the text as first published
    assert "改了名（原来是 affairs/2026-zhaijidi.md）" in renamed
    assert "［删］ 110 ［增］ 160" in renamed
    moved = (out / "affairs" / "2026-zhaijidi.html").read_text(encoding="utf-8")
    assert "本公告已换到新的地址" in moved and 'href="2026-zhaijidi-gengzheng.html"' in moved

    # A ledger's address is its period: renamed, it is the same page, and the corrected amounts show there.
    record = revision_record(out / "finance" / "2026-Q3.html")
    assert "公开后修改过 1 次" in record and "改了名（原来是 finance/2026-Q3.yaml）" in record
    assert re.search(r"溪边沟渠清淤 .*? 2,100\.00 2,500\.00", record)
    assert "原来公开在另一个文件" not in (out / "finance" / "2026-Q3.html").read_text(encoding="utf-8")


def test_a_ledger_whose_file_was_replaced_says_so_with_the_old_totals(demo_copy, tmp_path):
    """A period's ledger removed, and a file git does not see as its rename (the books redone)
    taking the period: the record starts with the new file, and the old figures were nowhere. The
    page, on phone, kiosk and paper, now says when the table was replaced, and the old totals."""
    git = _committed(demo_copy)
    old = demo_copy / "finance" / "2026-Q3.yaml"
    text = old.read_text(encoding="utf-8")
    git("rm", "-q", "finance/2026-Q3.yaml")
    redone = (text.replace("category: 公益支出, amount: 2100.00", "category: 公益支出, amount: 2500.00")
              .replace("amount: 6000.00, voucher: 记-09-07", "amount: 5600.00, voucher: 记-09-07"))
    # So much new (a note on every voucher checked again) that git sees no rename, as after books redone.
    notes = "".join(f"# 第 {n} 张凭证已重新核对，原始单据齐全，金额与银行流水一致\n" for n in range(1, 41))
    (demo_copy / "finance" / "2026-q3-chongzuo.yaml").write_text(notes + redone, encoding="utf-8")
    git("add", "-A")
    git("commit", "-qm", "重新做账", when="2026-11-20T09:00:00+08:00")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    for rendition in ("", "kiosk/", "print/"):
        page = re.sub(r"<[^>]+>", "", (out / f"{rendition}finance" / "2026-Q3.html").read_text(encoding="utf-8"))
        assert "本期账目原来公开在" in page and "finance/2026-Q3.yaml" in page, rendition
        assert "2026年11月20日" in page and "104,340.50" in page, rendition  # when, and the old closing balance


def test_a_notice_removed_and_another_added_under_its_title_is_a_withdrawal_not_a_move(demo_copy, tmp_path):
    """Only a rename moves a notice. A new text under the old title must not pass for the old one:
    the old address says it was withdrawn, and the archive lists it as such."""
    git = _committed(demo_copy)
    git("rm", "-q", "affairs/2026-zhaijidi.md")
    (demo_copy / "affairs" / "2026-zhaijidi-xin.md").write_text(
        "---\ntitle: 宅基地申请审批结果公示\ndate: 2026-11-20\n---\n第一网格吴某某户申请新建住房，已获批准。\n",
        encoding="utf-8")
    git("add", "-A")
    git("commit", "-qm", "重新公示", when="2026-11-20T09:00:00+08:00")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    old = (out / "affairs" / "2026-zhaijidi.html").read_text(encoding="utf-8")
    assert "本公告已于 2026年11月20日 撤下" in old and "换到新的地址" not in old
    archive = (out / "affairs" / "2026.html").read_text(encoding="utf-8")
    assert archive.count("宅基地申请审批结果公示") == 2 and "已撤下" in archive


def test_a_commit_is_dated_by_the_day_in_china_whatever_zone_the_committer_s_clock_was_in(demo_copy, tmp_path):
    """A correction made at 07:30 on publication day in China, on a laptop set to UTC, is written by git
    as 23:30 the day before. The page showed 9月11日 23:30 marked 公开前 and said 公开后没有修改过: a
    revision made after the notice went up was passed off as an edit before it, and the feed did not
    show the item again."""
    git = committed(demo_copy, "发布", when="2026-09-01T10:00:00+08:00")
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"  # published on 2026-09-12
    notice.write_text(notice.read_text(encoding="utf-8").replace("79 户享受补贴", "80 户享受补贴"), encoding="utf-8")
    git("commit", "-qam", "更正户数", when="2026-09-11T23:30:00+00:00")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    record = revision_record(out / "affairs" / "2026-gengdi-butie.html")
    assert "公开后修改过 1 次" in record, record
    correction = record.split("更正户数")[0].rsplit("修改", 1)[1]
    assert "2026年9月12日 07:30" in correction and "公开前" not in correction, record
    page = (out / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")
    assert "本页内容更新于 2026年9月12日" in page
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    entry = feed[feed.index("2026-gengdi-butie.html</id>"):]
    assert entry.split("<updated>", 1)[1].startswith("2026-09-12T07:30:00+08:00")
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "2026-gengdi-butie.html</loc><lastmod>2026-09-12T07:30:00+08:00</lastmod>" in sitemap
    # Not yet committed, a file is dated by its time on disk: in China too, on a build machine set to UTC.
    notice.write_text(notice.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    saved = dt.datetime(2026, 11, 20, 20, 0, tzinfo=dt.timezone.utc).timestamp()  # 11月21日 04:00 in China
    os.utime(notice, (saved, saved))
    done = _run_in_zone("UTC", "build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    assert "本页内容更新于 2026年11月21日" in (out / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")


def _run_in_zone(zone: str, *args: str) -> subprocess.CompletedProcess:
    """``python build.py ARGS`` on a machine whose clock is set to ``zone`` (a CI runner's UTC)."""
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", timeout=300, env={**os.environ, "TZ": zone})


def test_commit_messages_read_right_whatever_encoding_git_is_told_to_print_them_in(demo_copy, tmp_path):
    """Guides to git on Chinese Windows set i18n.logOutputEncoding=gbk so that git log reads in the console.
    git then printed every message in GBK and the site showed ���� for each 说明, the one written with
    i18n.commitEncoding=GBK as well as the UTF-8 ones."""
    git = committed(demo_copy, "初始内容", when="2026-09-01T10:00:00+08:00")
    git("config", "i18n.logOutputEncoding", "gbk")
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8").replace("79 户享受补贴", "80 户享受补贴"), encoding="utf-8")
    git("commit", "-qam", "更正户数", when="2026-10-01T09:00:00+08:00")
    message = tmp_path / "message.txt"
    message.write_bytes("更正面积（Windows 上的说明）\n".encode("gbk"))
    notice.write_text(notice.read_text(encoding="utf-8").replace("312.6 亩", "312.8 亩"), encoding="utf-8")
    git("-c", "i18n.commitEncoding=GBK", "commit", "-qa", "-F", str(message), when="2026-10-02T09:00:00+08:00")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    record = revision_record(out / "affairs" / "2026-gengdi-butie.html")
    for said in ("说明：初始内容", "说明：更正户数", "说明：更正面积（Windows 上的说明）"):
        assert said in record, record
    assert "\ufffd" not in record


def test_what_a_merge_changed_or_dropped_is_in_the_record(demo_copy, tmp_path):
    """A colleague's edits, published from their line, and the clerk's, merged with `git pull`. Before,
    the merge listed no files and git's default history kept one side of it only, so: the wording the
    clerk settled on in resolving a conflict (82 户) stood on the page and nowhere in the record, which
    ended at 81 户 and gave the day before as the last change; and a colleague's published edit that the
    merge dropped (110 → 120 平方米 and back) left no trace: 公开后没有修改过."""
    git = _committed(demo_copy)
    conflict, dropped, theirs = (demo_copy / "affairs" / f"{n}.md" for n in ("2026-gengdi-butie", "2026-zhaijidi",
                                                                             "2026-fuwuzhongxin-gaizao"))
    git("checkout", "-q", "-b", "colleague")
    _replace(conflict, "79 户享受补贴", "80 户享受补贴")
    _replace(dropped, "110 平方米", "120 平方米")
    _replace(theirs, "\n---\n", "\npinned: true\n---\n")
    git("commit", "-qam", "同事：更正户数和面积", when="2026-10-13T09:00:00+08:00")
    git("checkout", "-q", "-")
    _replace(conflict, "79 户享受补贴", "81 户享受补贴")
    git("commit", "-qam", "文书：更正户数", when="2026-10-14T09:00:00+08:00")
    subprocess.run(["git", "merge", "-q", "--no-commit", "colleague"], cwd=demo_copy, capture_output=True)
    conflict.write_text(subprocess.run(["git", "show", "colleague:affairs/2026-gengdi-butie.md"], cwd=demo_copy,
                                       capture_output=True, text=True, check=True).stdout
                        .replace("80 户享受补贴", "82 户享受补贴"), encoding="utf-8")
    git("checkout", "HEAD", "--", "affairs/2026-zhaijidi.md")  # "use mine" in a merge tool
    git("add", "-A")
    git("commit", "-qm", "合并同事的修改", when="2026-10-15T09:00:00+08:00")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr

    record = revision_record(out / "affairs" / "2026-gengdi-butie.html")
    assert "公开后修改过 3 次" in record, record
    assert re.search(r"同事：更正户数和面积 .*［删］ 79 ［增］ 80 .*文书：更正户数 .*［删］ 80 ［增］ 81 "
                     r".*2026年10月15日 09:00 说明：合并同事的修改 .*［删］ 81 ［增］ 82 ", record), record
    assert "本页内容更新于 2026年10月15日" in (out / "affairs" / "2026-gengdi-butie.html").read_text(encoding="utf-8")
    record = revision_record(out / "affairs" / "2026-zhaijidi.html")
    assert "公开后修改过 2 次" in record, record
    assert re.search(r"同事：更正户数和面积 .*［删］ 110 ［增］ 120 .*合并同事的修改 .*［删］ 120 ［增］ 110 ", record), record
    # An edit the merge took as it was is shown once, at the colleague's commit.
    record = revision_record(out / "affairs" / "2026-fuwuzhongxin-gaizao.html")
    assert "公开后修改过 1 次" in record and "同事：更正户数和面积" in record and "合并同事的修改" not in record, record


def _replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_following_the_advice_for_an_older_commit_message_keeps_every_revision_s_date(demo_copy, tmp_path):
    """E-PRIVACY-COMMIT tells the clerk how to rewrite an older message. The plain `git rebase -i X^` it gave
    dates every commit it rewrites today, and the site dates revisions by their commits: after the fix,
    every later revision showed the day of the fix, and an edit made before a notice was published
    counted as a revision after it (公开后修改过 1 次)."""
    git = _committed(demo_copy)
    _replace(demo_copy / "affairs" / "2026-gengdi-butie.md", "79 户享受补贴", "80 户享受补贴")
    git("commit", "-qam", "更正户数，联系人 13800001234", when="2026-10-20T09:30:00+08:00")
    _replace(demo_copy / "affairs" / "2026-yishiyiyi.md", "400 米", "420 米")  # published on 2026-11-21
    git("commit", "-qam", "修改一事一议方案", when="2026-11-01T09:00:00+08:00")
    check = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    (said,) = [l for l in _diagnostics(check.stderr) if "[E-PRIVACY-COMMIT]" in l]
    command = re.search(r"运行 (git rebase -i [^，]+)，", said).group(1).split()
    clerk = {"GIT_AUTHOR_NAME": "文书", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "文书", "GIT_COMMITTER_EMAIL": "a@b"}
    subprocess.run(command, cwd=demo_copy, check=True, capture_output=True,
                   env={**os.environ, **clerk, "GIT_SEQUENCE_EDITOR": "sed -i '1s/^pick/reword/'",
                        "GIT_EDITOR": "sed -i '1s/.*/更正户数/'"})
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    record = revision_record(out / "affairs" / "2026-gengdi-butie.html")
    assert "2026年10月20日 09:30 说明：更正户数 " in record, record
    record = revision_record(out / "affairs" / "2026-yishiyiyi.html")
    assert "公开后没有修改过" in record and "2026年11月1日 09:00 公开前 说明：修改一事一议方案" in record, record


def test_rewriting_a_published_commit_is_said_once_and_rewording_it_is_not(demo_copy, tmp_path):
    """``git commit --amend`` of a commit the site was published from takes the version published
    then out of the record, and git keeps no trace of it: the build that publishes from the new
    history says so. Rewording a message (as E-PRIVACY-COMMIT advises) keeps every change."""
    git = _committed(demo_copy)
    out = tmp_path / "site"
    build = lambda: run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n第一次补充。\n", encoding="utf-8")
    git("commit", "-qam", "补充说明", when="2026-11-01T09:00:00+08:00")
    assert "W-HISTORY-REWRITTEN" not in build().stderr
    git("commit", "-q", "--amend", "-m", "补充说明（改了措辞）", when="2026-11-01T09:00:00+08:00")
    assert "W-HISTORY-REWRITTEN" not in build().stderr  # the same change, reworded
    notice.write_text(notice.read_text(encoding="utf-8").replace("第一次补充", "改过的补充"), encoding="utf-8")
    git("commit", "-q", "--amend", "-am", "补充说明", when="2026-11-01T09:00:00+08:00")
    done = build()
    assert done.returncode == 0, done.stderr
    said = [line for line in _diagnostics(done.stderr) if "W-HISTORY-REWRITTEN" in line]
    assert len(said) == 1 and "已不在现在的 git 历史里" in said[0]
    notice.write_text(notice.read_text(encoding="utf-8") + "\n第二次补充。\n", encoding="utf-8")
    git("commit", "-qam", "再补充", when="2026-11-02T09:00:00+08:00")
    assert "W-HISTORY-REWRITTEN" not in build().stderr  # said once: the site is published from this history now
