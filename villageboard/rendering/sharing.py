"""What a shared link shows (分享卡片): a page's description, Open Graph title, description
and image, so that a notice sent to the village's WeChat group is not a bare address.

The description is made from the page's own model (a notice's summary, a ledger's totals,
a decision's status) and says the status a list would (未通过, 已修订…), so a shared card
tells the truth too. The image is the site's own icon, absolute when ``base_url`` is set
(chat apps fetch it from there); nothing comes from another host.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html import unescape

from villageboard.reading.chinese_amounts import yuan

LIMIT = 110  # characters: what a search result or a chat card shows before cutting
ICON = "static/icon.png"
ICON_SIZE = 64
TAG_RE = re.compile(r"<[^>]+>")
PUNCT_SPACE_RE = re.compile(r"\s*([，。；：！？、“”（）])\s*")


@dataclass(frozen=True)
class Card:
    """分享卡片: what the page says about itself in ``<meta>`` tags."""

    title: str
    description: str
    site_name: str
    kind: str  # og:type: "article" for one item, "website" for lists and the home page
    url: str | None  # absolute phone address, only with base_url
    image: str | None  # absolute, only with base_url (the template uses the relative icon otherwise)


def card(page, site) -> Card:
    village = site.village
    item = _item(page)
    return Card(title=page.title, description=description(page, site), site_name=f"{village.name}村务公开栏",
                kind="article" if item is not None else "website", url=village.phone_url(page.path),
                image=village.phone_url(ICON))


def description(page, site) -> str:
    """One or two sentences about the page, at most LIMIT characters, status first."""
    village = site.village
    ctx = page.context
    where = f"{village.county}{village.township}{village.name}"
    item = _item(page)
    status = getattr(item, "status", None)
    lead = f"〔{status.words}〕" if status else ""
    template = page.template
    if template == "home.html":
        text = f"{where}村务公开栏：置顶和最新公告、本期财务收支、党务村务公开、村规民约和模范户。"
    elif template == "section.html":
        hint = next((s.hint for s in site.sections() if s.key == ctx.get("section")), "")
        year = f"{ctx['year']}年的全部公告" if ctx.get("year") else "最新公告"
        text = f"{where}{page.title.split(' · ')[0]}：{year}。{hint}。"
    elif template == "notice.html":
        n = ctx["notice"]
        text = f"{n.section_title} · {chinese_date(n.published_on)}：{n.summary or plain(n.body_html)}"
    elif template == "decision.html":
        d = ctx["decision"]
        text = f"四议两公开：{d.summary or d.title}" + ("" if d.failed else f"（{d.progress}）")
    elif template == "ledger.html":
        l = ctx["ledger"]
        text = (f"{where}{l.period.label}财务收支：期初余额 {yuan(l.opening)} 元，本期收入 {yuan(l.income_total)} 元，"
                f"支出 {yuan(l.expenditure_total)} 元，期末余额 {yuan(l.closing)} 元；经{l.reviewed_by}审核。")
    elif template == "finance-fund.html":
        f = ctx["fund"]
        text = f"专项资金 · {f.source}：{f.amount_label} {yuan(f.amount)} 元，已支出 {yuan(f.spent)} 元，结余 {yuan(f.remaining)} 元。"
    elif template == "finance.html":
        latest = ctx.get("latest")
        text = f"{where}财务公开：每期收支明细、公开日历、收支趋势和专项资金。"
        if latest is not None:
            text += f"最近一期 {latest.period.label}，期末余额 {yuan(latest.closing)} 元。"
    elif template == "compact.html":
        v = ctx["version"]
        state = "现行版本" if v.current else "旧版本"
        text = f"{where}村规民约（{state}），{chinese_date(v.adopted)}经{v.meeting}通过：{plain(v.body_html)}"
    elif template == "compact-compare.html":
        c = ctx["comparison"]
        text = f"村规民约修订对照：{chinese_date(c.older.adopted)}版与{chinese_date(c.newer.adopted)}版逐字比较。"
    elif template == "household.html":
        h = ctx["household"]
        text = f"{h.kind} · 第{h.grid_id}网格：{h.motto or plain(h.story_html) or h.name}"
    elif template == "withdrawn.html":
        w = ctx["item"]
        if w.moved_to is not None:
            text = f"{w.what}已换到新的地址：{w.moved_to.title}"
        else:
            lead = ""  # the sentence says it
            text = f"{w.what}已于 {chinese_date(w.removed.when)} 撤下，原文不再公开。撤下说明：{w.removed.subject}"
    elif template == "grid.html":
        g = ctx["grid"]
        text = f"{where}第{g.id}网格 · {g.name}：网格长 {g.leader}，{g.households} 户，本网格的模范户。"
    elif template == "households.html":
        text = f"{where}的模范户：党员中心户、星级文明户、最美家庭等，由村“两委”评定并公示。"
    elif template == "grids.html":
        text = f"{where}的网格：每个网格的网格长、户数和党员中心户，有事找离家近的人。"
    elif template == "search.html":
        text = f"搜索{where}村务公开栏：公告、财务公开、四议两公开、村规民约和模范户。"
    else:
        text = f"{where}村务公开栏 · {page.title}"
    return _cut(lead + _tidy(text))


def plain(html: str) -> str:
    """Body HTML as one line of text."""
    return " ".join(unescape(TAG_RE.sub(" ", html)).split())


def _item(page):
    """The one item a page is about (a notice, ledger, …), or None for a list."""
    for key in ("notice", "decision", "ledger", "fund", "household", "item"):
        if key in page.context:
            return page.context[key]
    if page.template == "compact.html" and not page.context.get("is_index"):
        return page.context.get("version")
    return None


def _tidy(text: str) -> str:
    """One line; no space left where a line break met Chinese punctuation."""
    return PUNCT_SPACE_RE.sub(r"\1", " ".join(text.split()))


def chinese_date(value: dt.date | dt.datetime | None) -> str:
    """A date as every page writes it: 2026年6月3日 (the pages' ``date`` filter, the search index)."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def _cut(text: str) -> str:
    return text if len(text) <= LIMIT else text[:LIMIT - 1] + "…"
