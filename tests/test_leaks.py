"""Nothing leaks out and nothing gets in: every published picture is stripped of location and
camera, SVG and disguised files are refused, pictures never load from another host, every
page forbids foreign and inline script, and the kiosk cannot be tricked into a way out."""
from __future__ import annotations

import io
import re
import struct
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
import zxingcpp
from PIL import Image

from conftest import TODAY, faulty_exif, run_cli
from test_qr import _image, _modules_drawn
from villageboard.kinds import kiosk
from villageboard.reading import assets, markup
from villageboard.reading.diagnostics import Report

GPS, MAKE, MODEL = 0x8825, 0x010F, 0x0110


def _camera_photo(path, fmt="JPEG"):
    exif = Image.Exif()
    exif[MAKE], exif[MODEL] = "VillagePhone", "X100"
    exif.get_ifd(GPS).update({1: "N", 2: (30.0, 15.0, 12.5), 3: "E", 4: (120.0, 5.0, 40.0)})
    Image.new("RGB", (64, 48), (200, 120, 40)).save(path, fmt, exif=exif.tobytes())


def _notice(content, body: str, attachments: str = "[]") -> None:
    (content / "affairs" / "2026-zhaopian.md").write_text(
        f"---\ntitle: 照片公示\ndate: 2026-11-01\nattachments: {attachments}\n---\n{body}\n", encoding="utf-8")


def _located(stderr):
    return [(m[0], int(m[1]), m[2]) for m in re.findall(r"^(.+?):(\d+): 错误：.+ \[(E-[A-Z0-9-]+)\]$", stderr, re.M)]


