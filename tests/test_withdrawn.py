"""Published items removed from content/ do not vanish: their address says when and why."""
from __future__ import annotations

import re

from conftest import TODAY, committed, revision_record, run_cli


def test_a_removed_ledger_keeps_its_address_and_shows_in_the_calendar(tmp_path, demo_copy):
    git = committed(demo_copy, "发布", when="2026-10-12T10:00:00+08:00")
    git("rm", "-q", "finance/2026-Q2.yaml")
    git("commit", "-qm", "撤下：两笔支出记错，核对后重新公开", when="2026-10-20T15:00:00+08:00")
    out = tmp_path / "site"
    # as a clerk runs it: from the village's folder, with the default relative paths
    done = run_cli("build", "--today", TODAY, cwd=demo_copy.parent)
    assert done.returncode == 0, done.stderr
    assert "2026年第二季度的财务公开表已于 2026-10-20 撤下（撤下：两笔支出记错，核对后重新公开）" in done.stderr
    page = (out / "finance" / "2026-Q2.html").read_text(encoding="utf-8")
    assert "本期财务公开表已于 2026年10月20日 撤下" in page and "两笔支出记错" in page
    assert "原发布日期：2026年7月13日" in page
    assert "6,812.45" not in page  # the withdrawn figures are not shown again
    index = (out / "finance" / "index.html").read_text(encoding="utf-8")
    assert 'href="2026-Q2.html">原表已于 2026年10月20日 撤下' in index
    assert "逾期未公开" in index


def test_a_removed_decision_and_compact_version_keep_their_addresses(tmp_path, demo_copy):
    git = committed(demo_copy, "发布", when="2026-10-12T10:00:00+08:00")
    git("rm", "-q", "affairs/decisions/2026-houshan-linzu.yaml", "compact/2019.md")
    git("commit", "-qm", "撤下：按镇里要求重新整理档案", when="2026-11-02T09:00:00+08:00")
    done = run_cli("build", "--today", TODAY, cwd=demo_copy.parent)
    assert done.returncode == 0, done.stderr
    out = demo_copy.parent / "site"
    decision = (out / "affairs" / "decisions" / "2026-houshan-linzu.html").read_text(encoding="utf-8")
    assert "本事项的公开记录已于 2026年11月2日 撤下" in decision and "按镇里要求重新整理档案" in decision
    assert 'href="../index.html">村务公开</a>' in decision
    archive = (out / "affairs" / "2026.html").read_text(encoding="utf-8")
    assert "后山集体林地出租建设露营基地" in archive and "已撤下" in archive
    compact = (out / "compact" / "2019.html").read_text(encoding="utf-8")
    assert "这一版村规民约已于 2026年11月2日 撤下" in compact
    assert "原发布日期：2019年12月20日" in compact
    assert (out / "compact" / "index.html").is_file()  # the 2024 version is still in force
    assert "W-COMPACT-CURRENT-WITHDRAWN" not in done.stderr  # an old version removed: the current one stands


def test_an_item_withdrawn_and_published_again_is_compared_with_the_text_withdrawn(tmp_path, demo_copy):
    """撤下：两笔支出记错，核对后重新公开 — and the ledger came back under its name with other amounts.
    Its record said 重新发布 and nothing else: the amounts as first published were nowhere, so a
    withdrawal and a new file changed a published ledger without a trace. A notice published again
    showed its new body whole under 首次发布时的全文, and a changed summary not at all."""
    git = committed(demo_copy, "发布", when="2026-10-12T10:00:00+08:00")
    ledger, notice = demo_copy / "finance" / "2026-Q2.yaml", demo_copy / "affairs" / "2026-gengdi-butie.md"
    books, text = ledger.read_text(encoding="utf-8"), notice.read_text(encoding="utf-8")
    git("rm", "-q", "finance/2026-Q2.yaml", "affairs/2026-gengdi-butie.md")
    git("commit", "-qm", "撤下：两笔支出记错，核对后重新公开", when="2026-10-20T15:00:00+08:00")
    # Two expenditure rows corrected in opposite directions: the books still balance.
    ledger.write_text(books.replace("amount: 812.45", "amount: 821.45").replace("amount: 6000.00", "amount: 5991.00"),
                      encoding="utf-8")
    notice.write_text(text.replace("312.6 亩", "310.2 亩").replace("37,043.10", "36,758.70"), encoding="utf-8")
    git("add", "-A")
    git("commit", "-qm", "核对后重新公开", when="2026-10-22T15:00:00+08:00")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    record = revision_record(out / "finance" / "2026-Q2.html")
    again = record.split("重新发布", 1)[1]
    assert "重新发布的内容和撤下前的原文对照如下" in again, record
    assert re.search(r"村部电费（4—5月） .*? 812\.45 821\.45 .*村干部误工补贴（第二季度） .*? 6,000\.00 5,991\.00", again), record
    again = revision_record(out / "affairs" / "2026-gengdi-butie.html").split("重新发布", 1)[1]
    assert "首次发布时的全文" not in again
    assert re.search(r"摘要 全村 79 户享受补贴，面积 ［删］ 312\.6 ［增］ 310\.2 亩", again), again
    assert "补贴金额： ［删］ 37,043.10 ［增］ 36,758.70 元" in again, again


