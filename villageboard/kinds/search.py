"""Search (搜索) on the phone site: a page and an index of every page's title.

The index is a small script file (``search-index.js``) rather than JSON, because a
script tag also loads when the site is opened from disk, where ``fetch`` is refused.
Chinese has no spaces, so matching is by substring, which needs no search library.
Without JavaScript the page offers the section archives instead.
"""
from __future__ import annotations

import json

from villageboard.planning.pages import Page


def load(site) -> None:
    """Search is made from the pages the other kinds produce."""


def pages(site):
    yield Page("search.html", "search.html", "搜索", {"sections": site.sections()}, [site.village.path],
               renditions=("phone",))


def index_script(site, phone_pages: list[Page]) -> str:
    """``window.SEARCH_INDEX = [[title, path, section title, date, words], …]``, newest first;
    ``words`` are the category and summary of a dated item, so 低保 finds the 低保 notice."""
    section_titles = {s.url.split("/")[0]: s.title for s in site.sections()}
    rows = []
    for page in phone_pages:
        if page.path in ("index.html", "search.html") or page.path.rsplit("/", 1)[-1].startswith("index"):
            continue
        section = section_titles.get(page.path.split("/")[0], "")
        item = next((v for v in page.context.values() if hasattr(v, "published_on")), None)
        when = str(item.published_on) if item else ""
        words = " ".join(filter(None, (getattr(item, "category", None), getattr(item, "summary", None))))
        rows.append([page.title, page.path, section, when, words])
    rows.sort(key=lambda r: r[3], reverse=True)
    data = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    # "<" as an escape: no clerk's text can close or open a script element, wherever this is pasted.
    return "window.SEARCH_INDEX = " + data.replace("<", "\\u003c") + ";\n"
