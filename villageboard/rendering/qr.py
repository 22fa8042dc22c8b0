"""QR codes (二维码) as inline SVG, made at build time with ``zxing-cpp``.

The kiosk must never send a villager off the kiosk, so a link that would leave it is
shown as a code to scan with a phone instead. Inline SVG needs no extra file, no
network and no script, and stays sharp at any screen scaling.

zxing-cpp encodes with Zint, in C: it tries all eight masks and keeps the one easiest to
scan (ISO/IEC 18004's penalty rules), which a glossy kiosk screen needs, in about a tenth of
the time pure-Python segno took. Each code is still made once per address: remembered for
the build and kept in the build cache for the next one.
"""
from __future__ import annotations

import functools
import re
from importlib.metadata import version

from markupsafe import Markup, escape

from villageboard.cache import NONE, Cache

# Error correction M: a kiosk screen is clean, and a smaller code scans from further away.
_LEVEL = "M"
BORDER = 4  # the quiet zone the standard asks for, in modules
_SALT = f"zxing-cpp {version('zxing-cpp')} {_LEVEL} border {BORDER} svg 1"
_cache: Cache = NONE


def use_cache(cache: Cache) -> None:
    global _cache
    _cache = cache
    _drawn.cache_clear()


def matrix(data: str) -> list[bytes]:
    """The code's modules, one row of 0 (light) / 1 (dark) bytes per line, without the quiet zone."""
    import zxingcpp  # loaded on the first code drawn: most commands take every code from the build cache

    code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level=_LEVEL)
    image = memoryview(code.to_image(scale=1, add_quiet_zones=False))
    size = image.shape[1]
    pixels = image.tobytes().translate(_DARK)
    return [pixels[y * size:(y + 1) * size] for y in range(image.shape[0])]


_DARK = bytes(1 if value < 128 else 0 for value in range(256))  # the image is black modules on white
_DARK_RUN = re.compile(rb"\x01+")


def _draw(data: str) -> str:
    rows = matrix(data)
    side = len(rows) + 2 * BORDER
    # One horizontal stroke per run of dark modules, half a module below the row's top edge;
    # each move is relative to where the last stroke ended, which keeps the drawing short.
    strokes, pen = [], None
    for y, row in enumerate(rows):
        for run in _DARK_RUN.finditer(row):
            start, end = run.span()
            strokes.append(f"M{start + BORDER} {y + BORDER}.5h{end - start}" if pen is None
                           else f"m{start - pen[0]} {y - pen[1]}h{end - start}")
            pen = (end, y)
    return (f'<svg viewBox="0 0 {side} {side}" class="qr"><path fill="#fff" d="M0 0h{side}v{side}h-{side}z"/>'
            f'<path stroke="#000" d="{"".join(strokes)}"/></svg>')


@functools.lru_cache(maxsize=8192)
def _drawn(data: str) -> str:
    return _cache.text("qr", data, lambda: _draw(data), salt=_SALT)


def svg(data: str, label: str = "二维码") -> Markup:
    """The QR code of ``data`` as an ``<svg>`` element sized by CSS (class ``qr``)."""
    # The drawing has no accessible name; screen readers should hear what the code is for.
    return Markup(_drawn(data).replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


def terminal(data: str) -> str:
    """The code in a terminal, two rows of modules per line (half blocks), dark on a light quiet zone."""
    rows = matrix(data)
    blank = bytes(len(rows[0]))
    rows = [blank] * BORDER + rows + [blank] * BORDER
    glyphs = {(0, 0): "█", (1, 0): "▄", (0, 1): "▀", (1, 1): " "}
    lines = []
    for top, bottom in zip(rows[0::2], rows[1::2] + [blank]):
        middle = "".join(glyphs[(t, b)] for t, b in zip(top, bottom))
        lines.append("█" * BORDER + middle + "█" * BORDER)
    return "\n".join(lines)
