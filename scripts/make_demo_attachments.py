"""Make the demo village's attachments: two PDFs with real text and a labelled floor plan.

Run by hand when the demo changes (needs Playwright with Debian's chromium and the Noto CJK
fonts): ``python3 scripts/make_demo_attachments.py``. Names follow the board's rule for
subsidy lists (户主姓名 masked as 王某英, area and amount, no address or account number).
"""
from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
RATE = Decimal("118.50")
SURNAMES = "王姚李周陈张刘吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯"
GIVEN = "英根发明华芳生林平兰福荣金秀国忠山海春德"
STYLE = """
@page { size: A4; margin: 14mm 16mm; }
body { font-family: "Noto Serif CJK SC", serif; font-size: 10.5pt; line-height: 1.25; color: #000; }
tfoot { display: table-row-group; }
h1 { font-size: 17pt; text-align: center; margin: 0 0 3mm; }
p.sub { text-align: center; margin: 0 0 4mm; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 0.6pt solid #000; padding: 0.5mm 2mm; }
th, h1 { font-weight: normal; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
p.foot { margin-top: 4mm; }
"""


def subsidy_rows() -> list[tuple[int, str, int, Decimal, Decimal]]:
    """79 households, 312.6 mu in all: the figures of the notice 2026-gengdi-butie.md."""
    rng = random.Random(2026)
    tenths = [rng.randint(18, 62) for _ in range(79)]  # 1.8 to 6.2 mu
    while sum(tenths) != 3126:  # nudge random households a tenth of a mu until the total is right
        i = rng.randrange(79)
        tenths[i] += 1 if sum(tenths) < 3126 else -1
        tenths[i] = max(10, tenths[i])
    rows = []
    for i, t in enumerate(tenths):
        area = Decimal(t) / 10
        name = rng.choice(SURNAMES) + "某" + rng.choice(GIVEN)
        rows.append((i + 1, name, 1 + i * 3 // 79, area, area * RATE))
    assert sum(r[4] for r in rows) == Decimal("37043.10")
    return rows


def subsidy_html() -> str:
    rows = subsidy_rows()
    body = "".join(f"<tr><td class=n>{n}</td><td>第{'一二三'[g - 1]}网格</td><td>{name}</td>"
                   f"<td class=n>{area:.1f}</td><td class=n>{amount:,.2f}</td></tr>" for n, name, g, area, amount in rows)
    total_area = sum(r[3] for r in rows)
    total = sum(r[4] for r in rows)
    return (f"<style>{STYLE}</style><h1>青溪村2026年耕地地力保护补贴发放名单</h1>"
            f"<p class=sub>补贴标准：每亩 118.50 元　单位：亩、元</p>"
            "<table><thead><tr><th>序号</th><th>网格</th><th>户主</th><th>补贴面积</th><th>补贴金额</th></tr></thead>"
            f"<tbody>{body}</tbody><tfoot><tr><th colspan=3>合计 79 户</th><td class=n>{total_area}</td>"
            f"<td class=n>{total:,.2f}</td></tr></tfoot></table>"
            "<p class=foot>对补贴面积有异议的，请于 2026 年 9 月 30 日前到村部核对。　青溪村村民委员会　2026年9月12日</p>")


def meetings_html() -> str:
    rows = [("7月3日", "支委会", "研究党群服务中心改造方案", "5/5"),
            ("7月18日", "党小组会", "三个党小组学习《守好青溪一条河》", "31/33"),
            ("8月6日", "支委会", "研究秋季防汛值班安排", "5/5"),
            ("8月20日", "党小组会", "三个党小组开展主题党日志愿服务", "30/33"),
            ("9月5日", "支部党员大会", "审议村集体收益分配方案", "32/33"),
            ("9月12日", "支委会", "研究发展党员工作", "5/5"),
            ("9月26日", "党课", "支部书记讲授《守好青溪一条河》", "33/33")]
    body = "".join(f"<tr><td>{d}</td><td>{k}</td><td>{w}</td><td class=n>{a}</td></tr>" for d, k, w, a in rows)
    return (f"<style>{STYLE}</style><h1>青溪村党支部2026年第三季度“三会一课”安排表</h1>"
            "<p class=sub>中共青溪村支部委员会　2026年10月8日</p>"
            "<table><thead><tr><th>日期</th><th>会议</th><th>内容</th><th>到会/应到</th></tr></thead>"
            f"<tbody>{body}</tbody></table>"
            "<p class=foot>党小组会每个党小组各开一次，合计六次；会议记录原件存村部档案室。</p>")


def print_pdfs() -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        for html, target in ((subsidy_html(), CONTENT / "affairs/files/gengdi-butie-2026.pdf"),
                             (meetings_html(), CONTENT / "party/sanhuiyike-q3.pdf")):
            page.set_content(f"<!doctype html><html lang=zh-CN><meta charset=utf-8>{html}</html>")
            page.pdf(path=str(target), format="A4", prefer_css_page_size=True)
        browser.close()


def floor_plan() -> None:
    """施工平面示意图 of the service centre's ground floor, in black on white."""
    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 24, index=2)
    big = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 30, index=2)
    image = Image.new("L", (900, 600), 255)
    draw = ImageDraw.Draw(image)
    draw.text((450, 36), "党群服务中心一楼改造平面示意图", font=big, fill=0, anchor="mm")
    draw.rectangle((60, 80, 840, 500), outline=0, width=5)
    draw.line((560, 80, 560, 500), fill=0, width=4)
    draw.line((560, 300, 840, 300), fill=0, width=4)
    draw.text((310, 290), "办事大厅（改造）", font=big, fill=0, anchor="mm")
    draw.text((700, 190), "适老化卫生间", font=font, fill=0, anchor="mm")
    draw.text((700, 400), "档案室", font=font, fill=0, anchor="mm")
    draw.rectangle((240, 500, 380, 540), outline=0, width=3)
    draw.text((310, 521), "无障碍坡道", font=font, fill=0, anchor="mm")
    draw.text((60, 575), "施工期间请走东侧临时门", font=font, fill=0, anchor="lm")
    draw.text((840, 575), "比例 1:100", font=font, fill=0, anchor="rm")
    image.save(CONTENT / "affairs/files/shigong-tu.png", optimize=True)


if __name__ == "__main__":
    print_pdfs()
    floor_plan()
