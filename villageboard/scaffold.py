"""``new KIND TITLE``: write a source file the clerk only has to fill in.

The skeleton follows the content contract of PRODUCT.md, with Chinese comments
saying what each key means, so a clerk never starts from an empty file.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

from villageboard.kinds.finance import Period
from villageboard.reading import clock

NOTICE = """---
title: {title}
date: {today}
category: （待填写：类别，如 三会一课、低保、项目建设；不需要就删掉这一行）
summary: （待填写：一句话摘要，显示在列表里；不需要就删掉这一行）
# publish: {today}   # 发布日期：这天之前不显示（不写则按 date）
# expires: {today}   # 到期日期：之后移入往年公告
pinned: false        # true = 置顶
draft: true          # 写好后改成 false 才会发布
---
（待填写：正文。空一行是分段；表格、列表照 Markdown 写法。）
"""

SKELETONS = {
    "party": ("party/{today}-{name}.md", NOTICE),
    "affairs": ("affairs/{today}-{name}.md", NOTICE),
    "finance": ("finance/{name}.yaml", """# 财务公开表：期末余额必须等于 期初余额 + 收入合计 − 支出合计
period: {title}              # 如 2026-Q4（季度）或 2026-10（月份）
opening_balance: {opening}    # 期初余额，等于上一期的期末余额
income:
  - {{date: {first_day}, item: （待填写：收入摘要）, category: 经营收入, amount: （待填写：金额）, voucher: （待填写：凭证号）}}
expenditure:
  - {{date: {first_day}, item: （待填写：支出摘要）, category: 管理费用, amount: （待填写：金额）, voucher: （待填写：凭证号）}}
closing_balance: （待填写：期末余额，记完收支后算出）
reviewed_by: 村务监督委员会
published: {after_period}           # 公开日期：这天之前不显示
"""),
    "decision": ("affairs/decisions/{today}-{name}.yaml", """# 四议两公开：按顺序填写，没到的步骤先不写
title: {title}
proposal: {{date: {today}, body: 村党支部委员会, summary: （待填写：提议内容）}}
# consultation: {{date: , body: 村两委联席会议, summary: }}
# review: {{date: , body: 党员大会, attended: , total: , summary: }}
# resolution: {{date: , body: 村民代表会议, attended: , total: , for: , against: , abstain: }}
# resolution_notice: {{date: , until: }}
# result_notice: {{date: , summary: }}
"""),
    "household": ("households/{name}.yaml", """name: {title}
kind: 党员中心户          # 或 星级文明户、最美家庭、好婆媳、孝亲敬老
grid: 1                   # 所在网格编号（见 village.yaml）
since: {year}
# duties: [政策宣讲员, 民情收集员]
serves: 8                 # 党员中心户联系的户数（只写户数）
# stars: [爱国星, 守法星]  # 星级文明户的星
# phone: 手机号           # 只会显示成 138****1234 这样
story: |
  （待填写：事迹。）
"""),
    "compact": ("compact/{today}-{name}.md", """---
title: {title}
adopted: {today}          # 表决通过的日期
meeting: 村民会议          # 表决会议
votes: {{for: 0, against: 0, abstain: 0}}
# filed_with: 白石镇人民政府   # 备案机关
---
（待填写：村规民约全文。一行一句的顺口溜会按原样分行显示。）
"""),
}


def file_name(title: str) -> str:
    """Keep Chinese, letters and digits; anything else would break the page's address."""
    return re.sub(r"[^\w\u4e00-\u9fff]+", "-", title).strip("-")[:40] or "new"


def _last_closing(content: Path, today: dt.date):
    """The books are continuous: a new period opens with the last one's closing balance."""
    from villageboard.planning import site

    ledgers = site.load(content, today).books.all_ledgers
    return max(ledgers, key=lambda l: l.period).closing if ledgers else None


CHINESE_KINDS = {  # what a clerk calls each kind
    "党务": "party", "党务公开": "party", "村务": "affairs", "村务公开": "affairs", "公告": "affairs",
    "财务": "finance", "财务公开": "finance", "四议两公开": "decision", "决策": "decision",
    "模范户": "household", "党员中心户": "household", "村规民约": "compact",
}


def new(content: Path, kind: str, title: str) -> int:
    kind = CHINESE_KINDS.get(kind, kind)
    if kind not in SKELETONS:
        print(f"不认识的类型 “{kind}”，可以用：{'、'.join(CHINESE_KINDS)}，或 {', '.join(SKELETONS)}", file=sys.stderr)
        return 1
    today = clock.today()
    pattern, text = SKELETONS[kind]
    target = content / pattern.format(today=today, name=file_name(title))
    if target.exists():
        print(f"{target} 已经存在，没有覆盖", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    opening = _last_closing(content, today) if kind == "finance" else None
    period = Period.parse(title) if kind == "finance" else None
    # A title is written as a YAML double-quoted string (JSON's is one), so ": # ' [ & *" cannot break the file.
    target.write_text(text.format(title=json.dumps(title, ensure_ascii=False), today=today, year=today.year,
                                  opening=opening if opening is not None else "（待填写：期初余额）",
                                  first_day=period.start if period else "（待填写：本期内的日期）",
                                  after_period=period.end + dt.timedelta(days=10) if period
                                  else "（待填写：公开日期）"),
                      encoding="utf-8")
    print(f"已新建 {target}，请打开填写；写好后运行 python build.py check 检查")
    return 0
