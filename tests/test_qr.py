"""The QR codes a villager scans: the SVG on kiosk and print pages, and the one `serve` prints
in the terminal for a phone on the village hall's network. (A kiosk page's code is also read
back off a Chromium screenshot in test_build_cache.py.)"""
import re

import zxingcpp
from PIL import Image

from villageboard.rendering import qr

ADDRESSES = ["https://cunwu.example.org/qingxi/affairs/2026-11-20-冬季防火.html",
             "http://192.168.1.23:8000/", "https://x.cn/party/n00011.html"]


def _modules_drawn(svg: str) -> set[tuple[int, int]]:
    """The modules the SVG's strokes cover, by following the path as a browser does."""
    path = re.search(r'stroke="#000" d="([^"]*)"', svg).group(1)
    covered, x, y = set(), 0.0, 0.0
    for command, dx, dy, run in re.findall(r"([Mm])(-?[\d.]+) (-?[\d.]+)h(\d+)", path):
        x, y = (float(dx), float(dy)) if command == "M" else (x + float(dx), y + float(dy))
        covered |= {(int(x) + i, int(y)) for i in range(int(run))}
        x += int(run)
    return covered


def _image(rows: list[list[bool]], scale: int = 6) -> Image.Image:
    image = Image.new("L", (len(rows[0]) * scale, len(rows) * scale), 255)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                image.paste(0, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    return image


def test_the_svg_draws_exactly_the_dark_modules_and_scans():
    for address in ADDRESSES:
        svg = qr.svg(address, "二维码：本页")
        assert svg.startswith('<svg role="img" aria-label="二维码：本页" viewBox=')
        rows = qr.matrix(address)
        dark = {(x + qr.BORDER, y + qr.BORDER) for y, row in enumerate(rows) for x, v in enumerate(row) if v}
        assert _modules_drawn(svg) == dark
        side = len(rows) + 2 * qr.BORDER
        assert f'viewBox="0 0 {side} {side}"' in svg
        drawn = _modules_drawn(svg)
        picture = _image([[(x, y) in drawn for x in range(side)] for y in range(side)])
        assert zxingcpp.read_barcode(picture).text == address


def test_the_terminal_code_scans():
    for address in ADDRESSES[1:]:
        lines = qr.terminal(address).split("\n")
        # A terminal draws "█" in its light text colour: full blocks are light modules.
        rows = []
        for line in lines:
            rows.append([ch not in "█▀" for ch in line])  # top half dark
            rows.append([ch not in "█▄" for ch in line])  # bottom half dark
        assert zxingcpp.read_barcode(_image(rows)).text == address
