"""The touchscreen in the service centre (党群服务中心触摸屏): checks and containment.

Every page already has a kiosk rendition under ``kiosk/`` (``layouts/kiosk/base.html``);
this kind warns when the kiosk cannot show QR codes and keeps every link inside the
kiosk. A kiosk browser has no address bar, so a link to another site, to a PDF or to a
phone-only page would strand the next villager there: such links become QR codes that
take the page home on a phone instead.
"""
from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from markupsafe import Markup, escape

from villageboard.rendering import qr, tags
from villageboard.reading.assets import href


# Attributes that would open a window or save a file: a kiosk has no way back from either.
_ESCAPES = {"target", "download"}


class _Links(HTMLParser):
    """Every ``<a>`` element of a page as a browser reads it: where it starts and ends, its
    attributes (quotes, entities, case) and its text. Comments, attribute values and the
    content of ``<script>`` are not links, however much they look like one."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html = html
        self.lines = [0]  # where each line starts: getpos() counts lines and columns
        for line in html.split("\n")[:-1]:
            self.lines.append(self.lines[-1] + len(line) + 1)
        self.found: list[tuple[int, int, int, int, list, str]] = []  # start, inner start, inner end, end, attrs, text
        self.open: tuple[int, int, list, list[str]] | None = None
        self.feed(html)
        self.close()
        self._finish(len(html), len(html))

    def _here(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def _finish(self, inner_end: int, end: int) -> None:
        if self.open:
            start, inner_start, attrs, text = self.open
            self.found.append((start, inner_start, inner_end, end, attrs, "".join(text)))
            self.open = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            start = self._here()
            self._finish(start, start)  # a new link closes the one still open, as in a browser
            self.open = (start, start + len(self.get_starttag_text()), attrs, [])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)  # HTML ignores the "/" of <a/>: the link goes on

    def handle_endtag(self, tag):
        if tag == "a" and self.open:
            start = self._here()
            self._finish(start, self.html.index(">", start) + 1)

    def handle_data(self, data):
        if self.open:
            self.open[3].append(data)


def _links(html: str) -> list[tuple[int, int, int, int, list, str]]:
    """``_Links(html).found``, sooner where the tags are plain (``rendering/tags.py``)."""
    found_tags = tags.tags(html)
    if found_tags is None:
        return _Links(html).found
    found, open_link, done = [], None, 0
    for tag in found_tags:
        start, end = tag.span()
        if open_link is not None and start > done:
            open_link[3].append(tags.data(html[done:start]))
        done = end
        if tags.name(tag) != "a":
            continue
        if open_link is not None:  # a closing tag ends the link; a new link ends it where it starts
            link_start, inner_start, attrs, text = open_link
            found.append((link_start, inner_start, start, end if tags.closing(tag) else start, attrs, "".join(text)))
            open_link = None
        if not tags.closing(tag):
            open_link = (start, end, tags.attributes(tag), [])
    if open_link is not None:
        link_start, inner_start, attrs, text = open_link
        found.append((link_start, inner_start, len(html), len(html), attrs, "".join(text) + tags.data(html[done:])))
    return found


def _attributes(attrs: list[tuple[str, str | None]]) -> str:
    return "".join(f' {name}="{escape(value)}"' if value is not None else f" {name}"
                   for name, value in attrs if name not in _ESCAPES)


def load(site) -> None:
    village = site.village
    if not village.base_url and "base_url" not in village.refused:  # a refused one has its own error
        site.report.warning(village.path, 1, "W-KIOSK-BASE-URL",
                            "没有填写 base_url（网站地址），触摸屏上无法显示“扫码带走本页”的二维码；"
                            "请在 village.yaml 里填写，例如 base_url: https://cunwu.example.org/qingxi/")


def pages(site):
    return []


def contain(html: str, out_path: str, outputs, village) -> Markup:
    """Rewrite every link in ``html`` (rendered at ``out_path``) that would leave the kiosk.

    Kept: links to another kiosk page and to a place on the same page. External links
    become a QR code of their address; attachments and phone-only pages a QR code of
    their phone address (none without ``base_url``); ``tel:``/``mailto:`` plain text.
    """
    here = posixpath.dirname(out_path)

    def rewrite(parsed, inner: str, text: str) -> str:
        attrs = _attributes(parsed)
        found = [value for name, value in parsed if name == "href"]
        if not found or found[0] is None:
            return f"<a{attrs}>{inner}</a>"
        target = found[0].strip()
        parts = urlsplit(target)
        caption = " ".join(text.split()) or target
        if target.startswith("#"):
            return f"<a{attrs}>{inner}</a>"
        if parts.scheme in ("http", "https"):
            return _qr_card(inner, caption, target, f"{parts.netloc} 的网页")
        if parts.scheme or target.startswith("//"):
            return f'<span class="kiosk-plain">{inner}</span>'
        site_path = posixpath.normpath(posixpath.join(here, unquote(parts.path)))
        if site_path.startswith("kiosk/") and site_path in outputs:
            return f"<a{attrs}>{inner}</a>"
        if site_path.startswith("../"):
            return f'<span class="kiosk-plain">{inner}</span>'
        phone = village.phone_url(href(site_path.removeprefix("kiosk/")))
        what = "附件" if not site_path.endswith(".html") else "手机网页"
        if phone is None:
            return (f'<span class="kiosk-offsite"><span class="qr-caption">{inner}</span>'
                    f'<span class="qr-hint">这个{what}请在手机或电脑上打开本村网站查看</span></span>')
        return _qr_card(inner, caption, phone, what)

    html = str(html)
    if "<a" not in html and "<A" not in html:  # no link at all (a tag's name follows its "<" at once)
        return Markup(html)
    pieces, done = [], 0
    for start, inner_start, inner_end, end, attrs, text in _links(html):
        pieces += [html[done:start], rewrite(attrs, html[inner_start:inner_end], text)]
        done = end
    return Markup("".join(pieces) + html[done:])


def _qr_card(inner: str, caption: str, address: str, what: str) -> str:
    code = qr.svg(address, f"二维码：{caption}")
    return (f'<span class="kiosk-qr">{code}<span class="qr-caption">{inner}</span>'
            f'<span class="qr-hint">{escape(what)}：请用手机扫码打开</span></span>')
