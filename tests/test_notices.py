"""Notices on the phone site: what is shown when, attachments, Markdown, archives, history."""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import unquote

from conftest import TODAY, committed, run_cli


def build(content: Path, out: Path, today: str = TODAY) -> str:
    done = run_cli("build", "--content", str(content), "--out", str(out), "--today", today)
    assert done.returncode == 0, done.stderr
    return done.stderr


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_publish_draft_and_expiry_follow_today(built_demo):
    home = text(built_demo / "index.html")
    party = text(built_demo / "party" / "index.html")
    # publish date in the future: nowhere yet
    assert not (built_demo / "party" / "2026-12-zuzhishenghuohui.html").exists()
    assert "组织生活会通知" not in home + party
    assert not (built_demo / "affairs" / "2027-chunjie-zhiban.html").exists()
    # drafts: never
    assert not (built_demo / "party" / "caogao-dangke.html").exists()
    assert "冬季党课安排" not in home + party
    # expired: gone from the current list, still reachable in the year archive, marked
    assert "十月份主题党日活动安排" not in party
    archive = text(built_demo / "party" / "2026.html")
    assert "十月份主题党日活动安排" in archive and "已到期" in archive
    assert "已于 2026年10月31日 到期" in text(built_demo / "party" / "2026-10-zhutidangri.html")


def test_the_future_notice_appears_on_its_publish_day(tmp_path, demo_copy):
    build(demo_copy, tmp_path / "site", "2026-12-20")
    assert "2026年度组织生活会通知" in text(tmp_path / "site" / "party" / "index.html")


def test_pinned_notices_come_first(built_demo):
    home = text(built_demo / "index.html")
    pinned = home.split('id="pinned-h"')[1].split("</section>")[0]
    for title in ["关于召开村民代表会议的通知", "最低生活保障对象公示", "拟接收刘小燕同志为预备党员"]:
        assert title in pinned
    affairs = text(built_demo / "affairs" / "index.html")
    items = re.findall(r'<li[^>]*>\s*<a href="([^"]+)">', affairs)
    pinned_urls = {"2026-dibao-q4.html", "2026-daibiao-huiyi.html"}
    assert set(items[:2]) == pinned_urls


def test_attachments_are_copied_and_linked(built_demo):
    page = text(built_demo / "affairs" / "2026-gengdi-butie.html")
    href = re.search(r'href="([^"]+gengdi-butie-2026\.pdf)"', page).group(1)
    assert (built_demo / "affairs" / unquote(href)).resolve().is_file()
    image = re.search(r'<img alt="改造前的办事大厅" src="([^"]+)"', text(
        built_demo / "affairs" / "2026-fuwuzhongxin-gaizao.html")).group(1)
    assert (built_demo / "affairs" / unquote(image)).resolve().is_file()
    # a file no notice links to is not published
    assert not (built_demo / "files" / "party" / "caogao.pdf").exists()


def test_markdown_keeps_tables_lists_and_line_breaks(built_demo):
    page = text(built_demo / "party" / "2026-q3-dangfei.html")
    assert "<table>" in page and "<td" in page and "138.00" in page
    verse = text(built_demo / "party" / "2025-dongxun.html")
    assert "每期两天。<br>" in verse  # a line break inside a paragraph is kept


def test_raw_html_is_sanitized(tmp_path, demo_copy):
    (demo_copy / "affairs" / "xss.md").write_text(
        "---\ntitle: 测试\ndate: 2026-11-01\n---\n正文<script>alert(1)</script>"
        '<a href="javascript:alert(2)" onclick="steal()">点我</a>'
        '<iframe src="https://evil.example/"></iframe><img src="x.png" onerror="alert(3)">\n',
        encoding="utf-8")
    (demo_copy / "affairs" / "x.png").write_bytes((demo_copy / "affairs/files/shigong-tu.png").read_bytes())
    build(demo_copy, tmp_path / "site")
    body = text(tmp_path / "site" / "affairs" / "xss.html").split('<div class="body">')[1].split("</div>")[0]
    for bad in ("<script", "alert(1)", "javascript:", "onclick", "onerror", "<iframe", "evil.example"):
        assert bad not in body
    assert "点我" in body and "<img" in body


