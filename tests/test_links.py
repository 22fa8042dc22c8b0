"""Every link of every page is made relative (the site also works opened from disk), by a
shortcut that must agree with the standard library on every pair of places."""
import itertools
import posixpath

from villageboard.rendering.render import relative

PLACES = ["index.html", "party/index.html", "party/2025/index.html", "party/2025/index-2.html",
          "kiosk/index.html", "kiosk/party/n00011.html", "kiosk/party/2025/index.html",
          "print/affairs/2026-11-20-冬季防火.html", "static/site.css", "finance/2026-Q1.html",
          "photos/households/yao-320.jpg", "party", "kiosk", "party/2025", "a/b/c/d.html"]
ODD = ["party/./x.html", "party/../x.html", "a/b/", "./index.html", "party//x.html"]


def test_a_link_is_the_same_as_posixpath_relpath_from_every_page_to_every_place():
    for here, target in itertools.product(PLACES, PLACES + ODD):
        folders = here.split("/")[:-1]
        assert relative(target, folders) == posixpath.relpath(target, posixpath.dirname(here) or "."), (here, target)
