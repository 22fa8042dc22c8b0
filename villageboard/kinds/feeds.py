"""The Atom feed of the newest notices and the sitemap, for the village's WeChat group
bots and search engines. Both need absolute addresses, so only with ``base_url``."""
from __future__ import annotations

import datetime as dt
import functools
import heapq
import operator
from html import escape  # quotes too, so one escape serves text and attributes alike

from villageboard.kinds import notices
from villageboard.reading.assets import href
from villageboard.reading.clock import CHINA
from villageboard.planning.pages import Page

FEED_SIZE = 30


def load(site) -> None:
    """Feeds are made from what other kinds loaded."""


def pages(site) -> list[Page]:
    return []


def files(site):
    village = site.village
    if not village.base_url:
        return []
    # Every disclosure a supervisor follows: notices and decisions, and the ledgers.
    ledgers = [(l, "财务公开") for l in site.books.ledgers]
    # As sorted(…, reverse=True)[:FEED_SIZE], without sorting ten thousand entries for thirty.
    entries = heapq.nlargest(FEED_SIZE, _newest_listed(site) + ledgers, key=lambda pair: (pair[0].published_on, pair[0].url))
    updated = max((_updated(e) for e, _ in entries), default=_stamp(site.today))
    parts = ['<?xml version="1.0" encoding="utf-8"?>',
             '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
             f"<title>{escape(village.name)}村务公开栏</title>",
             f"<id>{escape(village.phone_url(''))}</id>",
             f'<link href="{escape(village.phone_url(""))}"/>',
             f'<link rel="self" type="application/atom+xml" href="{escape(village.phone_url("feed.xml"))}"/>',
             f"<updated>{updated}</updated>",
             f"<author><name>{escape(village.name)}村民委员会</name></author>"]
    for e, section in entries:
        link = escape(village.phone_url(href(e.url)))
        parts += ["<entry>", f"<title>{escape(e.status.titled(e.title))}</title>", f"<id>{link}</id>", f'<link href="{link}"/>',
                  f"<published>{_stamp(e.published_on)}</published>", f"<updated>{_updated(e)}</updated>",
                  f'<category term="{escape(section)}"/>',
                  f"<summary>{escape(getattr(e, 'summary', None) or e.title)}</summary>", "</entry>"]
    parts.append("</feed>")
    return [("feed.xml", "\n".join(parts) + "\n")]


def _newest_listed(site) -> list[tuple]:
    """Of each list, newest first (``notices.entries``), the entries the feed may take: the first
    ``FEED_SIZE`` not withdrawn, and any published the same day as the last of them (the feed
    orders a day's by address). Any other has ``FEED_SIZE`` newer in its own list alone: ten
    thousand entries were looked at on every save for thirty."""
    found = []
    for section in site.listings:
        taken, last = 0, None
        for e in notices.entries(site, section):
            if taken >= FEED_SIZE and e.published_on != last:
                break
            if not getattr(e, "withdrawn", False):
                found.append((e, e.section_title))
                taken, last = taken + 1, e.published_on
    return found


def sitemap(site, pages: list[Page]) -> str | None:
    """Every phone page, with ``lastmod``: when its sources last changed, from the git history.

    A page made from no source, or a site built without a trustworthy history, gets no
    ``lastmod`` rather than a guess (the checkout's file times are not change times).
    """
    village = site.village
    if not village.base_url:
        return None
    urls, base = [], village.phone_url("")
    for page in sorted(pages, key=operator.attrgetter("path")):
        loc = _loc(base, page.path)
        changed = _last_changed(site, page)
        urls.append(f"<url>{loc}<lastmod>{changed}</lastmod></url>\n" if changed else f"<url>{loc}</url>\n")
    urls = "".join(urls)
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n')


@functools.lru_cache(maxsize=1 << 17)
def _loc(base: str, path: str) -> str:
    """A page's absolute address as the sitemap writes it: each quoted and escaped once, not again
    on every save in serve."""
    return f"<loc>{escape(base + href(path))}</loc>"


def _last_changed(site, page: Page) -> str | None:
    history = site.history
    if history is None or history.missing:
        return None
    changed = [when for source in page.sources if (when := history.of(source).last_changed)]
    return max(changed).isoformat(timespec="seconds") if changed else None


def _updated(entry) -> str:
    """A revision after publication updates the entry, so a feed reader shows it again."""
    revised = [r.when for r in getattr(entry, "revisions", ())]
    return max(revised).astimezone(CHINA).isoformat(timespec="seconds") if revised else _stamp(entry.published_on)



def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00+08:00"
