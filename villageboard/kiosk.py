"""The touchscreen in the service centre (党群服务中心触摸屏): checks and containment.

Every page already has a kiosk rendition under ``kiosk/`` (``layouts/kiosk/base.html``);
this kind warns when the kiosk cannot show QR codes and keeps every link inside the
kiosk. A kiosk browser has no address bar, so a link to another site, to a PDF or to a
phone-only page would strand the next villager there: such links become QR codes that
take the page home on a phone instead.
"""
from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from markupsafe import Markup, escape

from . import qr
from .village import countdown
from .assets import href


# An <a> element: its start tag read up to the first ">" outside quotes, then its content.
_LINK = re.compile(r"""<a\b((?:[^>"']|"[^"]*"|'[^']*')*)>(.*?)</a>""", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
# Attributes that would open a window or save a file: a kiosk has no way back from either.
_ESCAPES = {"target", "download"}


class _StartTag(HTMLParser):
    """The attributes of one start tag, as a browser reads them (quotes, entities, case)."""

    def __init__(self, tag: str):
        super().__init__(convert_charrefs=True)
        self.attrs: list[tuple[str, str | None]] = []
        self.feed(tag)
        self.close()

    def handle_starttag(self, tag, attrs):
        if not self.attrs:
            self.attrs = attrs


def _attributes(attrs: list[tuple[str, str | None]]) -> str:
    return "".join(f' {name}="{escape(value)}"' if value is not None else f" {name}"
                   for name, value in attrs if name not in _ESCAPES)


def load(site) -> None:
    village = site.village
    if not village.base_url:
        site.report.warning(village.path, 1, "W-KIOSK-BASE-URL",
                            "没有填写 base_url（网站地址），触摸屏上无法显示“扫码带走本页”的二维码；"
                            "请在 village.yaml 里填写，例如 base_url: https://cunwu.example.org/qingxi/")
    site.data["kiosk"] = {"updated": _newest_change(site), "countdown": countdown(village.idle_seconds)}


def pages(site):
    return []


def _newest_change(site):
    """When any published source last changed, for the kiosk's header."""
    if site.history.missing:
        return None
    files = [p for p in site.content.rglob("*")
             if p.is_file() and not any(part.startswith(".") for part in p.relative_to(site.content).parts)]
    changes = [site.history.of(p).last_changed for p in files]
    changes = [c for c in changes if c]
    return max(changes) if changes else None


def contain(html: str, out_path: str, outputs, village) -> Markup:
    """Rewrite every link in ``html`` (rendered at ``out_path``) that would leave the kiosk.

    Kept: links to another kiosk page and to a place on the same page. External links
    become a QR code of their address; attachments and phone-only pages a QR code of
    their phone address (none without ``base_url``); ``tel:``/``mailto:`` plain text.
    """
    here = posixpath.dirname(out_path)

    def rewrite(match: re.Match) -> str:
        parsed, inner = _StartTag(match.group(0)[:len(match.group(1)) + 3]).attrs, match.group(2)
        attrs = _attributes(parsed)
        found = [value for name, value in parsed if name == "href"]
        if not found or found[0] is None:
            return f"<a{attrs}>{inner}</a>"
        target = found[0].strip()
        parts = urlsplit(target)
        caption = " ".join(_TAG.sub(" ", inner).split()) or target
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

    return Markup(_LINK.sub(rewrite, str(html)))


def _qr_card(inner: str, caption: str, address: str, what: str) -> str:
    code = qr.svg(address, f"二维码：{caption}")
    return (f'<span class="kiosk-qr">{code}<span class="qr-caption">{inner}</span>'
            f'<span class="qr-hint">{escape(what)}：请用手机扫码打开</span></span>')