def test_every_published_picture_is_stripped_of_location_and_camera(demo_copy, tmp_path):
    _camera_photo(demo_copy / "affairs" / "dongtai.jpg")
    _camera_photo(demo_copy / "affairs" / "xianchang.webp", "WEBP")
    _camera_photo(demo_copy / "affairs" / "fujian.jpg")
    assert Image.open(demo_copy / "affairs" / "fujian.jpg").getexif().get_ifd(GPS)  # the source really has GPS
    _notice(demo_copy, "![现场](dongtai.jpg)\n\n![现场二](xianchang.webp)", "[fujian.jpg]")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    published = sorted(p for p in out.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp"))
    names = {p.name for p in published}
    assert {"dongtai.jpg", "xianchang.webp", "fujian.jpg", "gaizao-qian.jpg", "shigong-tu.png"} <= names
    for picture in published:
        with Image.open(picture) as image:
            exif = image.getexif()
            assert not exif.get_ifd(GPS) and MAKE not in exif and MODEL not in exif, picture
            assert "exif" not in image.info and "xmp" not in image.info, picture


@pytest.mark.parametrize("body, attachments, line, code", [
    ("![图](tu.svg)", "[]", 6, "E-ASSET-TYPE"),  # SVG can carry script
    ("正文", "[tu.svg]", 4, "E-ASSET-TYPE"),
    ("![图](jia.jpg)", "[]", 6, "E-ASSET-CONTENT"),  # a web page named .jpg
    ("正文", "[jia.pdf]", 4, "E-ASSET-CONTENT"),
    ("![图](https://img.example.com/a.jpg)", "[]", 6, "E-ASSET-EXTERNAL"),
    ('<img src="//img.example.com/a.png" alt="x">', "[]", 6, "E-ASSET-EXTERNAL"),
    ("![粘贴的图](data:image/png;base64,iVBORw0KGgo=)", "[]", 6, "E-ASSET-EXTERNAL"),  # no file, no gate
])
def test_files_that_could_carry_script_or_load_from_elsewhere_are_refused(demo_copy, body, attachments, line, code):
    (demo_copy / "affairs" / "tu.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', encoding="utf-8")
    (demo_copy / "affairs" / "jia.jpg").write_text("<html><script>alert(1)</script></html>", encoding="utf-8")
    (demo_copy / "affairs" / "jia.pdf").write_text("<html><script>alert(1)</script></html>", encoding="utf-8")
    _notice(demo_copy, body, attachments)
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1
    assert any(p.endswith("affairs/2026-zhaopian.md") and l == line and c == code for p, l, c in _located(done.stderr)), \
        done.stderr


def _cut_off(path):
    """A photo whose upload stopped halfway: the header reads, the pixels do not."""
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue()[:len(buffer.getvalue()) // 2])


def _huge(path):
    Image.new("L", (9000, 8000)).save(path)  # 72 million pixels: a decompression bomb's size


@pytest.mark.parametrize("make, name", [(_cut_off, "ban.jpg"), (_huge, "da.png")])
@pytest.mark.parametrize("where", ["body", "attachment"])
def test_a_picture_that_cannot_be_read_whole_is_refused_at_its_line(demo_copy, make, name, where):
    make(demo_copy / "affairs" / name)
    _notice(demo_copy, f"![图]({name})" if where == "body" else "正文", f"[{name}]" if where == "attachment" else "[]")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1 and "内部错误" not in done.stderr, done.stderr
    line = 6 if where == "body" else 4
    assert (str(demo_copy / "affairs" / "2026-zhaopian.md"), line, "E-ASSET-CONTENT") in _located(done.stderr), \
        done.stderr


@pytest.mark.parametrize("name, body, attachments", [
    ("cunkou.jpg", "![村口](cunkou.jpg)", "[]"),
    ("cunkou.webp", "![村口](cunkou.webp)", "[]"),
    ("cunkou.jpg", "[村口照片](cunkou.jpg)", "[]"),
    ("cunkou.jpg", "正文", "[cunkou.jpg]"),
])
def test_a_sideways_photo_with_a_faulty_exif_entry_is_published_upright(demo_copy, tmp_path, name, body, attachments):
    faulty_exif(demo_copy / "affairs" / name, "WEBP" if name.endswith(".webp") else "JPEG")
    _notice(demo_copy, body, attachments)
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0 and "Traceback" not in done.stderr and "内部错误" not in done.stderr, done.stderr
    page = (out / "affairs" / "2026-zhaopian.html").read_text(encoding="utf-8")
    assert f'../files/affairs/{name}"' in page  # the picture or link is on the page, not dropped
    with Image.open(out / "files" / "affairs" / name) as published:
        assert published.size == (20, 40)  # turned upright as its orientation says
        assert not published.getexif() and "exif" not in published.info


@pytest.mark.parametrize("body, attachments", [("![院子](shouji.jpg)", "[]"), ("正文", "[shouji.jpg]")])
def test_a_phone_jpeg_with_a_gain_map_is_published_as_a_plain_jpeg(demo_copy, tmp_path, body, attachments):
    """Current phones add an MPF segment and a second picture (Pillow reads the file as MPO); only the photo goes out."""
    exif = Image.Exif()
    exif[MAKE] = "VillagePhone"
    exif.get_ifd(GPS).update({1: "N", 2: (30.0, 15.0, 12.5)})
    photo, gain_map = Image.new("RGB", (64, 48), (20, 140, 60)), Image.new("RGB", (32, 24), (250, 250, 250))
    photo.save(demo_copy / "affairs" / "shouji.jpg", "MPO", save_all=True, append_images=[gain_map], exif=exif.tobytes())
    assert Image.open(demo_copy / "affairs" / "shouji.jpg").format == "MPO"
    _notice(demo_copy, body, attachments)
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    data = (out / "files" / "affairs" / "shouji.jpg").read_bytes()
    with Image.open(io.BytesIO(data)) as published:
        assert published.format == "JPEG" and getattr(published, "n_frames", 1) == 1 and b"MPF" not in data
        assert published.size == (64, 48) and not published.getexif() and "exif" not in published.info
        r, g, b = published.getpixel((32, 24))
        assert g > r + 60 and g > b + 40  # the photo, not the gain map


def test_a_fault_while_a_body_links_a_file_stops_the_build_at_its_line(demo_copy, monkeypatch):
    """nh3 swallows what its link filter raises: the page lost its picture and the build went on, exit 0."""
    def defect(path):
        raise struct.error("required argument is not an integer")

    monkeypatch.setattr(assets, "content_problem", defect)
    Image.new("RGB", (40, 20)).save(demo_copy / "affairs" / "tu.jpg")
    source, report = demo_copy / "affairs" / "2026-zhaopian.md", Report()
    markup.render("正文\n\n![图](tu.jpg) 和 [名单](tu.jpg)", source, 5, assets.Assets(demo_copy), report)
    assert [(d.line, d.code) for d in report.errors] == [(7, "E-INTERNAL"), (7, "E-INTERNAL")]
    assert "required argument is not an integer" in report.errors[0].message  # what to tell the maintainer


def test_a_16_bit_grey_scan_is_published_grey_not_white(demo_copy, tmp_path):
    Image.new("I;16", (40, 30), 32768).save(demo_copy / "affairs" / "saomiao.png")  # mid grey
    _notice(demo_copy, "![扫描件](saomiao.png)")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    with Image.open(out / "files" / "affairs" / "saomiao.png") as published:
        assert published.convert("L").getextrema() == (128, 128)


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.csp, self.handlers, self.styles, self.inline_scripts = [], [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp.append(attrs.get("content"))
        self.handlers += [name for name in attrs if name.startswith("on")]
        self.styles += ["style"] * ("style" in attrs) + ["<style>"] * (tag == "style")
        self.inline_scripts += tag == "script" and "src" not in attrs


def test_every_page_forbids_foreign_and_inline_script(built_demo):
    pages = sorted(built_demo.rglob("*.html"))
    assert len(pages) > 100
    for page in pages:
        parsed = _Page()
        parsed.feed(page.read_text(encoding="utf-8"))
        assert len(parsed.csp) == 1, page
        policy = dict(part.strip().split(" ", 1) for part in parsed.csp[0].split(";"))
        assert policy["default-src"] == "'none'" and policy["script-src"] == "'self'", page
        assert policy["style-src"] == "'self'" and policy["img-src"] == "'self'", page
        assert not parsed.handlers and not parsed.styles and not parsed.inline_scripts, page
    table = (built_demo / "affairs" / "2026-dibao-q4.html").read_text(encoding="utf-8")
    assert 'class="align-right"' in table  # Markdown column alignment survives as a class


@pytest.mark.parametrize("how", ["http", "disk"])
def test_pages_still_work_under_the_policy(browser, served, built_demo, how):
    """The site's own CSS and scripts load under the policy, over a server and opened from disk."""
    base = served if how == "http" else built_demo.as_uri() + "/"
    page = browser.new_page(viewport={"width": 1080, "height": 1920})
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(base + "kiosk/affairs/2026-dibao-q4.html")
    page.wait_for_function("() => document.querySelector('[data-clock=date]').textContent.length > 0")  # kiosk.js ran
    assert page.evaluate("getComputedStyle(document.body).fontSize") != "16px"  # kiosk.css applied
    page.goto(base + "search.html?q=" + "低保")
    page.wait_for_selector("#search-results li")  # search.js and its index ran
    page.goto(base + "affairs/2026-dibao-q4.html")
    align = page.evaluate("getComputedStyle(document.querySelector('td.align-right')).textAlign")
    assert align == "right"
    page.close()
    assert violations == []


def test_kiosk_links_are_read_as_a_browser_reads_them(demo_copy, tmp_path):
    """An href= inside another attribute must not hide the real target from the kiosk."""
    _notice(demo_copy, "<a title='href=\"../index.html\"' href=\"https://evil.example/\">看这里</a>")
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY).returncode == 0
    page = (out / "kiosk" / "affairs" / "2026-zhaopian.html").read_text(encoding="utf-8")
    assert 'href="https://evil.example/"' not in page and "二维码：看这里" in page


class _Hrefs(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.hrefs = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.hrefs += [value for name, value in attrs if tag == "a" and name == "href"]


@pytest.mark.parametrize("html", [
    '<a href="#top">回到顶部</a ><a href="https://evil.example/">看这里</a>',  # an end tag with a space
    '<!-- <a href="#top"> --><a href="https://evil.example/">看这里</a>',  # a comment that looks like a link
    '<a href="2026-zhaopian.html">本页<a href="https://evil.example/">看这里</a>',  # a link left open
])
def test_the_kiosk_finds_every_link_a_browser_would_follow(html):
    village = SimpleNamespace(phone_url=lambda path: "https://cunwu.example.org/qingxi/" + path)
    here = "kiosk/affairs/2026-zhaopian.html"
    contained = str(kiosk.contain(html, here, {here}, village))
    assert all(h.startswith("#") or h == "2026-zhaopian.html" for h in _Hrefs(contained).hrefs), contained
    assert 'aria-label="二维码：看这里"' in contained  # the way out became a QR code to take along


@pytest.mark.parametrize("value", ["javascript:alert(1)", 'https://cunwu.example.org/"><script>', "cunwu.example.org",
                                   "https://cunwu.example.org/qingxi/?", "https://[cunwu.example.org/qingxi/"])
def test_base_url_must_be_a_plain_web_address(demo_copy, value):
    village = demo_copy / "village.yaml"
    village.write_text(village.read_text(encoding="utf-8").replace(
        "base_url: https://cunwu.example.org/qingxi/", f"base_url: '{value}'"), encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1
    assert any(p.endswith("village.yaml") and l == 7 and c == "E-VILLAGE-BASE-URL" for p, l, c in _located(done.stderr))
    assert "W-KIOSK-BASE-URL" not in done.stderr  # written, and refused: not said to be missing as well


@pytest.mark.parametrize("value", ["https://admin:pw@cunwu.example.org/qingxi/", "https://admin@cunwu.example.org/qingxi/"])
def test_a_user_name_or_password_in_base_url_is_refused_before_it_reaches_the_qr_codes(demo_copy, tmp_path, value):
    village = demo_copy / "village.yaml"
    village.write_text(village.read_text(encoding="utf-8").replace(
        "base_url: https://cunwu.example.org/qingxi/", f"base_url: {value}"), encoding="utf-8")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 1
    assert any(p.endswith("village.yaml") and l == 7 and c == "E-VILLAGE-BASE-URL" for p, l, c in _located(done.stderr))
    assert "用户名或密码" in done.stderr and "https://cunwu.example.org/qingxi/" in done.stderr  # what to write instead
    assert not out.exists()  # no QR code, feed or sitemap carries it


def test_base_url_ending_in_a_page_name_is_refused_with_the_folder_to_write(demo_copy):
    village = demo_copy / "village.yaml"
    village.write_text(village.read_text(encoding="utf-8").replace(
        "base_url: https://cunwu.example.org/qingxi/", "base_url: https://cunwu.example.org/qingxi/index.html"),
        encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1  # the QR codes decoded to …/qingxi/index.html/compact/index.html
    assert any(p.endswith("village.yaml") and l == 7 and c == "E-VILLAGE-BASE-URL" for p, l, c in _located(done.stderr))
    assert "以 / 结尾，例如 https://cunwu.example.org/qingxi/ " in done.stderr


def test_doubled_slashes_in_base_url_are_read_as_the_folder_the_clerk_meant(demo_copy, tmp_path):
    village = demo_copy / "village.yaml"
    village.write_text(village.read_text(encoding="utf-8").replace(
        "base_url: https://cunwu.example.org/qingxi/", "base_url: https://cunwu.example.org//qingxi//"), encoding="utf-8")
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY).returncode == 0
    kiosk_page = (out / "kiosk" / "finance" / "2026-Q3.html").read_text(encoding="utf-8")
    svg = re.search(r'<svg role="img" aria-label="本页手机版二维码".*?</svg>', kiosk_page, re.S).group(0)
    drawn = _modules_drawn(svg)
    side = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
    scanned = zxingcpp.read_barcode(_image([[(x, y) in drawn for x in range(side)] for y in range(side)])).text
    assert scanned == "https://cunwu.example.org/qingxi/finance/2026-Q3.html"
    assert 'href="https://cunwu.example.org/qingxi/feed.xml"' in (out / "feed.xml").read_text(encoding="utf-8")
    addresses = re.findall(r"<loc>([^<]+)</loc>", (out / "sitemap.xml").read_text(encoding="utf-8"))
    assert addresses and all(a.startswith("https://cunwu.example.org/qingxi/") and "//" not in a[8:] for a in addresses)
