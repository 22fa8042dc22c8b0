"""QR codes (二维码) as inline SVG, made at build time with ``segno``.

The kiosk must never send a villager off the kiosk, so a link that would leave it is
shown as a code to scan with a phone instead. Inline SVG needs no extra file, no
network and no script, and stays sharp at any screen scaling.

Drawing a code is the slowest step of a build (segno tries all eight masks and keeps
the one easiest to scan, which a glossy kiosk screen needs), so each code is drawn once
per address: remembered for the build and kept in the build cache for the next one.
"""
from __future__ import annotations

import functools

import segno
from markupsafe import Markup, escape

from villageboard.cache import NONE, Cache

# Error correction M: a kiosk screen is clean, and a smaller code scans from further away.
_MAKE = dict(error="m", micro=False)
_DRAW = dict(border=4, omitsize=True, svgclass="qr", lineclass=None, dark="#000", light="#fff")
_SALT = f"segno {segno.__version__} {sorted(_MAKE.items())} {sorted(_DRAW.items())}"
_cache: Cache = NONE


def use_cache(cache: Cache) -> None:
    global _cache
    _cache = cache
    _drawn.cache_clear()


@functools.lru_cache(maxsize=8192)
def _drawn(data: str) -> str:
    return _cache.text("qr", data, lambda: segno.make(data, **_MAKE).svg_inline(**_DRAW), salt=_SALT)


def svg(data: str, label: str = "二维码") -> Markup:
    """The QR code of ``data`` as an ``<svg>`` element sized by CSS (class ``qr``)."""
    # segno writes no accessible name; screen readers should hear what the code is for.
    return Markup(_drawn(data).replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))
