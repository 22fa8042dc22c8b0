"""Markdown to safe HTML.

Line breaks inside paragraphs are kept (``nl2br``) because rhymed village verse is
common. Raw HTML is allowed in Markdown but cleaned by nh3 (the Rust ``ammonia``
sanitizer): no script, no event handlers, no ``javascript:`` links, no iframes.
Relative links and images must point at files inside ``content/``; they are copied.
"""
from __future__ import annotations

import functools
import hashlib
import html
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import markdown
import nh3
from markdown.extensions.tables import TableProcessor

from villageboard import workers
from villageboard.reading.assets import ATTACHMENT_TYPES, IMAGE_TYPES, ROOT_MARK, Assets, href
from villageboard.cache import NONE, Cache
from villageboard.reading import privacy
from villageboard.reading.diagnostics import Report
from villageboard.reading.sources import read_markdown
from villageboard.reading.tables import label_cells
from villageboard.rendering import tags

TAGS = {
    "p", "br", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "b", "i", "u", "s",
    "del", "ins", "mark", "blockquote", "code", "pre", "hr", "table", "thead", "tbody", "tfoot", "tr",
    "th", "td", "caption", "a", "img", "sup", "sub", "span", "div", "figure", "figcaption", "dl", "dt", "dd",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan", "align", "style"},
    "td": {"colspan", "rowspan", "align", "style"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# A link's or a picture's address in the HTML Markdown made (quoted by it, or by the clerk in raw HTML).
_ADDRESSES = re.compile(r"""<(a|img)\b[^>]*?\s(?:href|src)=(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A web address written without its scheme: www.gov.cn, gov.cn/zhengce.
_HOST = re.compile(r"(?:www\.)?(?:[a-z0-9-]+\.)+(?:cn|com|net|org|gov|edu|top|xyz|info)(?::\d+)?(?:[/?#].*)?\Z",
                   re.IGNORECASE)
ALIGN_RE = re.compile(r'style="(?:text-align:\s*(left|right|center|justify);?\s*)?[^"]*"')

_md = markdown.Markdown(extensions=["tables", "nl2br", "sane_lists", "def_list"], output_format="html")


class _CountedTable(TableProcessor):
    """Markdown's tables, noting each body row whose cells are not as many as the header's: Markdown
    pads a short row at its end and drops what a long one has past the header, so an amount left out
    of one cell (| 王某 | 1,200.00 | under 户主 | 人数 | 金额) would be published as the number of
    people, and one written 1|500.00 as 1. The rows as written, with their counts, for ``_render``."""

    uneven: list[tuple[str, int, int]] = []

    def _build_row(self, row, parent, align):
        if parent.tag == "tbody" and (found := len(self._split_row(row))) != len(align):
            self.uneven.append((row, found, len(align)))
        super()._build_row(row, parent, align)


_tables = _CountedTable(_md.parser, _md.parser.blockprocessors["table"].config)
_md.parser.blockprocessors.register(_tables, "table", 75)  # in place of the extension's own, at its priority


def _line_of(text: str, needle: str, first_line: int) -> int:
    for i, line in enumerate(text.split("\n")):
        if needle in line:
            return first_line + i
    return first_line


# What else decides the HTML: a new markdown or nh3, or a change to this file, starts afresh.
_SALT = f"{markdown.__version__}\0{getattr(nh3, '__version__', '')}\0" + hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
_cache = NONE  # the build cache, set by the build; none in tests that render a body alone


def use_cache(cache: Cache) -> None:
    global _cache
    _cache = cache


def render(text: str, source: Path, first_line: int, assets: Assets, report: Report,
           public_phones: frozenset[str] = frozenset()) -> str:
    """Markdown ``text`` (starting at ``first_line`` of ``source``) as sanitized HTML.

    Converting is the slowest part of reading a notice, so the HTML is cached by the text and
    its place. The files it links are registered again on every build (the file may have
    gone or changed), and a cached result is used only when each is found where it was.
    A body with any diagnostic is never cached, so its messages are said on every build.
    ``public_phones``: the numbers the privacy scan of the body as shown lets through.
    """
    key = json.dumps([str(source), first_line, text, sorted(public_phones)], ensure_ascii=False)
    stored = _cache.text("markdown", key, lambda: "", _SALT)
    if stored:
        html, links = json.loads(stored)
        before = report.mark()
        if all(assets.add(target, source, line, report, set(allowed), what) == found
               for target, line, allowed, what, found in links) and report.mark() == before:
            return html
        del report.items[before:]
    links = []
    before = report.mark()
    html = _render(text, source, first_line, _Noting(assets, links), report)
    # The text as written was scanned with its file; formatting between the digits can hide a number
    # there that the page shows whole. A body holding one is never cached, so it is looked at again.
    privacy.scan_shown(source, text, tags.text(html), report, public_phones, first_line)
    if report.mark() == before:
        _cache.put("markdown", key, json.dumps([html, links], ensure_ascii=False), _SALT)
    return html


def prepare(paths: list[Path], site) -> None:
    """Convert the bodies of ``paths`` on every core, when the cache does not hold most of them yet
    (a first build): with an empty cache, Markdown is the largest part of reading a village, and
    reading is done file by file in one process. The workers only fill the build cache; reading
    then finds each body there and does all the rest (diagnostics, linked files) as on any build."""
    if site.jobs <= 1 or not workers.can_fork() or len(paths) < 2 * workers.CHUNK \
            or site.memo is not None and 2 * site.memo.known() > len(paths) \
            or 2 * _cache.count("markdown") > len(paths):  # counting them costs a hundredth of a second
        return
    try:
        for _ in workers.each(functools.partial(_prepare, site), paths, site.jobs):
            pass
    except workers.WorkerLost:
        pass  # only a head start: reading converts what is not in the cache yet


def _prepare(site, path: Path) -> None:
    read = read_markdown(path, site)  # in a worker: what it says to the worker's report is not kept
    if read:
        render(read[0].body, path, read[0].body_line, site.assets, site.report, site.village.public_phones)


class _Noting:
    """Assets that note each file a body links, so a cached body can register them again."""

    def __init__(self, assets: Assets, links: list):
        self.assets, self.links = assets, links

    def add(self, target, source, line, report, allowed=ATTACHMENT_TYPES, what="附件"):
        found = self.assets.add(target, source, line, report, allowed, what)
        self.links.append((target, line, sorted(allowed), what, found))
        return found


def _render(text: str, source: Path, first_line: int, assets, report: Report) -> str:
    _md.reset()
    _tables.uneven = []
    raw = _md.convert(text)
    for row, found, header in _tables.uneven:
        report.error(source, _line_of(text, row.strip(), first_line), "E-TABLE-CELLS",
                     f"表格这一行有 {found} 格，表头有 {header} 格："
                     + ("多出的格子不会显示" if found > header else "缺的格子会空在行末，后面的内容会错到前面的列里")
                     + "；请让每一行的格数和表头一样（格子里的竖线 | 要写成 \\|）")
    # h1 is the page title; demote the body's headings so the outline stays right.
    raw = raw.replace("<h1", "<h2").replace("</h1>", "</h2>")

    def rewrite(tag: str, attr: str, value: str) -> str | None:
        if attr not in ("href", "src"):
            return value
        if tag not in ("a", "img"):  # on a tag nh3 drops anyway: never register it as a file to publish
            return None
        parts = urlsplit(value)
        if tag == "img" and (parts.scheme or value.startswith("//")):
            # A picture from another host would load on every villager's phone from there; one pasted
            # into the text (data:) would escape the gate that strips a picture's GPS and camera.
            where = ("直接嵌在正文里（data: 地址），没有图片文件" if parts.scheme == "data"
                     else "在别的网站上，公开栏不从别处加载任何东西")
            report.error(source, _line_of(text, value, first_line), "E-ASSET-EXTERNAL",
                         f"图片 “{value[:80]}” {where}；请把图片另存为 JPG 或 PNG 文件放在本文件旁边，"
                         "再写 ![说明](文件名)")
            return None
        if tag == "a" and not value.strip():  # [文字]() : the address forgotten; the phone would link the page to itself
            needle = re.search(r"\]\(\s*(<>)?\s*\)|href=(\"\"|'')", text)
            report.warning(source, _line_of(text, needle.group(0) if needle else "\0", first_line), "W-LINK-DROPPED",
                           "这个链接没有写地址（括号里是空的），文字照常显示，但点不开；请写上网址或文件名，或删掉链接")
            return None
        if parts.scheme or value.startswith(("#", "//")):
            if parts.scheme in URL_SCHEMES or value.startswith("#"):
                return value
            _dropped(value)
            return None
        target = unquote(parts.path)
        if not target:
            return value
        line = _line_of(text, target, first_line)
        if tag == "a" and _HOST.match(value) and not (source.parent / target).exists():
            # [政府网站](www.gov.cn): taken as a file of the board, and "not found" would send the clerk looking for one.
            report.error(source, line, "E-ASSET-MISSING",
                         f"链接 “{value[:80]}” 像是网址，但前面没有 http:// 或 https://，会被当成本栏的文件去找，"
                         f"找不到；请写成 https://{value[:80]}")
            return None
        allowed = IMAGE_TYPES if tag == "img" else ATTACHMENT_TYPES | IMAGE_TYPES
        site_path = assets.add(target, source, line, report, allowed, "图片" if tag == "img" else "链接的文件")
        return ROOT_MARK + href(site_path) if site_path else None

    def _dropped(value: str, tag: str = "a") -> None:
        shown = _CONTROL.sub(" ", value[:80])  # a tab or line break written as an entity: one line a message
        said = ("不是本栏的图片文件，不会显示；请把图片另存为 JPG 或 PNG 文件放在本文件旁边，再写 ![说明](文件名)"
                if tag == "img" else "不是能打开的网址，文字照常显示，但点不开：只能链接 http:// 或 https:// 网址、"
                "电话（tel:）、邮件（mailto:）和本栏的文件；请改正或删掉这个链接")
        report.warning(source, _line_of(text, value, first_line), "W-LINK-DROPPED",
                       f"{'图片' if tag == 'img' else '链接'} “{shown}” {said}")

    seen: set[str] = set()  # every address nh3 let through to ``rewrite``

    def guarded(tag: str, attr: str, value: str) -> str | None:
        # nh3 calls the filter from Rust and swallows what it raises: Python prints a traceback, the
        # attribute is dropped (an <img> without its picture, a link gone) and the build carries on.
        # A fault here is a defect of the program, never a reason to publish the page without a word:
        # it is said at the link's line as an error, so the build stops and the site stays as it was.
        if attr in ("href", "src"):
            seen.add(value)
        try:
            return rewrite(tag, attr, value)
        except Exception as exc:
            what, said = "图片" if tag == "img" else "链接", (str(exc).splitlines() or [""])[0]  # one line a message
            report.error(source, _line_of(text, unquote(value), first_line), "E-INTERNAL",
                         f"{what} “{value[:80]}” 处理时程序出错（{type(exc).__name__}: {said}）；这是程序缺陷，"
                         "不是内容的问题，网站没有更新；请把这段话发给维护人员")
            return None

    # data: reaches ``rewrite`` only to be named there: nh3 would drop it without a word.
    clean = nh3.clean(raw, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES | {"data"},
                      attribute_filter=guarded, clean_content_tags={"script", "style"},
                      filter_style_properties={"text-align"})
    # An address nh3 drops itself (a scheme it does not allow, weixin:// or javascript:, or one it
    # cannot parse) never reaches ``rewrite``: the text stays and the link or picture goes, without a word.
    for tag, quoted, single in _ADDRESSES.findall(raw):
        value = html.unescape(quoted or single)
        if value not in seen:
            _dropped(value, tag.lower())
    # The pages forbid inline styles (Content-Security-Policy), so a table's column alignment
    # becomes a class; nh3 has already reduced every style to at most a text-align.
    aligned = ALIGN_RE.sub(lambda m: f'class="align-{m.group(1)}"' if m.group(1) else "", clean)
    return label_cells(aligned)  # tables become cards on a phone
