"""Pages for the village's grids (网格): an overview and one page per grid."""
from __future__ import annotations

from .pages import Page, Section


def load(site) -> None:
    """Grids are read with village.yaml; nothing more to load."""


def sections(site) -> list[Section]:
    if not site.village.grids:
        return []
    return [Section("grids", "网格", "grids/index.html", "网格长与联系户", 60)]


def pages(site):
    village = site.village
    if not village.grids:
        return
    yield Page("grids/index.html", "grids.html", "网格", {"grids": village.grids}, [village.path])
    for grid in village.grids:
        yield Page(grid.url, "grid.html", f"第{grid.id}网格 · {grid.name}", {"grid": grid}, [village.path])
