"""Kiosk output as built files: containment, QR codes, settings checks, expiry markers.

Browser behaviour (touch sizes, idle return, attract loop) is in test_kiosk_browser.py.
"""
from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from conftest import TODAY, run_cli


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[dict] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.links.append(attrs)
        if tag in ("link", "script", "img") and (attrs.get("href") or attrs.get("src")):
            self.assets.append(attrs.get("href") or attrs.get("src"))


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _kiosk_pages(site: Path) -> list[Path]:
    return sorted((site / "kiosk").rglob("*.html"))


def _build(content: Path, out: Path):
    return run_cli("build", "--content", str(content), "--out", str(out), "--today", TODAY)


def test_every_page_has_a_kiosk_page_and_every_kiosk_link_stays_in_the_kiosk(built_demo):
    phone_pages = [p.relative_to(built_demo).as_posix() for p in built_demo.rglob("*.html")
                   if not p.relative_to(built_demo).as_posix().startswith(("kiosk/", "print/"))]
    for page in phone_pages:
        if page == "search.html":  # typing Chinese needs a keyboard the kiosk does not have
            continue
        assert (built_demo / "kiosk" / page).is_file(), f"no kiosk page for {page}"
    for page in _kiosk_pages(built_demo):
        here = page.parent.relative_to(built_demo).as_posix()
        parsed = _parse(page)
        for a in parsed.links:
            assert "target" not in a and "download" not in a, (page, a)
            target = a.get("href", "")
            if target.startswith("#"):
                continue
            assert not urlsplit(target).scheme, f"{page}: link leaves the kiosk: {target}"
            resolved = posixpath.normpath(posixpath.join(here, unquote(urlsplit(target).path)))
            assert resolved.startswith("kiosk/") and resolved.endswith(".html"), f"{page}: {target} -> {resolved}"
            assert (built_demo / resolved).is_file(), f"{page}: broken link {target}"
        for asset in parsed.assets:  # every file a kiosk page loads is local and relative
            if asset == "data:,":  # the empty favicon that saves a request
                continue
            assert not urlsplit(asset).scheme and not asset.startswith("/"), (page, asset)
            resolved = posixpath.normpath(posixpath.join(here, unquote(asset)))
            assert (built_demo / resolved).is_file(), (page, asset)


def test_attachments_become_qr_codes_of_their_phone_address(built_demo):
    html = (built_demo / "kiosk/affairs/2026-gengdi-butie.html").read_text(encoding="utf-8")
    card = re.search(r'<span class="kiosk-qr">(.*?)</span></span>', html, re.S)
    assert card, "the PDF attachment is not shown as a QR card"
    # Captioned with the attachment's title, not its pinyin file name; the code is the file's phone address.
    assert "耕地地力保护补贴发放名单" in card.group(1) and "gengdi-butie-2026" not in card.group(1)
    from villageboard.rendering import qr

    expected = qr.svg("https://cunwu.example.org/qingxi/files/affairs/files/gengdi-butie-2026.pdf")
    assert re.findall(r' d="([^"]+)"', str(expected))[-1] in card.group(1)
    assert "请用手机扫码打开" in html
    assert ".pdf" not in "".join(a.get("href", "") for a in _parse(built_demo / "kiosk/affairs/2026-gengdi-butie.html").links)
    # The phone page still links the attachment normally.
    assert 'href="../files/affairs/files/gengdi-butie-2026.pdf"' in (
        built_demo / "affairs/2026-gengdi-butie.html").read_text(encoding="utf-8")


def test_every_kiosk_page_shows_a_qr_code_of_its_phone_page(built_demo):
    for page in _kiosk_pages(built_demo):
        html = page.read_text(encoding="utf-8")
        assert 'aria-label="本页手机版二维码"' in html, page
        assert "把这一页带回家" in html
    # Phone pages carry no kiosk chrome.
    assert "本页手机版二维码" not in (built_demo / "index.html").read_text(encoding="utf-8")


def test_qr_code_encodes_the_phone_address():
    from villageboard.rendering import qr

    svg = qr.svg("https://cunwu.example.org/qingxi/affairs/2026-dibao-q4.html", "测试")
    assert svg.startswith('<svg role="img" aria-label="测试"') and "viewBox" in svg
    assert "<script" not in svg and "http" not in svg.split(">", 1)[1]  # pure drawing, no link


