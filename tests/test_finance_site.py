"""What a villager, a clerk and a supervisor see of the finances in the built demo:
pages, the CSV in Excel's encoding, the home summary, the kiosk slide, and the A4
ledger printed to PDF in headless Chromium."""
from __future__ import annotations

import csv
import io
import re
import subprocess
from decimal import Decimal
from pathlib import Path


from conftest import DEMO, TODAY, screenshot

from villageboard.planning import site as site_module
import datetime as dt


def text_of(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_ledger_page_shows_groups_subtotals_totals_and_capitals(built_demo):
    page = built_demo / "finance" / "2026-Q3.html"
    text = text_of(page)
    for expected in ("2026年第三季度财务收支公开", "期初余额", "79,740.50", "柒万玖仟柒佰肆拾元伍角",
                     "本期收入", "101,300.00", "壹拾万壹仟叁佰元整",
                     "本期支出", "76,700.00", "柒万陆仟柒佰元整",
                     "期末余额", "104,340.50", "壹拾万肆仟叁佰肆拾元伍角",
                     "专项应付款 小计", "68,600.00", "经营收入 小计", "记-08-03", "经村务监督委员会审核",
                     "2026年10月12日 公开"):
        assert expected in text, expected
    html = page.read_text(encoding="utf-8")
    # Expenditure groups follow the vocabulary's order: 管理费用, 公益支出, then 专项应付款.
    out = html[html.index('id="out-h"'):]
    assert out.index("管理费用 小计") < out.index("公益支出 小计") < out.index("专项应付款 小计")
    # The chart is inline SVG with a text alternative, and nothing is fetched for it.
    assert '<svg class="chart"' in html and "<desc" in html
    assert "<script" not in html.split('<svg class="chart"')[1].split("</svg>")[0]  # the page has textsize.js
    assert 'href="2026-Q3.csv"' in html and 'href="../print/finance/2026-Q3.html"' in html
    assert 'href="2026-Q2.html" rel="prev"' in html


def test_ledger_with_distribution(built_demo):
    text = text_of(built_demo / "finance" / "2026-Q1.html")
    assert "2025年度集体收益分配" in text and "伍万元整" in text
    assert "每人 97.65 元 × 256 人 = 24,998.40 元，尾差 1.60 元转入未分配收益" in text


def test_csv_opens_in_excel_with_chinese_intact(built_demo):
    data = (built_demo / "finance" / "2026-Q3.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM tells Excel it is UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["日期", "收支", "科目", "摘要", "金额", "凭证号"]
    assert rows[1] == ["2026-07-08", "收入", "经营收入", "村部临街店面出租（第三季度租金）", "3000.00", "记-07-01"]
    assert len(rows) == 8
    income = sum(Decimal(r[4]) for r in rows[1:] if r[1] == "收入")
    spent = sum(Decimal(r[4]) for r in rows[1:] if r[1] == "支出")
    assert (income, spent) == (Decimal("101300.00"), Decimal("76700.00"))
    assert Decimal("79740.50") + income - spent == Decimal("104340.50")
    assert b"\r\n" in data


def test_index_has_calendar_trend_and_funds(built_demo):
    html = (built_demo / "finance" / "index.html").read_text(encoding="utf-8")
    text = text_of(built_demo / "finance" / "index.html")
    assert "公开日历" in text and "2026年第四季度 2027年1月20日前 本期进行中" in text
    assert text.count("按时公开") == 4
    assert "逾期未公开" not in text
    assert '<svg class="chart trend"' in html
    assert "2026年第三季度 101,300.00 76,700.00 104,340.50" in text  # the trend's numbers as a table
    assert "党群服务中心改造专项资金" in text and "结余 29,400.00 元" in text


def test_fund_page(built_demo):
    text = text_of(built_demo / "finance" / "funds" / "fuwuzhongxin-gaizao.html")
    for expected in ("到账 98,000.00 玖万捌仟元整", "已支出 68,600.00", "结余 29,400.00 贰万玖仟肆佰元整",
                     "党群服务中心改造工程首期款（40%）", "记-08-03", "桐溪县农业农村局"):
        assert expected in text, expected


def test_home_shows_the_latest_period_after_the_news(built_demo):
    html = (built_demo / "index.html").read_text(encoding="utf-8")
    assert "财务公开 · 2026年第三季度" in html
    # issue 11: the first screen of a phone holds the pinned and newest notices (test_home_first_screen)
    assert html.index("最新公告") < html.index("finance-home") < html.index('class="section-buttons"')
    assert 'href="finance/index.html"' in html  # the section button
    assert html.index(">村务公开<") < html.index(">财务公开<") < html.index(">网格<")


def test_kiosk_has_the_ledger_without_a_download(built_demo):
    html = (built_demo / "kiosk" / "finance" / "2026-Q3.html").read_text(encoding="utf-8")
    assert "104,340.50" in html
    assert ".csv" not in html and "download" not in html


def test_attract_loop_slide_has_the_latest_account():
    site = site_module.load(DEMO, dt.date.fromisoformat(TODAY))
    slides = [s for s in site.slides() if s.label == "财务公开"]
    assert len(slides) == 1
    assert slides[0].lines == ["期初余额 79,740.50 元", "本期收入 101,300.00 元", "本期支出 76,700.00 元",
                               "期末余额 104,340.50 元"]
    assert slides[0].url == "finance/2026-Q3.html"


def test_phone_ledger_page_in_chromium(browser, served):
    page = browser.new_page(viewport={"width": 360, "height": 640}, java_script_enabled=False)
    page.goto(served + "finance/2026-Q3.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    closing = page.locator(".balance-table .closing td")
    assert "104,340.50" in closing.inner_text() and "壹拾万肆仟叁佰肆拾元伍角" in closing.inner_text()
    assert page.locator("svg.chart").bounding_box()["width"] > 250
    screenshot(page, "finance-ledger-phone")
    page.goto(served + "finance/index.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The big summary numbers stay inside their boxes on a 360 px phone.
    overflowing = page.eval_on_selector_all(
        ".finance-sum div", "els => els.filter(e => e.scrollWidth > e.clientWidth).length")
    assert overflowing == 0
    screenshot(page, "finance-index-phone")
    page.close()


def test_print_page_is_one_a4_sheet(browser, served, tmp_path):
    page = browser.new_page()
    page.goto(served + "print/finance/2026-Q3.html")
    page.emulate_media(media="print")
    text = page.inner_text("body")
    for expected in ("青溪村2026年第三季度财务收支公开表", "壹拾万肆仟叁佰肆拾元伍角", "村务监督委员会主任",
                     "制表人（会计）", "审核：村务监督委员会", "村务监督电话：13905701234", "记-09-04"):
        assert expected in text, expected
    pdf = tmp_path / "ledger.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    page.close()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\n", info), info
    assert "(A4)" in info, info
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    from PIL import Image

    with Image.open(png) as image:
        assert abs(image.size[0] - 413) <= 1 and abs(image.size[1] - 585) <= 1  # A4 at 50 dpi
        target = Path(__file__).parent / "screenshots" / "finance-ledger-print.png"
        target.parent.mkdir(exist_ok=True)
        image.save(target)
        # Ink in the bottom band: the signature lines and footer made it onto page 1.
        grey = image.convert("L")
        bottom = grey.crop((0, 430, 413, 560))
        assert bottom.getextrema()[0] < 100


def test_a_missing_period_is_flagged_on_the_index_and_home(demo_copy, tmp_path):
    from conftest import run_cli

    (demo_copy / "finance" / "2026-Q2.yaml").unlink()
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    assert "W-FINANCE-OVERDUE" in done.stderr
    index = text_of(out / "finance" / "index.html")
    assert "逾期未公开： 2026年第二季度（应于2026年7月20日前）" in index
    assert "2026年第二季度 2026年7月20日前 ✘ 逾期未公开" in index
    home = text_of(out / "index.html")
    assert "2026年第二季度的财务收支已过公开期限，还没有公开" in home


def test_a_village_without_finance_files_still_builds(demo_copy, tmp_path):
    import shutil
    from conftest import run_cli

    shutil.rmtree(demo_copy / "finance")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    assert "暂无财务公开" in text_of(out / "index.html")
    assert "还没有财务公开" in text_of(out / "finance" / "index.html")


def test_the_trend_chart_names_each_gridline_by_its_exact_value():
    """Rounded, the labels named the lines at 1.25万 and 3.75万 as 1.2万 and 3.8万, and small
    balances read 0 / 0 / 1 / 2 / 2."""
    from villageboard.kinds.charts import TrendPoint, trend_chart

    def labels(*amounts: str) -> list[str]:
        svg = str(trend_chart([TrendPoint(f"2026|{i}季度", Decimal(a), Decimal(a), Decimal(a))
                               for i, a in enumerate(amounts)], "收支趋势"))
        return re.findall(r'text-anchor="end" fill="[^"]+">([^<]+)</text>', svg)

    assert labels("48000.00", "12000.50") == ["0", "1.25万", "2.5万", "3.75万", "5万"]
    assert labels("1.80", "0.30") == ["0", "0.5", "1", "1.5", "2"]
    assert labels("4200.00") == ["0", "1,250", "2,500", "3,750", "5,000"]
