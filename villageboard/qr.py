"""QR codes (二维码) as inline SVG, made at build time with ``segno``.

The kiosk must never send a villager off the kiosk, so a link that would leave it is
shown as a code to scan with a phone instead. Inline SVG needs no extra file, no
network and no script, and stays sharp at any screen scaling.
"""
from __future__ import annotations

import functools

import segno
from markupsafe import Markup, escape


@functools.lru_cache(maxsize=4096)
def svg(data: str, label: str = "二维码") -> Markup:
    """The QR code of ``data`` as an ``<svg>`` element sized by CSS (class ``qr``).

    Error correction M: a kiosk screen is clean, and a smaller code scans from further away.
    """
    code = segno.make(data, error="m", micro=False)
    markup = code.svg_inline(border=4, omitsize=True, svgclass="qr", lineclass=None,
                             dark="#000", light="#fff")
    # segno writes no accessible name; screen readers should hear what the code is for.
    return Markup(markup.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))