def test_a_renamed_compact_version_says_where_it_moved_not_that_it_was_withdrawn(demo_copy):
    git = committed(demo_copy, "发布", when="2026-01-01T10:00:00+08:00")
    git("mv", "compact/2024.md", "compact/2024-xiuding.md")
    git("commit", "-qm", "改文件名", when="2026-09-01T10:00:00+08:00")
    done = run_cli("build", "--today", TODAY, cwd=demo_copy.parent)
    assert done.returncode == 0, done.stderr
    out = demo_copy.parent / "site"
    old = (out / "compact" / "2024.html").read_text(encoding="utf-8")
    assert "这一版村规民约已换到新的地址" in old and 'href="2024-xiuding.html"' in old
    assert "撤下" not in old.split("<article", 1)[1].split("撤下和修改都留有记录")[0]  # it said 已于 2026年9月1日 撤下
    assert "现行版本" in (out / "compact" / "2024-xiuding.html").read_text(encoding="utf-8")


def test_withdrawing_the_current_compact_is_said_where_the_older_one_now_shows_as_current(demo_copy, browser):
    git = committed(demo_copy, "发布", when="2026-01-01T10:00:00+08:00")
    git("rm", "-q", "compact/2024.md")
    git("commit", "-qm", "撤下：发现错字", when="2026-09-01T10:00:00+08:00")
    done = run_cli("build", "--today", TODAY, cwd=demo_copy.parent)
    assert done.returncode == 0, done.stderr
    warnings = [l for l in done.stderr.splitlines() if l.endswith("[W-COMPACT-CURRENT-WITHDRAWN]")]
    assert len(warnings) == 1 and "compact/2019.md:1: 警告：" in warnings[0], done.stderr
    assert "2024.md" in warnings[0] and "2026-09-01 撤下" in warnings[0]
    out = demo_copy.parent / "site"
    for page in ("compact/index.html", "kiosk/compact/index.html", "print/compact/index.html", "compact/2019.html"):
        text = re.sub(r"<[^>]+>", "", (out / page).read_text(encoding="utf-8"))
        # It said only 现行版本 2019年12月20日起施行: the abolished version silently back in force.
        assert "现行版本2019年12月20日起施行" in text, page
        assert "2024年3月16日通过的新版本已于 2026年9月1日 撤下（撤下说明：撤下：发现错字）" in text, page
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto((out / "compact" / "index.html").as_uri())
    note = page.locator(".compact-status.withdrawn-newer")
    assert note.is_visible() and "新版本已于 2026年9月1日 撤下" in note.inner_text()
    page.close()
    # The touchscreen's idle loop too, which showed the 2019 version under 村规民约 alone.
    kiosk = (out / "kiosk" / "index.html").read_text(encoding="utf-8")
    labels = re.findall(r'<p class="slide-label">(村规民约[^<]*)</p>', kiosk)
    assert labels and set(labels) == {"村规民约（新版已于2026年9月1日撤下，这是之前的2019年版）"}, labels


