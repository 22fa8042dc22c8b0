"""What a supervisor (村务监督委员会) sees of a village's history: every change from the first
commit with what it changed — wording marked, ledger amounts side by side — no number that
a later commit removed, a compact compared article by article, and a sitemap and feed that
say when things changed. One temporary git village is built for the whole module."""
from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET

import pytest

from conftest import DEMO, SCREENSHOTS, TODAY, committed, run_cli
from test_page_quality import AXE, AXE_TAGS, VNU

ID_NUMBER = "330824198001011234"
NOTICE = "affairs/2026-gengdi-butie"
DECISION = "affairs/decisions/2026-houshan-linzu"
ATOM = {"a": "http://www.w3.org/2005/Atom"}
SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
COMPACT_2026 = """\
---
title: 青溪村村规民约
adopted: 2026-06-01
meeting: 青溪村村民会议（第三次修订）
votes: {{for: 80, against: 1, abstain: 1}}
---
{body}"""


def _edit(path, *pairs):
    text = path.read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def village(tmp_path_factory):
    """The demo village in git: a notice edited twice (an ID number added, then removed), a ledger
    amount corrected, a decision once committed broken, and a compact version rewriting one article."""
    root = tmp_path_factory.mktemp("git-village")
    content = root / "content"
    shutil.copytree(DEMO, content)
    git = committed(content, "发布第三季度公开内容", when="2026-10-12T10:00:00+08:00")
    notice = content / f"{NOTICE}.md"
    _edit(notice, ("每亩 118.50 元", "每亩 120.00 元"), ("**118.50 元**", "**120.00 元**"),
          ("分户明细见附件", f"申请人王某（身份证号 {ID_NUMBER}）面积有误，已更正。\n\n分户明细见附件"))
    git("commit", "-qam", "更正补贴标准", when="2026-10-20T09:30:00+08:00")
    # Two expenditure rows corrected in opposite directions: the books still balance.
    _edit(content / "finance" / "2026-Q3.yaml", ("category: 公益支出, amount: 2100.00", "category: 公益支出, amount: 2500.00"),
          ("amount: 6000.00, voucher: 记-09-07", "amount: 5600.00, voucher: 记-09-07"))
    git("commit", "-qam", "更正清淤支出金额", when="2026-10-25T15:00:00+08:00")
    decision = content / f"{DECISION}.yaml"
    good = decision.read_text(encoding="utf-8")
    decision.write_text(good.replace("title:", "title: [未闭合", 1), encoding="utf-8")
    git("commit", "-qam", "误存", when="2026-10-26T09:00:00+08:00")
    decision.write_text(good, encoding="utf-8")
    git("commit", "-qam", "恢复", when="2026-10-26T09:05:00+08:00")
    _edit(notice, (f"申请人王某（身份证号 {ID_NUMBER}）面积有误，已更正。\n\n", ""), ("到村部核对", "到村部二楼会计室核对"))
    git("commit", "-qam", "删去申请人证件号，补充核对地点", when="2026-11-02T08:00:00+08:00")
    body = (content / "compact" / "2024.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    body = body.replace("第六条 垃圾分类投放，不乱倒乱扔；房前屋后保持整洁，不乱堆柴草。",
                        "第六条 生活垃圾按可回收物、有害垃圾、厨余垃圾和其他垃圾四类分类投放，每月评比一次。")
    (content / "compact" / "2026.md").write_text(COMPACT_2026.format(body=body), encoding="utf-8")
    git("add", "-A")
    git("commit", "-qm", "村规民约第三次修订", when="2026-11-05T10:00:00+08:00")
    # A notice written ahead of its publication day and corrected before it: both commits are 公开前.
    ahead = content / "affairs" / "2026-dongzhi.md"
    ahead.write_text("---\ntitle: 冬至祭扫文明提示\ndate: 2026-11-15\n---\n请文明祭扫，不燃放鞭炮。\n", encoding="utf-8")
    git("add", "-A")
    git("commit", "-qm", "预先写好冬至提示", when="2026-11-10T10:00:00+08:00")
    _edit(ahead, ("不燃放鞭炮", "不燃放鞭炮，不焚烧纸钱"))
    git("commit", "-qam", "补充", when="2026-11-12T10:00:00+08:00")
    out = root / "site"
    done = run_cli("build", "--content", str(content), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    return content, out, done


def _record(out, path: str) -> str:
    page = (out / path).read_text(encoding="utf-8")
    found = re.search(r'<section class="revisions".*?</section>', page, re.S)
    assert found, path
    return found.group()


def _entries(record: str) -> list[str]:
    return re.findall(r'<li class="revision">.*?</li>\s*(?=<li class="revision">|</ol>)', record, re.S)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def test_the_notice_record_starts_with_the_first_version_and_shows_both_changes(village):
    _, out, _ = village
    record = _record(out, f"{NOTICE}.html")
    assert "公开后修改过 2 次" in record
    first, second, third = _entries(record)
    assert "<strong>首次发布</strong>" in first and "2026年10月12日 10:00" in first and "发布第三季度公开内容" in first
    # The whole first version, readable as it was (without the Markdown marks).
    assert "首次发布时的全文" in first and "每亩 118.50 元的标准" in _text(first) and "**" not in first
    assert "更正补贴标准" in second
    assert "<del><span class=\"diff-sign\">［删］</span>118.50</del><ins><span class=\"diff-sign\">［增］</span>120.00</ins>" in second
    assert "摘要" in second  # the front matter's summary changed too: a field, by its Chinese name
    assert "删去申请人证件号" in third and "2026年11月2日 08:00" in third
    assert "到村部<ins><span class=\"diff-sign\">［增］</span>二楼会计室</ins>核对" in third
    # Only what changed is shown; the untouched paragraphs are counted, not repeated.
    assert "段未改动，略" in third and "享受补贴农户" not in third


def test_changes_before_publication_are_marked_and_not_counted_as_revisions(village):
    _, out, _ = village
    record = _record(out, "affairs/2026-dongzhi.html")
    assert "公开后没有修改过" in record
    first, second = _entries(record)
    assert "公开前" in first and "公开前" in second
    assert "<ins><span class=\"diff-sign\">［增］</span>，不焚烧纸钱</ins>" in second
    listing = (out / "affairs" / "index.html").read_text(encoding="utf-8")
    (item,) = [li for li in re.findall(r"<li>.*?</li>", listing, re.S) if "冬至祭扫文明提示" in li]
    assert "已修订" not in item


def test_the_ledger_record_shows_old_and_new_amounts_side_by_side(village):
    _, out, _ = village
    record = _record(out, "finance/2026-Q3.html")
    first, change = _entries(record)
    assert "首次发布" in first and "更正清淤支出金额" in change
    rows = re.findall(r"<tbody class=\"row-changed\">(.*?)</tbody>", change, re.S)
    cells = {re.search(r"支出 · ([^<]+)", r).group(1): re.findall(r'<td class="num">(.*?)</td>', r) for r in rows}
    assert {k: [_text(c) for c in v] for k, v in cells.items()} == {
        "溪边沟渠清淤": ["2,100.00", "2,500.00"], "村干部误工补贴（第三季度）": ["6,000.00", "5,600.00"]}
    assert "原金额" in change and "新金额" in change
    assert "记-08-06" in change  # which voucher, so it can be checked against the books


def test_an_old_version_that_no_longer_parses_is_compared_as_text(village):
    _, out, _ = village
    broken, restored = [e for e in _entries(_record(out, f"{DECISION}.html")) if "误存" in e or "恢复" in e]
    for entry in (broken, restored):
        assert "读不出各项，下面按原文逐段对照" in entry and "未闭合" in entry
    assert re.search(r"<ins><span class=\"diff-sign\">［增］</span>[^<]*\[未闭合", broken)
    assert re.search(r"<del><span class=\"diff-sign\">［删］</span>[^<]*\[未闭合", restored)


def test_a_removed_id_number_never_appears_anywhere(village):
    content, out, done = village
    leaked = [p for p in out.rglob("*") if p.is_file() and ID_NUMBER.encode() in p.read_bytes()]
    assert leaked == []
    for rendition in ("", "kiosk/"):
        record = _record(out, f"{rendition}{NOTICE}.html")
        assert "［身份证号已隐去］" in record and "19800101" not in record
    # On paper, a few lines: the dates and reasons of the revisions after publication.
    paper = _record(out, f"print/{NOTICE}.html")
    assert "之后修改过 2 次（改了什么见网站上的本页）" in paper and "<ins>" not in paper and "首次发布" not in paper
    assert ID_NUMBER not in done.stdout + done.stderr
    assert f"{NOTICE}.md:1: 警告：这个文件的旧版本" in done.stderr and "[W-PRIVACY-HISTORY]" in done.stderr


def test_a_build_that_replays_the_village_keeps_each_record_and_warns_again(village, tmp_path, monkeypatch, capsys):
    """A build that replays the notices the last one read (``reading/memo.py``) keeps each one's
    revision record with its history, made by that build from the same commits, rather than
    reading old texts from git again; it still says which file's old versions hold a personal
    number, and the records are the same."""
    from villageboard import cli
    from villageboard.kinds import revisions

    content, out, _ = village
    made = []
    record = revisions._record
    monkeypatch.setattr(revisions, "_record", lambda item, *rest: made.append(item.path.name) or record(item, *rest))
    again = tmp_path / "again"
    assert cli.main(["build", "--content", str(content), "--out", str(again), "--today", TODAY, "--jobs", "1"]) == 0
    notices = {p.name for section in ("affairs", "party") for p in (content / section).glob("*.md")}
    assert f"{NOTICE.split('/')[1]}.md" in notices and not notices & set(made)  # kept, not made again
    assert f"{NOTICE}.md:1: 警告：这个文件的旧版本" in capsys.readouterr().err
    for path in (f"{NOTICE}.html", f"kiosk/{NOTICE}.html", f"{DECISION}.html", "compact/index.html"):
        assert _record(again, path) == _record(out, path), path


def test_an_old_amount_not_valid_today_is_shown_as_written_and_never_stops_a_build(tmp_path):
    """A row once committed with an amount of 30 digits, then with three decimals, then put right:
    every later build works, and the record shows each old figure exactly as it was written —
    never rounded to a figure nobody wrote (3000.005 as 3,000.01), nor a total made from it."""
    content = tmp_path / "content"
    shutil.copytree(DEMO, content)
    git = committed(content, "发布第三季度公开内容", when="2026-10-12T10:00:00+08:00")
    ledger = content / "finance" / "2026-Q3.yaml"
    for amount, message, when in (("300000000000000000000000000000.00", "误存", "2026-10-20T09:00:00+08:00"),
                                  ("3000.005", "又误存", "2026-10-20T09:05:00+08:00"),
                                  ("3000.00", "改正租金", "2026-10-20T09:10:00+08:00")):
        text = ledger.read_text(encoding="utf-8")
        ledger.write_text(re.sub(r"(category: 经营收入, amount: )[^,]+", rf"\g<1>{amount}", text, count=1),
                          encoding="utf-8")
        git("commit", "-qam", message, when=when)
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(content), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    _, huge, odd, back = _entries(_record(out, "finance/2026-Q3.html"))
    cells = [[_text(c) for c in re.findall(r'<td class="num">(.*?)</td>', e, re.S)] for e in (huge, odd, back)]
    assert cells == [["3,000.00", "300000000000000000000000000000.00"],
                     ["300000000000000000000000000000.00", "3000.005"], ["3000.005", "3,000.00"]]
    record = _record(out, "finance/2026-Q3.html")
    assert "3,000.01" not in record and "101,300.01" not in record


def test_a_rewritten_article_is_the_only_one_marked(village):
    _, out, _ = village
    page = (out / "compact" / "compare-2024.html").read_text(encoding="utf-8")
    blocks = re.findall(r'<div class="diff-block diff-(\w+)"[^>]*>(.*?)</div>', page, re.S)
    marked = [(op, _text(html)) for op, html in blocks if "<ins>" in html or "<del>" in html]
    assert len(marked) == 1 and marked[0][0] == "changed" and marked[0][1].startswith("第六条")
    assert "逐条对照：改动 1 处，新增 0 处，删去 0 处" in page
    assert re.search(r'<a href="#d\d+">第六条</a>', page)


def test_the_sitemap_says_when_each_page_last_changed(village):
    _, out, _ = village
    urls = {u.find("s:loc", SITEMAP).text.rsplit("/qingxi/", 1)[1]: u.find("s:lastmod", SITEMAP)
            for u in ET.parse(out / "sitemap.xml").getroot().findall("s:url", SITEMAP)}
    assert urls[f"{NOTICE}.html"].text == "2026-11-02T08:00:00+08:00"
    assert urls["finance/2026-Q3.html"].text == "2026-10-25T15:00:00+08:00"
    assert urls["affairs/2026-dibao-q4.html"].text == "2026-10-12T10:00:00+08:00"


def test_the_feed_carries_every_disclosure_and_shows_a_revised_one_again(village):
    _, out, _ = village
    feed = ET.parse(out / "feed.xml").getroot()
    assert any(l.get("rel") == "self" and l.get("href").endswith("/feed.xml") for l in feed.findall("a:link", ATOM))
    # A title carries its status in front (〔已修订〕…): look entries up by the plain title.
    entries = {re.sub(r"^〔[^〕]*〕", "", e.find("a:title", ATOM).text): e for e in feed.findall("a:entry", ATOM)}
    assert entries["2026年耕地地力保护补贴发放情况公示"] is not None
    assert any(e.find("a:title", ATOM).text.startswith("〔✎ 已修订〕") or "已修订" in e.find("a:title", ATOM).text
               for e in feed.findall("a:entry", ATOM))
    terms = {e.find("a:category", ATOM).get("term") for e in entries.values()}
    assert {"财务公开", "村务公开", "党务公开"} <= terms
    assert any(t.endswith("财务收支公开") for t in entries) and "后山集体林地出租建设露营基地" in entries
    revised = entries["2026年耕地地力保护补贴发放情况公示"]
    assert revised.find("a:published", ATOM).text == "2026-09-12T00:00:00+08:00"
    assert revised.find("a:updated", ATOM).text == "2026-11-02T08:00:00+08:00"


def test_the_pages_with_differences_are_valid_html(village):
    _, out, _ = village
    pages = [str(out / r / p) for r in ("", "kiosk", "print")
             for p in (f"{NOTICE}.html", "finance/2026-Q3.html", f"{DECISION}.html", "compact/compare-2024.html")]
    done = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *pages],
                          capture_output=True, text=True, timeout=300)
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    assert [(m.get("url", "").rsplit("/site/", 1)[-1], m.get("lastLine"), m["message"]) for m in messages] == []


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_the_record_and_the_comparison_read_on_a_360px_phone(village, browser):
    _, out, _ = village
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    # bypass_csp: axe is an injected script, which the pages' policy rightly refuses.
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(5000)
    try:
        for path, name in ((f"{NOTICE}.html", "revision-record-notice-360"),
                           ("finance/2026-Q3.html", "revision-record-ledger-360"),
                           ("compact/compare-2024.html", "compact-compare-article-360")):
            page.goto(base + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
            section = page.locator("section.revisions, article.compact-compare").first
            if "finance" in path:
                cells = section.locator("tbody.row-changed td.num")
                assert cells.nth(0).bounding_box()["x"] < cells.nth(1).bounding_box()["x"]  # old, then new
                assert cells.nth(0).evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
            else:
                # Shape and words, not colour: a grey print or a colour-blind reader still sees the change.
                ins = section.locator(".diff ins").first
                assert "double" in ins.evaluate("e => getComputedStyle(e).textDecorationStyle")
                assert ins.inner_text().startswith("［增］")
                assert section.locator(".diff del").first.evaluate(
                    "e => getComputedStyle(e).textDecorationLine") == "line-through"
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            section.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
            assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]] == [], path
    finally:
        context.close()
        server.shutdown()