def test_kiosk_home_has_a_tile_per_section_and_the_attract_loop(built_demo):
    html = (built_demo / "kiosk/index.html").read_text(encoding="utf-8")
    tiles = re.findall(r'<a class="kiosk-tile" href="([^"]+)"><strong>([^<]+)</strong>', html)
    phone_home = (built_demo / "index.html").read_text(encoding="utf-8")
    buttons = re.findall(r'<a class="big-button" href="([^"]+)"><strong>([^<]+)</strong>', phone_home)
    assert tiles == buttons  # every section the phone home offers, in the same order
    assert {"党务公开", "村务公开", "网格"} <= {t for _, t in tiles}
    attract = html[html.index('id="attract"'):]
    for title in ("关于召开村民代表会议的通知", "2026年第四季度最低生活保障对象公示", "关于拟接收刘小燕同志为预备党员的公示"):
        assert title in attract
    assert 'data-expires="2026-11-25"' in attract
    assert 'data-idle="90"' in html and 'data-home="index.html"' in html and 'data-version="../version.json"' in html


def test_current_listings_carry_expiry_but_year_archives_do_not(built_demo):
    current = (built_demo / "kiosk/affairs/index.html").read_text(encoding="utf-8")
    assert '<li data-expires="2026-11-25">' in current
    archive = (built_demo / "kiosk/affairs/2026.html").read_text(encoding="utf-8")
    assert "data-expires" not in archive  # the archive keeps expired notices reachable


def test_no_zoom_lock_in_any_page(built_demo):
    for page in built_demo.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "user-scalable" not in html and "maximum-scale" not in html, page


def test_external_links_and_phone_only_pages_become_qr_codes(demo_copy, tmp_path):
    notice = demo_copy / "affairs" / "2026-yishiyiyi.md"
    notice.write_text(notice.read_text(encoding="utf-8") + (
        "\n政策原文见[县政府网站](https://www.example.gov.cn/zhengce/2026-18.html)，"
        "施工图见[这里](files/shigong-tu.png)，也可[打电话](tel:0570-7281234)。\n"
        '<a href="https://evil.example.com/" target="_blank" download>下载</a>\n'), encoding="utf-8")
    out = tmp_path / "site"
    done = _build(demo_copy, out)
    assert done.returncode == 0, done.stderr
    page = out / "kiosk/affairs/2026-yishiyiyi.html"
    html = page.read_text(encoding="utf-8")
    links = _parse(page).links
    assert not [a for a in links if urlsplit(a.get("href", "")).scheme]
    assert "县政府网站" in html and "www.example.gov.cn 的网页：请用手机扫码打开" in html
    assert "这里" in html and "附件：请用手机扫码打开" in html
    assert "打电话" in html and "tel:" not in html
    assert "target=" not in html and "download" not in html
    # The phone page keeps the real links.
    phone = (out / "affairs/2026-yishiyiyi.html").read_text(encoding="utf-8")
    assert 'href="https://www.example.gov.cn/zhengce/2026-18.html"' in phone


def test_without_base_url_no_page_qr_and_a_warning(demo_copy, tmp_path):
    village = demo_copy / "village.yaml"
    village.write_text(re.sub(r"(?m)^base_url:.*\n", "", village.read_text(encoding="utf-8")), encoding="utf-8")
    out = tmp_path / "site"
    done = _build(demo_copy, out)
    assert done.returncode == 0, done.stderr
    assert re.search(r"village\.yaml:1: 警告：没有填写 base_url.*\[W-KIOSK-BASE-URL\]", done.stderr), done.stderr
    html = (out / "kiosk/affairs/2026-gengdi-butie.html").read_text(encoding="utf-8")
    assert "本页手机版二维码" not in html and "<svg" not in html
    assert "gengdi-butie-2026.pdf" in html and "请在手机或电脑上打开本村网站查看" in html
    checked = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert checked.returncode == 0 and "W-KIOSK-BASE-URL" in checked.stderr


def test_idle_seconds_out_of_range_is_an_error_with_its_line(demo_copy):
    village = demo_copy / "village.yaml"
    text = village.read_text(encoding="utf-8").replace("idle_seconds: 90", "idle_seconds: 5")
    village.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "idle_seconds" in t)
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1
    assert re.search(rf"village\.yaml:{line}: 错误：kiosk\.idle_seconds 写的是 5，应在 30 到 600 秒之间.*\[E-KIOSK-IDLE\]",
                     done.stderr), done.stderr
    assert "Traceback" not in done.stderr


def test_kiosk_script_and_style_are_small_and_local():
    from conftest import ROOT

    js = (ROOT / "layouts/static/kiosk.js").read_text(encoding="utf-8")
    css = (ROOT / "layouts/static/kiosk.css").read_text(encoding="utf-8")
    assert len(js.encode()) < 30 * 1024 and len(css.encode()) < 30 * 1024
    for text in (js, css):
        assert "http://" not in text and "https://" not in text and "@import" not in text
    assert "overscroll-behavior: none" in css and "user-select: none" in css
