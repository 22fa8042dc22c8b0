"""The home page (首页): the village, the big section buttons and each kind's panels."""
from __future__ import annotations

from villageboard.planning.pages import Page


def load(site) -> None:
    """The home page has no sources of its own."""


def pages(site):
    yield Page("index.html", "home.html", f"{site.village.name}村务公开栏",
               {"sections": site.sections(), "panels": site.panels(), "slides": site.slides(),
                "newest_change": site.history.newest_change()}, [site.village.path])
