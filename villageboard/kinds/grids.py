"""Pages for the village's grids (网格): an overview and one page per grid, with the
model households (模范户) that live in each, so a villager finds the 党员中心户 near home."""
from __future__ import annotations

from villageboard.kinds import households
from villageboard.planning.pages import Page, Section


def load(site) -> None:
    """Grids are read with village.yaml; households check their grid when they load."""


def sections(site) -> list[Section]:
    if not site.village.grids:
        return []
    return [Section("grids", "网格", "grids/index.html", "网格长与联系户", 60)]


def pages(site):
    village = site.village
    if not village.grids:
        return
    members = {g.id: households.in_grid(site, g.id) for g in village.grids}
    every = [h.path for found in members.values() for h in found]
    yield Page("grids/index.html", "grids.html", "网格", {"grids": village.grids, "members": members},
               [village.path, *every])
    for grid in village.grids:
        found = members[grid.id]
        centres = [h for h in found if h.is_centre]
        yield Page(grid.url, "grid.html", f"第{grid.id}网格 · {grid.name}",
                   {"grid": grid, "households": found, "centres": centres,
                    "served": sum(h.serves or 0 for h in centres)},
                   [village.path, *(h.path for h in found)])
