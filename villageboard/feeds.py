"""The Atom feed of the newest notices and the sitemap, for the village's WeChat group
bots and search engines. Both need absolute addresses, so only with ``base_url``."""
from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from .assets import href
from .pages import Page

FEED_SIZE = 30
QUOTE = {'"': "&quot;"}  # attribute values are double-quoted


def load(site) -> None:
    """Feeds are made from what other kinds loaded."""


def pages(site) -> list[Page]:
    return []


def files(site):
    village = site.village
    if not village.base_url:
        return []
    # Every disclosure a supervisor follows: notices and decisions, and the ledgers.
    ledgers = [(l, "财务公开") for l in site.data.get("finance", {}).get("ledgers", [])]
    listed = [(e, e.section_title) for entries in site.data.get("entries", {}).values() for e in entries
              if not getattr(e, "withdrawn", False)]
    entries = sorted(listed + ledgers, key=lambda pair: (pair[0].published_on, pair[0].url), reverse=True)[:FEED_SIZE]
    updated = max((e.published_on for e, _ in entries), default=site.today)
    parts = ['<?xml version="1.0" encoding="utf-8"?>',
             '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
             f"<title>{escape(village.name)}村务公开栏</title>",
             f"<id>{escape(village.phone_url(''))}</id>",
             f'<link href="{escape(village.phone_url(""))}"/>',
             f'<link rel="self" type="application/atom+xml" href="{escape(village.phone_url("feed.xml"))}"/>',
             f"<updated>{_stamp(updated)}</updated>",
             f"<author><name>{escape(village.name)}村民委员会</name></author>"]
    for e, section in entries:
        link = escape(village.phone_url(href(e.url)))
        parts += ["<entry>", f"<title>{escape(e.status.titled(e.title))}</title>", f"<id>{link}</id>", f'<link href="{link}"/>',
                  f"<updated>{_stamp(e.published_on)}</updated>",
                  f'<category term="{escape(section, QUOTE)}"/>',
                  f"<summary>{escape(getattr(e, 'summary', None) or e.title)}</summary>", "</entry>"]
    parts.append("</feed>")
    return [("feed.xml", "\n".join(parts) + "\n")]


def sitemap(site, paths: list[str]) -> str | None:
    village = site.village
    if not village.base_url:
        return None
    urls = "".join(f"<url><loc>{escape(village.phone_url(href(p)))}</loc></url>\n" for p in sorted(paths))
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n')


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00+08:00"
