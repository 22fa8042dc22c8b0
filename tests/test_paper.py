"""Paper and the wall: printed notices carry their attachments, the board poster, titled attachments
on the kiosk. Printed to PDF in real Chromium (``page.pdf``) and read back with poppler."""
from __future__ import annotations

import json
import re
from decimal import Decimal
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from villageboard.cache import Cache
from conftest import DEMO, SCREENSHOTS, TODAY, run_cli, screenshot

PAPER_NOTICE = """---
title: 村道硬化工程验收公示
date: 2026-11-10
category: 项目建设
attachments:
  - {file: files/shigong-tu.png, title: 施工平面示意图}
  - {file: files/gengdi-butie-2026.pdf, title: 耕地地力保护补贴发放名单}
---
村道硬化工程已于11月8日通过验收，平面图和补贴名单附后。
"""
BROKEN_NOTICE = """---
title: 附件损坏的公告
date: 2026-11-09
attachments:
  - {file: files/broken.pdf, title: 损坏的名单}
---
正文。
"""
LONG_NOTICE = """---
title: 关于开展2026年度农村集体经济组织成员身份确认和股份经济合作社股权量化工作的通知请各户主认真核对
date: 2026-11-21
pinned: true
attachments:
  - {file: files/changce.pdf, title: 二十一页的名册}
---
正文。
"""


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def _text(pdf: Path, page: int | None = None) -> str:
    """The text of ``pdf`` (or of one sheet) without white space, so a line break never hides a phrase."""
    args = ["pdftotext"] + (["-f", str(page), "-l", str(page)] if page else []) + [str(pdf), "-"]
    return re.sub(r"\s+", "", subprocess.run(args, capture_output=True, text=True, check=True).stdout)


def _print(page, url: str, pdf: Path, paper: str = "A4") -> Path:
    page.goto(url)
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format=paper, prefer_css_page_size=True)
    return pdf


def _sheets_png(pdf: Path, name: str, dpi: int = 45) -> list[Image.Image]:
    """Every sheet of ``pdf`` as an image, and side by side under tests/screenshots/ for a person to look at."""
    folder = pdf.parent / (pdf.stem + "-png")
    folder.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(folder / "p")], check=True)
    sheets = [Image.open(p).convert("L") for p in sorted(folder.glob("p-*.png"))]
    strip = Image.new("L", (sum(s.width + 8 for s in sheets), max(s.height for s in sheets)), 128)
    x = 0
    for s in sheets:
        strip.paste(s, (x, 0))
        x += s.width + 8
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    strip.save(SCREENSHOTS / f"{name}.png")
    return sheets


def _ink(image: Image.Image, box=None) -> float:
    """Share of dark pixels."""
    part = image.crop(box) if box else image
    histogram = part.histogram()
    return sum(histogram[:128]) / max(1, sum(histogram))