def test_a_removed_household_keeps_its_address_and_a_renamed_one_says_where_it_moved(demo_copy):
    """An honour taken off the board was gone without a word: its address answered 404 and the list
    simply had one household fewer. It now says when it was removed and why, as a notice does."""
    # A file whose name was never an address (the build refused it) leaves no page when it goes.
    (demo_copy / "households" / "index.yaml").write_text(
        (demo_copy / "households" / "wang-dahai.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    git = committed(demo_copy, "发布", when="2026-06-01T10:00:00+08:00")
    git("mv", "households/li-shufen.yaml", "households/li-shufen-jia.yaml")
    git("commit", "-qm", "改文件名", when="2026-10-19T15:00:00+08:00")
    git("rm", "-q", "households/wang-dahai.yaml", "households/index.yaml")
    git("commit", "-qm", "撤下：本户申请不再公示", when="2026-10-20T15:00:00+08:00")
    done = run_cli("build", "--today", TODAY, cwd=demo_copy.parent)
    assert done.returncode == 0, done.stderr
    out = demo_copy.parent / "site" / "households"
    gone = (out / "wang-dahai.html").read_text(encoding="utf-8")
    assert "这一户的模范户公示已于 2026年10月20日 撤下" in gone and "本户申请不再公示" in gone
    assert "原发布日期：2026年6月1日" in gone and "星级文明户 · 王大海" in gone
    assert "葡萄" not in gone  # the story is not shown again
    index = (out / "index.html").read_text(encoding="utf-8")
    assert re.search(r'已撤下（1）.*href="wang-dahai.html">星级文明户 · 王大海</a>.*2026年10月20日 撤下', index, re.S), index
    assert "王大海家" not in index
    assert "本页内容更新于 2026年10月20日" in index  # the list changed when the household was taken off it
    moved = (out / "li-shufen.html").read_text(encoding="utf-8")
    assert "这一户的模范户公示已换到新的地址" in moved and 'href="li-shufen-jia.html"' in moved
    assert "撤下" not in moved.split("<article", 1)[1].split("撤下和修改都留有记录")[0]
    assert "li-shufen" not in index.split("已撤下")[1]  # moved, not removed
    assert (out / "li-shufen-jia.html").is_file()


def test_a_revised_household_shows_its_revision_record_with_its_phone_masked(demo_copy):
    """Every other published item showed what was changed after publication; a household's page
    did not, so a star taken away or a story rewritten left no trace. Its own phone (the one place a
    private mobile may stand) is masked in the record, as on the page, without a false warning."""
    git = committed(demo_copy, "发布", when="2026-06-01T10:00:00+08:00")
    wang, yao = demo_copy / "households" / "wang-dahai.yaml", demo_copy / "households" / "yao-xifei.yaml"
    wang.write_text(wang.read_text(encoding="utf-8").replace(", 团结星]", "]"), encoding="utf-8")
    yao.write_text(yao.read_text(encoding="utf-8").replace("13800001234", "13900005678")
                   .replace("联系中溪片 8 户人家", "联系中溪片 9 户人家"), encoding="utf-8")
    git("add", "-A")
    git("commit", "-qm", "复评：王大海家团结星未通过；姚锡飞换了手机", when="2026-09-01T10:00:00+08:00")
    done = run_cli("build", "--today", TODAY, cwd=demo_copy.parent)
    assert done.returncode == 0, done.stderr
    assert "W-PRIVACY-HISTORY" not in done.stderr
    out = demo_copy.parent / "site" / "households"
    record = revision_record(out / "wang-dahai.html")
    assert "这一户的公示于 2026年6月1日 公开，公开后修改过 1 次" in record, record
    assert "复评：王大海家团结星未通过" in record
    assert "星级 爱国星、守法星、诚信星、致富星、孝敬星、卫生星 ［删］ 、团结星" in record, record
    record = revision_record(out / "yao-xifei.html")
    assert "138****1234 139****5678" in record, record
    assert "13800001234" not in record and "13900005678" not in record
    assert re.search(r"联系中溪片 ［删］ 8 ［增］ 9 户人家", record), record


def test_a_file_refused_for_taking_a_list_address_leaves_no_withdrawn_page_when_it_goes(demo_copy):
    """party/index.md was refused (E-OUTPUT-COLLISION: the list's address), so the clerk deleted it,
    or renamed it as the message says: every build after that stopped with the same error, about
    a file no longer there, for its "withdrawn" page claimed the list's address; and the archive
    said a notice never published was 已撤下."""
    notice = "---\ntitle: {}\ndate: 2026-05-01\n---\n正文。\n"
    (demo_copy / "party" / "index.md").write_text(notice.format("误放的公告"), encoding="utf-8")
    (demo_copy / "party" / "2026.md").write_text(notice.format("年份名字的公告"), encoding="utf-8")
    (demo_copy / "affairs" / "index.md").write_text(notice.format("另一篇误放的公告"), encoding="utf-8")
    (demo_copy / "compact" / "index.md").write_text((demo_copy / "compact" / "2024.md").read_text(encoding="utf-8")
                                                    .replace("2024-03-16", "2024-03-17"), encoding="utf-8")
    git = committed(demo_copy, "发布", when="2026-05-01T10:00:00+08:00")
    git("rm", "-q", "party/index.md", "party/2026.md", "compact/index.md")
    git("mv", "affairs/index.md", "affairs/2026-wufang.md")
    git("commit", "-qm", "改正放错的文件", when="2026-05-02T10:00:00+08:00")
    done = run_cli("build", "--today", TODAY, cwd=demo_copy.parent)
    assert done.returncode == 0, done.stderr
    out = demo_copy.parent / "site"
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "误放的公告" not in text.replace("另一篇误放的公告", "") and "年份名字的公告" not in text, page
    assert "<title>党务公开 · 青溪村" in (out / "party" / "index.html").read_text(encoding="utf-8")
    compact = (out / "compact" / "index.html").read_text(encoding="utf-8")
    assert "现行版本" in compact and "撤下" not in compact.split("撤下和修改都留有记录")[0]
    assert "W-COMPACT-CURRENT-WITHDRAWN" not in done.stderr
    assert "另一篇误放的公告" in (out / "affairs" / "2026-wufang.html").read_text(encoding="utf-8")


def test_a_number_in_a_removed_items_last_text_is_masked_not_a_build_stopped_for_good(demo_copy):
    """A title taken from git's last text of a removed file went onto its withdrawn page and into the
    archive whole: the page scan then refused every build, at pages in site/ no edit could mend.
    It is masked, as the revision record masks old texts, with a warning about the history."""
    (demo_copy / "party" / "2026-idleak.md").write_text(
        "---\ntitle: 关于330824199001011234的公告\ndate: 2026-05-01\n---\n正文。\n", encoding="utf-8")
    wang = demo_copy / "households" / "wang-dahai.yaml"
    wang.write_text(wang.read_text(encoding="utf-8").replace("name: 王大海", "name: 王大海13812345678"), encoding="utf-8")
    git = committed(demo_copy, "发布", when="2026-06-01T10:00:00+08:00")
    git("rm", "-q", "party/2026-idleak.md", "households/wang-dahai.yaml", "households/yao-xifei.yaml")
    git("commit", "-qm", "撤下：含个人号码", when="2026-06-02T10:00:00+08:00")
    done = run_cli("build", "--today", TODAY, cwd=demo_copy.parent)
    assert done.returncode == 0, done.stderr
    out = demo_copy.parent / "site"
    assert "<h1>关于［身份证号已隐去］的公告</h1>" in (out / "party" / "2026-idleak.html").read_text(encoding="utf-8")
    assert "王大海138****5678" in (out / "households" / "index.html").read_text(encoding="utf-8")
    for page in out.rglob("*"):
        if page.is_file():
            data = page.read_bytes()
            assert b"330824199001011234" not in data and b"13812345678" not in data, page
    warned = sorted(l.split(":")[0] for l in done.stderr.splitlines() if l.endswith("[W-PRIVACY-HISTORY]"))
    # yao-xifei.yaml held its own phone where a household may: masked, but no leak to warn of
    assert warned == ["content/households/wang-dahai.yaml", "content/party/2026-idleak.md"], done.stderr