def test_a_link_that_cannot_open_is_named_at_its_line(tmp_path, demo_copy):
    """A link the page cannot keep (WeChat's own address, a space in a web address) shows as plain
    text: the clerk is told where, rather than finding out from a villager. Good links are not."""
    (demo_copy / "affairs" / "2026-lianjie.md").write_text(
        "---\ntitle: 链接\ndate: 2026-11-01\n---\n第一行。\n\n[加微信](weixin://dl/chat)\n\n"
        "[网址](<http://a b.com>)\n\n![示意图](ftp://example.org/a.jpg)\n\n[政府网站](https://www.gov.cn/)\n\n"
        "[打电话](tel:0571-88888888)\n\n[忘了写地址]()\n", encoding="utf-8")
    done = run_cli("build", "--content", str(demo_copy), "--out", str(tmp_path / "site"), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    named = re.findall(r"2026-lianjie\.md:(\d+): .*“([^”]*)”.*\[W-LINK-DROPPED\]", done.stderr)
    assert named == [("7", "weixin://dl/chat"), ("9", "http://a b.com"), ("11", "ftp://example.org/a.jpg")]
    assert re.search(r"2026-lianjie\.md:17: .*没有写地址.*\[W-LINK-DROPPED\]", done.stderr)
    body = text(tmp_path / "site" / "affairs" / "2026-lianjie.html")
    assert 'href=""' not in body and "忘了写地址" in body  # no link to the page itself
    assert "加微信" in body and 'href="https://www.gov.cn/"' in body and 'href="tel:0571-88888888"' in body


def test_a_message_that_quotes_what_the_clerk_wrote_never_shows_a_personal_number_whole(tmp_path, demo_copy):
    """The build's messages quote links and values as written; a number in them is hidden as the
    privacy scan hides it, in the terminal, the editor and a CI log alike."""
    (demo_copy / "affairs" / "2026-haoma.md").write_text(
        "---\ntitle: 号码\ndate: 2026-11-01\n---\n正文。\n\n[联系](weixin://330824199001011234)\n\n"
        "[网站](www.a.cn/13900001234)\n\n![图](ftp://example.org/138-0000-1234.jpg)\n", encoding="utf-8")
    done = run_cli("build", "--content", str(demo_copy), "--out", str(tmp_path / "site"), "--today", TODAY)
    assert done.returncode == 1
    said = [line for line in done.stderr.splitlines() if "2026-haoma.md" in line]
    assert {"W-LINK-DROPPED", "E-ASSET-MISSING", "E-PRIVACY-ID", "E-PRIVACY-PHONE"} <= \
        {re.search(r"\[([EW]-[A-Z-]+)\]$", line).group(1) for line in said}
    for number in ("330824199001011234", "13900001234", "0000-1234"):
        assert number not in done.stderr
    assert "139****1234" in done.stderr


def test_a_web_address_written_without_http_is_named_as_one(tmp_path, demo_copy):
    """[政府网站](www.gov.cn) is looked for as a file of the board: the error says it looks like a web
    address and how to write it, rather than only that no such file was found."""
    (demo_copy / "affairs" / "2026-wangzhi.md").write_text(
        "---\ntitle: 网址\ndate: 2026-11-01\n---\n详见：\n\n[政府网站](www.gov.cn/zhengce)\n", encoding="utf-8")
    done = run_cli("build", "--content", str(demo_copy), "--out", str(tmp_path / "site"), "--today", TODAY)
    assert done.returncode == 1
    assert re.search(r"2026-wangzhi\.md:7: .*像是网址.*https://www\.gov\.cn/zhengce.*\[E-ASSET-MISSING\]", done.stderr)


def test_a_notice_named_like_a_later_list_page_is_warned_before_the_year_fills_up(tmp_path, demo_copy):
    """2026-2.md ("2026年第2号") is free while 2026 has twenty notices or fewer, and then is the year
    list's second page: the build would stop. The clerk is told while renaming is still cheap."""
    for name in ("2026-2", "2026-1", "2026-12-zhengwu", "２０２６-2"):  # full-width digits make no list's name
        (demo_copy / "affairs" / f"{name}.md").write_text(
            f"---\ntitle: 公告{name}\ndate: 2026-11-01\n---\n正文。\n", encoding="utf-8")
    done = run_cli("build", "--content", str(demo_copy), "--out", str(tmp_path / "site"), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    assert re.findall(r"affairs/([^/:]+)\.md:1: .*\[W-NOTICE-FILENAME-LIST\]", done.stderr) == ["2026-2"]
    for n in range(3, 24):  # the year fills up: the second list page takes the address
        (demo_copy / "affairs" / f"2026-tian{n}.md").write_text(
            f"---\ntitle: 添{n}\ndate: 2026-10-{n:02}\n---\n正文。\n", encoding="utf-8")
    done = run_cli("build", "--content", str(demo_copy), "--out", str(tmp_path / "site"), "--today", TODAY)
    assert done.returncode == 1 and "E-OUTPUT-COLLISION" in done.stderr and "2026-2" in done.stderr


def test_gbk_bom_and_crlf_files_are_read(tmp_path, demo_copy):
    notice = "---\r\ntitle: 秋季防火通知\r\ndate: 2026-11-02\r\n---\r\n山林防火，人人有责。\r\n"
    (demo_copy / "affairs" / "gbk.md").write_bytes(notice.replace("秋季", "冬季").encode("gb18030"))
    (demo_copy / "affairs" / "bom.md").write_bytes(b"\xef\xbb\xbf" + notice.encode("utf-8"))
    warnings = build(demo_copy, tmp_path / "site")
    assert "gbk.md:1: 警告" in warnings and "W-ENCODING-GBK" in warnings
    assert "冬季防火通知" in text(tmp_path / "site" / "affairs" / "gbk.html")
    assert "秋季防火通知" in text(tmp_path / "site" / "affairs" / "bom.html")


def test_listings_paginate_and_archive_by_year(tmp_path, demo_copy):
    for i in range(45):
        (demo_copy / "affairs" / f"bulk-{i:02}.md").write_text(
            f"---\ntitle: 批量公告{i:02}\ndate: 2024-03-{i % 28 + 1:02}\n---\n内容\n", encoding="utf-8")
    out = tmp_path / "site"
    build(demo_copy, out)
    pages = sorted(p.name for p in (out / "affairs").glob("2024*.html"))
    assert pages == ["2024-2.html", "2024-3.html", "2024.html"]
    for name in pages:
        assert text(out / "affairs" / name).count("<li>\n    <a href") <= 20
    assert "第 1 / 3 页" in text(out / "affairs" / "2024.html")
    assert 'href="2024-2.html" rel="next"' in text(out / "affairs" / "2024.html")


def test_every_link_resolves_and_nothing_leaves_the_site(built_demo):
    for page in built_demo.rglob("*.html"):
        html = text(page)
        for ref in re.findall(r'(?:href|src)="([^"]+)"', html):
            if ref.startswith(("tel:", "mailto:", "#", "data:")):
                continue
            assert "://" not in ref and not ref.startswith("/"), (page, ref)
            target = (page.parent / unquote(ref.split("#")[0])).resolve()
            assert target.is_file(), (page, ref)


def test_grid_pages(built_demo):
    overview = text(built_demo / "grids" / "index.html")
    assert all(name in overview for name in ["上溪片", "中溪片", "下溪片"])
    assert "王春生" in text(built_demo / "grids" / "3.html")


def test_revision_history_from_git(tmp_path, demo_copy):
    git = committed(demo_copy, "发布")
    notice = demo_copy / "affairs" / "2026-zhaijidi.md"
    notice.write_text(text(notice).replace("110 平方米", "120 平方米"), encoding="utf-8")
    git("commit", "-qam", "更正占地面积", when="2026-06-05T09:30:00+08:00")
    out = tmp_path / "site"
    build(demo_copy, out)
    page = text(out / "affairs" / "2026-zhaijidi.html")
    assert "修订记录" in page and "更正占地面积" in page and "2026年6月5日" in page
    assert "本页内容更新于 2026年6月5日" in page
    assert "已修订" in text(out / "affairs" / "2026.html")
    # An item never changed says so, with when it entered the repository (首次发布) and nothing else.
    unchanged = text(out / "affairs" / "2026-daibiao-huiyi.html")
    assert "公开后没有修改过" in unchanged and unchanged.count('<li class="revision">') == 1
    assert "首次发布" in unchanged and "已修订" not in unchanged


def test_manifest_lists_sources_and_templates(built_demo):
    import json
    manifest = json.loads(text(built_demo / "build-manifest.json"))
    entry = manifest["party/2026-q3-dangfei.html"]
    assert entry["sources"] == ["party/2026-q3-dangfei.md"]
    assert "notice.html" in entry["templates"] and "phone/base.html" in entry["templates"]
    assert "kiosk/party/2026-q3-dangfei.html" in manifest and "print/party/2026-q3-dangfei.html" in manifest


def test_feed_and_sitemap_use_the_base_url(built_demo):
    import xml.etree.ElementTree as ET
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(built_demo / "feed.xml").getroot()
    titles = [e.findtext(atom + "title") for e in feed.iter(atom + "entry")]
    assert titles[0] == "溪边护栏“一事一议”筹资方案征求意见"  # newest first
    assert "冬季党课安排（草稿）" not in titles and "2026年度组织生活会通知" not in titles
    locs = [e.text for e in ET.parse(built_demo / "sitemap.xml").getroot().iter()
            if e.tag.endswith("loc")]
    assert "https://cunwu.example.org/qingxi/index.html" in locs
    assert not any("/kiosk/" in u or "/print/" in u for u in locs)


def test_notice_has_an_a4_print_page(built_demo):
    page = text(built_demo / "print" / "party" / "2026-q3-dangfei.html")
    assert "青溪村村务公开栏" in page and "村务监督电话：13905701234" in page
    assert "2026年第三季度党费收缴情况公示" in page
    assert 'class="qr"' in page and "手机扫码查看本页" in page  # the paper copy leads to the phone page
    assert 'href="../print/party/2026-q3-dangfei.html"' in text(built_demo / "party" / "2026-q3-dangfei.html")


def test_windows_style_attachment_paths_work(tmp_path, demo_copy):
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(text(notice).replace("[files/gengdi-butie-2026.pdf]", "[files\\gengdi-butie-2026.pdf]"),
                      encoding="utf-8")
    build(demo_copy, tmp_path / "site")
    assert (tmp_path / "site" / "files" / "affairs" / "files" / "gengdi-butie-2026.pdf").is_file()


def test_a_removed_notice_keeps_its_address_and_says_why(tmp_path, demo_copy):
    git = committed(demo_copy, "发布")
    git("rm", "-q", "affairs/2026-zhaijidi.md")
    git("commit", "-qm", "撤下：申请人已撤回翻建申请", when="2026-06-08T16:00:00+08:00")
    git("mv", "party/2025-dongxun.md", "party/2025-12-dongxun.md")
    git("commit", "-qm", "改文件名", when="2026-06-09T09:00:00+08:00")
    out = tmp_path / "site"
    build(demo_copy, out)
    page = text(out / "affairs" / "2026-zhaijidi.html")
    assert "本公告已于 2026年6月8日 撤下" in page and "申请人已撤回翻建申请" in page
    assert "原发布日期：2026年6月3日" in page
    assert "110 平方米" not in page  # the withdrawn text itself is not published again
    assert "宅基地申请审批结果公示" not in text(out / "affairs" / "index.html")
    archive = text(out / "affairs" / "2026.html")
    assert "宅基地申请审批结果公示" in archive and "已撤下" in archive
    assert "宅基地申请审批结果公示" not in text(out / "feed.xml")
    moved = text(out / "party" / "2025-dongxun.html")
    assert "本公告已换到新的地址" in moved and 'href="2025-12-dongxun.html"' in moved
    assert text(out / "party" / "2025.html").count("2025年度党员冬训安排") == 1


def test_a_draft_removed_before_publication_leaves_no_trace(tmp_path, demo_copy):
    git = committed(demo_copy, "初稿")
    git("rm", "-q", "party/caogao-dangke.md", "party/2026-12-zuzhishenghuohui.md")
    git("commit", "-qm", "删去草稿")
    build(demo_copy, tmp_path / "site")
    assert not (tmp_path / "site" / "party" / "caogao-dangke.html").exists()
    assert not (tmp_path / "site" / "party" / "2026-12-zuzhishenghuohui.html").exists()


def test_a_table_row_with_more_or_fewer_cells_than_its_header_is_an_error_at_its_line(demo_copy, tmp_path):
    """Markdown pads a short row at its end and drops a long row's extra cells: an amount left out
    of one cell was published as the number of people, and 1|500.00 as 1, without a word."""
    (demo_copy / "affairs" / "2026-buzhu.md").write_text(
        "---\ntitle: 补助发放公示\ndate: 2026-11-01\n---\n现将补助发放情况公示如下：\n\n"
        "| 户主 | 人数 | 金额（元） |\n|------|-----:|-----------:|\n"
        "| 王某 | 1,200.00 |\n"                      # line 9: 人数 would read 1,200.00
        "| 李某 | 3 | 900.00 | 另补 300.00 |\n"       # line 10: the last cell would vanish
        "| 张某 | 2 | 1|500.00 |\n"                   # line 11: 金额 would read 1
        "| 赵某 | 2 | 1\\|500.00 |\n"                 # an escaped bar is text: fine
        "| 钱某 | 1 | `8|0` |\n", encoding="utf-8")   # so is one in code
    for command in (["check"], ["build", "--out", str(tmp_path / "site")]):
        done = run_cli(*command, "--content", str(demo_copy), "--today", TODAY)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        found = re.findall(r"^(.+?):(\d+): 错误：(.+) \[E-TABLE-CELLS\]$", done.stderr, re.M)
        assert [(Path(p).name, int(n)) for p, n, _ in found] == [("2026-buzhu.md", 9), ("2026-buzhu.md", 10),
                                                                 ("2026-buzhu.md", 11)], done.stderr
        assert "有 2 格，表头有 3 格" in found[0][2] and "有 4 格，表头有 3 格" in found[1][2]
    assert not (tmp_path / "site").exists()


def test_nothing_a_notice_links_is_published_before_the_notice(demo_copy, tmp_path):
    """A notice dated tomorrow (no publish:) was left out, but its attachment and body picture were
    published at once, there for anyone who guessed their addresses. They are still checked now:
    a broken one must not wait to fail the build on the notice's day."""
    shutil.copy(demo_copy / "affairs" / "files" / "gaizao-qian.jpg", demo_copy / "affairs" / "mingtian.jpg")
    shutil.copy(demo_copy / "affairs" / "files" / "gengdi-butie-2026.pdf", demo_copy / "affairs" / "mingdan-mingtian.pdf")
    notice = demo_copy / "affairs" / "2026-mingtian.md"
    notice.write_text("---\ntitle: 明天的公示\ndate: 2026-12-07\nattachments: [mingdan-mingtian.pdf]\n---\n"
                      "![现场](mingtian.jpg)\n", encoding="utf-8")
    out = tmp_path / "site"
    build(demo_copy, out, today="2026-12-06")
    published = {p.name for p in (out / "files").rglob("*")}
    assert not {n for n in published if "mingtian" in n}, published
    assert "明天的公示" not in "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.js"))
    build(demo_copy, out, today="2026-12-07")
    published = {p.name for p in (out / "files").rglob("*")}
    assert {"mingtian.jpg", "mingdan-mingtian.pdf"} <= published
    # Checked before its day all the same.
    notice.write_text(notice.read_text(encoding="utf-8").replace("mingtian.jpg", "buzai.jpg"), encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", "2026-12-06")
    assert done.returncode == 1 and "2026-mingtian.md:6: 错误：" in done.stderr and "[E-ASSET-MISSING]" in done.stderr