@pytest.fixture(scope="module")
def paper_site(tmp_path_factory):
    """The demo with three more notices: an image and a PDF attached; a damaged PDF; a pinned notice
    with a long title and a 21-page PDF."""
    root = tmp_path_factory.mktemp("paper")
    content = root / "content"
    shutil.copytree(DEMO, content)
    files = content / "affairs" / "files"
    (content / "affairs" / "2026-yanshou.md").write_text(PAPER_NOTICE, encoding="utf-8")
    (content / "affairs" / "2026-broken.md").write_text(BROKEN_NOTICE, encoding="utf-8")
    (files / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%truncated by a bad upload")
    (content / "affairs" / "2026-long.md").write_text(LONG_NOTICE, encoding="utf-8")
    sheets = [Image.new("L", (105, 148), 255) for _ in range(21)]
    sheets[0].save(files / "changce.pdf", "PDF", resolution=36.0, save_all=True, append_images=sheets[1:])
    out = root / "site"
    done = run_cli("build", "--content", str(content), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    return out, done.stderr


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(locale="zh-CN")
    found = context.new_page()
    yield found
    context.close()


def test_a_printed_notice_carries_its_picture_and_the_pages_of_its_pdf(paper_site, page, tmp_path):
    out, _ = paper_site
    pdf = _print(page, (out / "print/affairs/2026-yanshou.html").as_uri(), tmp_path / "yanshou.pdf")
    # The notice with its picture on one sheet, then one sheet per page of the two-page list.
    assert _pages(pdf) == 3
    first, second, third = _text(pdf, 1), _text(pdf, 2), _text(pdf, 3)
    assert "村道硬化工程验收公示" in first and "村务监督电话：13905701234" in first
    assert "施工平面示意图" in first and "耕地地力保护补贴发放名单（PDF，共2页，附后）" in first
    for number, text in ((1, second), (2, third)):
        assert "附件2：耕地地力保护补贴发放名单" in text and f"第{number}页，共2页" in text
        assert "《村道硬化工程验收公示》" in text  # a sheet that comes loose still says what it belongs to
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in images.splitlines()[2:]]
    assert sorted(int(r[0]) for r in rows) == [1, 2, 3]  # the plan on sheet 1, a page picture on each other sheet
    assert all(int(r[3]) >= 1000 for r in rows if r[0] in ("2", "3"))  # rendered for paper, not a thumbnail
    sheets = _sheets_png(pdf, "print-notice-attachments")
    for sheet in sheets[1:]:  # the table's lines and figures fill the middle of the sheet
        w, h = sheet.size
        assert _ink(sheet, (0, h // 4, w, h // 2)) > 0.01, "the PDF page printed blank"
    # The list's own words are on the sheet: the PDF page made it through as a picture of itself.
    with Image.open(next((out / "files/affairs/files").glob("gengdi-butie-2026.pdf.*-1.png"))) as rendered:
        assert rendered.width == 1240 and rendered.mode in ("L", "P")


def test_a_short_notice_is_one_sheet_and_its_body_is_16_pt(built_demo, page, tmp_path):
    for path in ("print/party/2026-q3-dangfei.html", "print/affairs/2026-dibao-q4.html",
                 "print/affairs/2026-yishiyiyi.html"):
        pdf = _print(page, (built_demo / path).as_uri(), tmp_path / "short.pdf")
        assert _pages(pdf) == 1, path
        assert "手机扫码查看本页" in _text(pdf, 1)
        sizes = page.evaluate("""[...document.querySelectorAll('.body p, .body li, .summary, .meta, h1')]
            .map(e => parseFloat(getComputedStyle(e).fontSize))""")
        assert sizes and min(sizes) >= 16 * 96 / 72 - 0.01, (path, sizes)
    pdf = _print(page, (built_demo / "print/affairs/2026-gengdi-butie.html").as_uri(), tmp_path / "gengdi.pdf")
    assert _pages(pdf) == 3  # the notice, and the two pages of its list
    _sheets_png(pdf, "print-notice-gengdi")


def test_every_sheet_says_which_of_how_many_it_is(built_demo, page, tmp_path):
    """Sheets of one notice pinned apart on the board still go together: each sheet's foot counts
    it (张, sheets; an attachment's own pages, 页, are counted in its head), a ledger's too."""
    pdf = _print(page, (built_demo / "print/affairs/2026-gengdi-butie.html").as_uri(), tmp_path / "gengdi.pdf")
    assert [re.findall(r"第\d+张，共\d+张", _text(pdf, n)) for n in (1, 2, 3)] == \
        [["第1张，共3张"], ["第2张，共3张"], ["第3张，共3张"]]
    assert "第1页，共2页" in _text(pdf, 2)  # the attachment's own page, in its head
    for path in ("print/party/2026-q3-dangfei.html", "print/finance/2026-Q3.html"):
        pdf = _print(page, (built_demo / path).as_uri(), tmp_path / "one.pdf")
        assert "第1张，共1张" in _text(pdf, 1), path


def test_the_qr_code_and_phone_never_end_up_alone_on_a_sheet(built_demo, page, tmp_path):
    """The notice grows a paragraph at a time across two page breaks: the QR code and the supervision
    phone stay on the first sheet and the last sheet always holds text of the notice."""
    page.goto((built_demo / "print/party/2026-q3-dangfei.html").as_uri())
    page.emulate_media(media="print")
    pdf, seen = tmp_path / "grow.pdf", set()
    for n in range(45):
        page.evaluate("""n => { const p = document.createElement('p'); p.textContent = '段落' + n + '：补充说明的文字。';
                                document.querySelector('.body').append(p); }""", n)
        page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
        count = _pages(pdf)
        seen.add(count)
        first = _text(pdf, 1)
        assert "手机扫码查看本页" in first and "村务监督电话" in first, n
        assert re.search(r"段落\d+|修订记录|本公告", _text(pdf, count)), (n, count)
    assert {1, 2, 3} <= seen


def test_kiosk_shows_attachment_titles_and_their_pages(paper_site, browser):
    out, _ = paper_site
    context = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="zh-CN")
    kiosk = context.new_page()
    requests = []
    kiosk.on("request", lambda r: requests.append(r.url))
    kiosk.goto((out / "kiosk/affairs/2026-yanshou.html").as_uri())
    headings = kiosk.locator(".attachment h3").all_inner_texts()
    assert headings == ["1. 施工平面示意图", "2. 耕地地力保护补贴发放名单"]
    pictures = kiosk.locator(".attachment img")
    assert pictures.count() == 3
    for i in range(3):
        picture = pictures.nth(i)
        picture.scroll_into_view_if_needed()
        assert picture.evaluate("img => img.complete && img.naturalWidth > 0"), i
        assert picture.bounding_box()["width"] >= 900  # the width of the screen's column, not a thumbnail
    assert kiosk.get_by_text("第 2 页，共 2 页").is_visible()
    # To take it home: a QR code captioned with the title; no link out of the kiosk to the PDF.
    assert "耕地地力保护补贴发放名单（PDF，2 页）" in kiosk.locator(".kiosk-qr").last.inner_text()
    assert kiosk.locator("a[href$='.pdf']").count() == 0
    assert all(u.startswith("file://") for u in requests)  # offline: everything from the disk
    kiosk.evaluate("window.scrollTo(0, 0)")
    screenshot(kiosk, "kiosk-attachments")
    # The list's small print, enlarged with a tap (no script) and panned sideways with a finger.
    page_one = kiosk.locator(".att-page").nth(1)
    before = page_one.locator("img").bounding_box()["width"]
    page_one.get_by_role("checkbox", name="放大这一页").click()
    assert page_one.locator("img").bounding_box()["width"] >= 2 * before - 1
    assert page_one.locator(".att-scroll").evaluate("e => e.scrollWidth > e.clientWidth")
    page_one.locator("figcaption").scroll_into_view_if_needed()
    kiosk.screenshot(path=str(SCREENSHOTS / "kiosk-attachment-zoomed.png"))
    context.close()
    phone = (out / "affairs/2026-yanshou.html").read_text(encoding="utf-8")
    assert ">施工平面示意图（图片）</a>" in phone and ">耕地地力保护补贴发放名单（PDF，2 页）</a>" in phone


def test_a_damaged_pdf_prints_its_title_and_a_qr_code(paper_site, page, tmp_path):
    out, stderr = paper_site
    warning = next(line for line in stderr.splitlines() if "W-ATTACHMENT-PDF" in line)
    assert "2026-broken.md:5:" in warning and "broken.pdf" in warning
    pdf = _print(page, (out / "print/affairs/2026-broken.html").as_uri(), tmp_path / "broken.pdf")
    assert _pages(pdf) == 1
    text = _text(pdf)
    assert "损坏的名单（PDF，请扫码查看）" in text and "手机扫码查看附件" in text
    html = (out / "print/affairs/2026-broken.html").read_text(encoding="utf-8")
    assert 'aria-label="附件二维码：损坏的名单"' in html
    assert (out / "files/affairs/files/broken.pdf").is_file()  # still published for phones


def test_a_long_pdf_shows_its_first_twenty_pages(paper_site):
    out, stderr = paper_site
    assert any("W-ATTACHMENT-PAGES" in line and "2026-long.md" in line and "21 页" in line for line in stderr.splitlines())
    assert len(list((out / "files/affairs/files").glob("changce.pdf.*.png"))) == 20
    html = (out / "print/affairs/2026-long.html").read_text(encoding="utf-8")
    assert len(re.findall(r'class="att-sheet[ "]', html)) == 20 and "共 21 页，附后前 20 页" in html
    assert "这里显示前 20 页，全部 21 页请扫码在手机上查看" in (out / "kiosk/affairs/2026-long.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("paper, path, size", [("A4", "print/poster.html", "(A4)"), ("A3", "print/poster-a3.html", "(A3)")])
def test_the_board_poster_is_one_sheet(built_demo, page, tmp_path, paper, path, size):
    import zxingcpp

    pdf = _print(page, (built_demo / path).as_uri(), tmp_path / f"poster-{paper}.pdf", paper)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert _pages(pdf) == 1 and size in info, info
    text = _text(pdf)
    for expected in ("青溪村村务公开栏", "置顶公告", "关于召开村民代表会议的通知", "最新公告", "溪边护栏“一事一议”筹资方案征求意见",
                     "财务公开·2026年第三季度", "104,340.50", "村务监督电话", "13905701234", "手机扫码"):
        assert expected in text, expected
    sheet = _sheets_png(pdf, f"poster-{paper.lower()}", dpi=60)[0]
    codes = zxingcpp.read_barcodes(sheet)
    assert [c.text for c in codes] == ["https://cunwu.example.org/qingxi/"]  # 一村一码: the site itself
    # Readable from two metres: the titles and the phone are at least 24 pt on A4 (34 pt on A3).
    smallest = 24 if paper == "A4" else 34
    sizes = page.evaluate("""[...document.querySelectorAll('.poster-title, .poster-phone strong, .poster-money dd, h1')]
        .map(e => parseFloat(getComputedStyle(e).fontSize) * 72 / 96)""")
    assert min(sizes) >= smallest - 0.1, sizes


def test_a_poster_with_a_long_title_still_fits_one_sheet(paper_site, page, tmp_path):
    out, _ = paper_site
    pdf = _print(page, (out / "print/poster.html").as_uri(), tmp_path / "poster-long.pdf")
    assert _pages(pdf) == 1
    text = _text(pdf)
    assert "关于开展2026年度农村集体经济组织" in text  # the new pinned notice leads
    assert "13905701234" in text and "104,340.50" in text  # the phone and the accounts are never pushed off
    clipped = page.evaluate("""(() => { const room = document.querySelector('.poster-lists').getBoundingClientRect();
        return [...document.querySelectorAll('.poster-block li')].filter(li => li.getBoundingClientRect().bottom > room.bottom + 1)
            .map(li => li.innerText) })()""")
    assert clipped == []  # fewer items rather than half an item
    _sheets_png(pdf, "poster-a4-long-title", dpi=45)


def test_attachment_titles_are_checked_like_any_key(tmp_path, demo_copy):
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    text = notice.read_text(encoding="utf-8")
    notice.write_text(text.replace("{file: files/gengdi-butie-2026.pdf, title: 耕地地力保护补贴发放名单}",
                                   "{titel: 名单, file: files/gengdi-butie-2026.pdf}\n  - {title: 没有文件}"),
                      encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1
    assert re.search(r"2026-gengdi-butie\.md:7: .*“titel”，是不是 “title”.*\[E-YAML-UNKNOWN-KEY\]", done.stderr), done.stderr
    assert re.search(r"2026-gengdi-butie\.md:8: .*“file”.*\[E-YAML-MISSING-KEY\]", done.stderr), done.stderr
    assert "Traceback" not in done.stderr


def test_pdf_pages_are_rendered_once_and_kept_in_the_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(cache))
    build = lambda out: run_cli("build", "--content", str(DEMO), "--out", str(tmp_path / out), "--today", TODAY)
    assert build("cold").returncode == 0
    rendered = Cache(cache).entries("pdf-page")
    assert len(rendered) == 3  # two pages of the subsidy list, one of the meeting plan
    assert build("warm").returncode == 0
    assert Cache(cache).entries("pdf-page") == rendered
    cold = sorted((tmp_path / "cold/files").rglob("*.png"))
    assert [p.read_bytes() for p in cold] == [(tmp_path / "warm" / p.relative_to(tmp_path / "cold")).read_bytes()
                                              for p in cold]


def test_an_attachment_title_is_text_everywhere(tmp_path, demo_copy):
    payload = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8").replace(
        "title: 耕地地力保护补贴发放名单}", "title: " + json.dumps(payload, ensure_ascii=False) + "}"), encoding="utf-8")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    for rendition in ("", "kiosk/", "print/"):
        html = (out / rendition / "affairs/2026-gengdi-butie.html").read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(1)" in html, rendition  # shown as the clerk wrote it...
        assert "<script>alert" not in html and "<img src=x" not in html, rendition  # ...and never run


def _grow_ledger(content: Path, income: list[tuple[str, str]], expenditure: list[tuple[str, str]],
                 offset: Decimal = Decimal(0)) -> None:
    """More rows in the demo's 2026-Q3 ledger, (item, amount) each, booked as 经营收入 and 管理费用; with an
    ``offset``, every ledger's balances are raised by it (the books stay continuous). The closing balance follows."""
    for ledger in sorted((content / "finance").glob("20*.yaml")):
        text = ledger.read_text(encoding="utf-8")
        if offset:
            text = re.sub(r"^(opening_balance|closing_balance): ([\d.]+)$",
                          lambda m: f"{m[1]}: {Decimal(m[2]) + offset}", text, flags=re.M)
        if ledger.stem == "2026-Q3":
            rows = lambda pairs, category, v: "".join(
                f"  - {{date: 2026-08-{1 + i % 28:02d}, item: {item}, category: {category}, amount: {amount}, "
                f"voucher: 记-{v}-{i:02d}}}\n" for i, (item, amount) in enumerate(pairs))
            text = text.replace("expenditure:\n", rows(income, "经营收入", "S") + "expenditure:\n")
            text = text.replace("closing_balance:", rows(expenditure, "管理费用", "Z") + "closing_balance:")
            closing = Decimal(re.search(r"^closing_balance: ([\d.]+)$", text, re.M)[1])
            closing += sum((Decimal(a) for _, a in income), Decimal(0)) - sum((Decimal(a) for _, a in expenditure), Decimal(0))
            text = re.sub(r"^closing_balance: [\d.]+$", f"closing_balance: {closing}", text, flags=re.M)
        ledger.write_text(text, encoding="utf-8")


def _build(content: Path, out: Path) -> Path:
    done = run_cli("build", "--content", str(content), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    return out


def test_a_long_ledger_prints_its_totals_once_after_the_last_row(demo_copy, page, tmp_path):
    """25 income and 25 expenditure rows take three sheets: the header row heads each sheet, but 本期合计 and
    大写 stand once, under the last row, so no sheet seems to total only its own rows."""
    _grow_ledger(demo_copy, [(f"第{i}号摊位租金", "120.00") for i in range(1, 23)],
                 [(f"第{i}批保洁用品", "35.50") for i in range(1, 22)])
    out = _build(demo_copy, tmp_path / "site")
    pdf = _print(page, (out / "print/finance/2026-Q3.html").as_uri(), tmp_path / "ledger-long.pdf")
    sheets = [_text(pdf, n) for n in range(1, _pages(pdf) + 1)]
    assert sum("记-" in s for s in sheets) >= 2
    assert all("序号日期凭证号摘要科目收入" in s for s in sheets if "记-" in s)  # the header row on every sheet
    assert sum(s.count("本期合计") for s in sheets) == 1 and sum(s.count("大写") for s in sheets) == 1, sheets
    last = next(n for n, s in enumerate(sheets) if "本期合计" in s)
    assert last == max(n for n, s in enumerate(sheets) if "记-" in s)  # the totals on the sheet of the last row...
    assert sheets[last].index("村干部误工补贴（第三季度）") < sheets[last].index("本期合计")  # ...after it
    assert "本期合计103,940.0077,445.50" in sheets[last]
    _sheets_png(pdf, "print-ledger-long")


def test_the_printed_ledger_carries_its_notes_and_special_funds(built_demo, page, tmp_path):
    """The paper copy says what the phone page says: 2026-Q3's notes point at 本期涉及的专项资金, which is there
    with the grant's money in, spent and left; the sheet stays one."""
    pdf = _print(page, (built_demo / "print/finance/2026-Q3.html").as_uri(), tmp_path / "ledger-q3.pdf")
    assert _pages(pdf) == 1
    text = _text(pdf)
    assert "说明：" in text and "期末余额中含党群服务中心改造专项资金结余29,400.00元" in text
    assert "详见本页“本期涉及的专项资金”" in text
    funds = text[text.index("本期涉及的专项资金"):]
    assert re.search(r"党群服务中心改造专项资金，到账98,000\.00元.*已支出68,600\.00元.*结余29,400\.00元", funds), funds
    assert text.index("本期涉及的专项资金") < text.index("说明") < text.index("制表人")  # above the signatures
    # Compactly: as small as the rest of the ledger's small print, never at a heading's size.
    sizes = page.evaluate("""[...document.querySelectorAll('.ledger-funds, .ledger-funds *, .ledger-notes, .ledger-notes *')]
        .map(e => parseFloat(getComputedStyle(e).fontSize) * 72 / 96)""")
    assert sizes and max(sizes) <= 11.5, sizes
    _sheets_png(pdf, "print-ledger-q3")
    # A ledger without funds or notes prints neither heading.
    pdf = _print(page, (built_demo / "print/finance/2026-Q1.html").as_uri(), tmp_path / "ledger-q1.pdf")
    assert "本期涉及的专项资金" not in _text(pdf)


WIDE_TABLES = """---
title: 2026年度惠农补贴发放明细公示
date: 2026-11-20
category: 惠农补贴
---
下列各户2026年度惠农补贴已发放到户，请核对，有异议的请在公示期内向村委会反映。

| 户主 | 耕地地力保护补贴 | 稻谷种植补贴 | 农机购置补贴 | 生态公益林补偿 | 以奖代补资金 | 养老保险补助 | 合计金额 |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| 姚锡飞 | 12,345.67 | 23,456.78 | 34,567.89 | 12,345.67 | 23,456.78 | 34,567.89 | 140,740.68 |
| 欧阳建国 | 1,234.56 | 2,345.67 | 3,456.78 | 4,567.89 | 5,678.90 | 6,789.01 | 24,072.81 |
| 李秀英 | 22,345.67 | 23,456.78 | 34,567.89 | 12,345.67 | 23,456.78 | 34,567.89 | 150,740.68 |

| 户主 | 补贴项目和发放方式 | 面积（亩） | 每亩（元） | 应发金额 | 实发金额 |
| --- | --- | ---: | ---: | ---: | ---: |
| 姚锡飞 | 耕地地力保护补贴，通过“一卡通”直接发放到户，请到村部核对 | 12.35 | 123.45 | 1,524.61 | 1,524.61 |
| 欧阳建国 | 稻谷种植补贴 | 8.20 | 98.76 | 809.83 | 809.83 |

| 组别 | 户数 |
| --- | ---: |
| 第一组 | 38 |
"""


def test_a_wide_table_in_a_notice_fits_the_paper(demo_copy, browser, tmp_path):
    """An 8-column table of amounts ran off the right edge (its last column cut, 户主 one character a line):
    a table with many columns prints smaller, its amounts on one line and its text cells wrapping."""
    (demo_copy / "affairs" / "2026-butie-mingxi.md").write_text(WIDE_TABLES, encoding="utf-8")
    out = _build(demo_copy, tmp_path / "site")
    # The printable width of A4 between print.css's margins (210 − 20 − 18 mm), as Chromium lays the sheet out.
    context = browser.new_context(viewport={"width": round(172 / 25.4 * 96), "height": 1100}, locale="zh-CN")
    page = context.new_page()
    pdf = _print(page, (out / "print/affairs/2026-butie-mingxi.html").as_uri(), tmp_path / "wide.pdf")
    tables = page.evaluate("""[...document.querySelectorAll('.body table')].map(t => {
        const room = document.querySelector('main').getBoundingClientRect();
        const box = t.getBoundingClientRect();
        const lines = td => { const r = document.createRange(); r.selectNodeContents(td);
                              return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; };
        return {columns: t.rows[0].cells.length, inside: box.left >= room.left - 0.5 && box.right <= room.right + 0.5,
                scroll: t.scrollWidth <= t.clientWidth + 0.5, page: document.documentElement.scrollWidth <= innerWidth,
                size: parseFloat(getComputedStyle(t.rows[1].cells[1]).fontSize) * 72 / 96,
                names: [...t.querySelectorAll('tbody td:first-child')].map(lines),
                amounts: [...t.querySelectorAll('tbody td.align-right')].map(lines)}; })""")
    assert [t["columns"] for t in tables] == [8, 6, 2]
    for t in tables:
        assert t["inside"] and t["scroll"] and t["page"], t  # nothing beyond the printable width
        assert set(t["amounts"]) == {1}, t  # an amount never breaks
        assert t["size"] >= 10, t  # smaller, still read from a step back
    assert set(tables[0]["names"]) == {1}, tables[0]  # 户主 no longer one character a line
    assert round(tables[2]["size"], 1) == 14  # a narrow table keeps its size
    context.close()
    # On paper: every row ends with its total, the last column whole.
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for name, total in (("姚锡飞", "140,740.68"), ("欧阳建国", "24,072.81"), ("李秀英", "150,740.68")):
        row = next(line for line in layout.splitlines() if name in line and "," in line)
        assert row.rstrip().endswith(total), (name, row)
    assert "合计" in layout and "实发" in layout
    _sheets_png(pdf, "print-notice-wide-table", dpi=60)


QUOTED_TITLES = {"2026-yishiyiyi-tongzhi.md": ("关于“一事一议”和“四议两公开”工作的通知", "2026-11-21"),
                 "2026-minzhu-licai.md": ("关于村‘三资’管理和‘民主理财’工作的通知", "2026-11-20")}


POSTER_BOOKS = {  # quoted titles -> (income, expenditure, balance offset) added to 2026-Q3, and the poster's three amounts
    1: ("12345678.90", "100.00", "0", ["12,446,978.90", "76,800.00", "12,449,919.40"]),
    2: ("400000000.00", "300000000.00", "500000000.00", ["400,101,300.00", "300,076,700.00", "600,104,340.50"]),
}


@pytest.fixture(scope="module", params=[1, 2], ids=["one-quoted-title", "two-quoted-titles"])
def poster_site(request, tmp_path_factory):
    """The demo with one or two pinned notices whose titles hold Chinese quotation marks (printed full width),
    and large accounts: eight digits in and left beside five digits out, or nine digits in all three boxes."""
    root = tmp_path_factory.mktemp("poster")
    content = root / "content"
    shutil.copytree(DEMO, content)
    for name, (title, day) in list(QUOTED_TITLES.items())[:request.param]:
        (content / "affairs" / name).write_text(f"---\ntitle: {title}\ndate: {day}\npinned: true\n---\n正文。\n",
                                                encoding="utf-8")
    income, expenditure, offset, amounts = POSTER_BOOKS[request.param]
    _grow_ledger(content, [("村集体土地征收补偿款", income)], [("征地补偿款分配到户", expenditure)], offset=Decimal(offset))
    return _build(content, root / "site"), request.param, amounts


@pytest.mark.parametrize("paper, path", [("A4", "print/poster.html"), ("A3", "print/poster-a3.html")])
def test_the_poster_never_cuts_a_listed_item_or_an_amount(poster_site, page, tmp_path, paper, path):
    """A title with “ ” ‘ ’ takes the lines it prints on, so every item the poster lists shows its title and its date
    whole; the money boxes hold amounts of up to nine digits on one line, and their labels on one line beside them."""
    out, quoted, amounts = poster_site
    pdf = _print(page, (out / path).as_uri(), tmp_path / f"poster-{paper}.pdf", paper)
    assert _pages(pdf) == 1
    seen = page.evaluate("""(() => {
        const room = document.querySelector('.poster-lists').getBoundingClientRect();
        const inside = (e, box) => { const b = e.getBoundingClientRect();
            return b.top >= box.top - 0.5 && b.bottom <= box.bottom + 0.5 && b.left >= box.left - 0.5 && b.right <= box.right + 0.5; };
        const lines = e => { const r = document.createRange(); r.selectNodeContents(e);
            return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; };
        return {
            items: [...document.querySelectorAll('.poster-block li')].map(li => {
                const title = li.querySelector('.poster-title'), meta = li.querySelector('.poster-meta');
                return {title: title.textContent, meta: meta.textContent,
                        visible: inside(title, room) && inside(meta, room)
                                 && title.scrollHeight < title.clientHeight + parseFloat(getComputedStyle(title).fontSize) / 2}; }),
            money: [...document.querySelectorAll('.poster-money dl > div')].map(box => {
                const dt = box.querySelector('dt'), dd = box.querySelector('dd');
                return {amount: dd.textContent, label: lines(dt), pt: parseFloat(getComputedStyle(dd).fontSize) * 72 / 96,
                        fits: dd.scrollWidth <= dd.clientWidth
                        && inside(dd, box.getBoundingClientRect()) && inside(box, document.querySelector('.poster-sheet').getBoundingClientRect())}; }),
        }; })()""")
    titles = [i["title"] for i in seen["items"]]
    assert [t for t, _ in QUOTED_TITLES.values()][:quoted] == titles[:quoted]  # the new pinned notices lead
    assert len(titles) > quoted  # and the newest notice is still there
    assert [i for i in seen["items"] if not i["visible"]] == []
    text = _text(pdf)
    for item in seen["items"]:
        assert re.sub(r"\s+", "", item["meta"]) in text, item  # the date line made it to the paper
    assert [m["amount"] for m in seen["money"]] == amounts
    assert all(m["fits"] and m["label"] == 1 for m in seen["money"]), seen["money"]
    assert min(m["pt"] for m in seen["money"]) >= (20 if paper == "A4" else 28), seen["money"]  # the dates' size at least
    assert all(amount in text for amount in amounts)
    _sheets_png(pdf, f"poster-{paper.lower()}-quoted-{quoted}", dpi=45)


def test_a_poster_title_is_measured_as_a_chinese_font_prints_it():
    from villageboard.kinds.poster import title_lines

    assert title_lines("关于召开村民代表会议的通知") == 1
    assert title_lines("关于“一事一议”和“四议两公开”工作的通知") == 2  # 21 characters wide: “ ” print full width
    assert title_lines("关于村‘三资’管理和‘民主理财’工作的通知") == 2
    assert title_lines("2026年第三季度党费收缴情况公示") == 1
