"""Attachments (附件) of a notice, made fit for the paper board and the kiosk.

A phone can open a PDF; the wall and the kiosk cannot. A notice that says "详细名单见附件"
must therefore carry the list itself on paper and on the touchscreen: a picture is shown
as it is, and each page of a PDF is rendered to a picture at build time with pdfium (the
PDF engine of Chromium, through ``pypdfium2``). Rendering is the slowest thing a build
does after QR codes, so each page is kept in the build cache under a hash of the PDF's
bytes: a PDF is rendered once, whatever happens to its name or notice.

A PDF that pdfium cannot open (encrypted, damaged beyond repair) is still published; it is
then shown by its title and a QR code, and the clerk gets a warning.
"""
from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from villageboard.reading import images
from villageboard.cache import Cache

if TYPE_CHECKING:
    from PIL import Image

# pdfium and Pillow's image code are loaded where a PDF is read or a page drawn: most commands
# take every page from the build cache, and loading them cost each one 0.03 s.

DPI = 150  # enough for 10.5 pt table text on paper and on a 1080 px wide kiosk
LONGEST_SIDE = round(297 / 25.4 * DPI)  # an A4 page's height at DPI; a larger page is scaled down to it
MAX_PAGES = 20  # more would fill the board and the kiosk; the rest stays in the PDF
GREYS = 32  # grey levels kept for a page without colour: text stays smooth, the file small
COLOURS = 64  # palette for a page with colour (a red seal, a coloured map)


@functools.cache
def _salt() -> str:
    # pypdfium2's wheels each carry their own build of pdfium: its version names both.
    return f"pypdfium2 {version('pypdfium2')} pillow {version('pillow')} dpi {DPI} side {LONGEST_SIDE} {GREYS} {COLOURS}"


@dataclass
class PageImage:
    """One page of an attachment as a picture: a rendered PDF page, or the picture itself."""

    url: str  # site path
    number: int
    width: int  # pixels
    height: int
    of: int  # how many pages the attachment has in all

    @property
    def landscape(self) -> bool:
        return self.width > self.height


@dataclass
class Attachment:
    """附件: a file beside the notice, with the name villagers read."""

    file: str  # as the clerk wrote it
    title: str  # the given title, or the file name
    url: str  # site path of the file itself
    kind: str  # "pdf" or "image"
    pages: list[PageImage] = field(default_factory=list)  # empty: show the title and a QR code only
    page_count: int = 0  # of the PDF; may exceed len(pages)
    titled: bool = False  # the clerk gave a title (otherwise it is the file name)

    @property
    def name(self) -> str:
        return self.title

    @property
    def shortened(self) -> bool:
        return self.kind == "pdf" and 0 < len(self.pages) < self.page_count

    @property
    def label(self) -> str:
        """What a button to the file says: 耕地地力保护补贴名单（PDF，2 页）."""
        if self.kind == "image":
            return f"{self.title}（图片）"
        return f"{self.title}（PDF，{self.page_count} 页）" if self.page_count else f"{self.title}（PDF）"


class _Unrenderable(Exception):
    pass


def _cache(site) -> Cache:
    """The build cache beside the content folder (the same one QR codes use)."""
    return site.cache


def load(site, file: str, title: str | None, source: Path, line: int) -> Attachment | None:
    """Register the attachment ``file`` of ``source`` and prepare its page pictures.

    Returns None when the file cannot be published at all (the error is reported).
    """
    report = site.report
    url = site.assets.add(file, source, line, report)
    if not url:
        return None
    resolved = site.assets.files[url]
    shown = title.strip() if title and title.strip() else Path(file.replace("\\", "/")).name
    if resolved.suffix.lower() != ".pdf":
        _, width, height = images.probe(resolved)  # already checked by the gate: it reads
        return Attachment(file, shown, url, "image", [PageImage(url, 1, width, height, 1)], 1, bool(title))
    import pypdfium2
    from PIL import Image

    attachment = Attachment(file, shown, url, "pdf", titled=bool(title))
    pages = site.attachment_pages
    try:
        data = resolved.read_bytes()
        attachment.page_count = _page_count(data)
        if attachment.page_count == 0:
            raise _Unrenderable("里面没有页面")
        digest = hashlib.sha256(data).hexdigest()
        cache = _cache(site)
        for index in range(min(attachment.page_count, MAX_PAGES)):
            png = _page_png(cache, data, digest, index)
            with Image.open(io.BytesIO(png)) as picture:
                width, height = picture.size
            # The hash in the name: a corrected list never shows the old picture from a browser's cache.
            page_url = f"{url}.{digest[:10]}-{index + 1}.png"
            pages[page_url] = (resolved, index, digest)
            attachment.pages.append(PageImage(page_url, index + 1, width, height, attachment.page_count))
    except (_Unrenderable, pypdfium2.PdfiumError, OSError, ValueError) as exc:
        attachment.pages = []
        report.warning(source, line, "W-ATTACHMENT-PDF",
                       f"附件 “{file}” 无法转成图片（{_why(exc)}），打印版和触摸屏上只显示标题和二维码；"
                       "请用 WPS 或 Word 重新“导出为 PDF”（不要加密码）")
        return attachment
    if attachment.page_count > MAX_PAGES:
        report.warning(source, line, "W-ATTACHMENT-PAGES",
                       f"附件 “{file}” 有 {attachment.page_count} 页，打印版和触摸屏上只显示前 {MAX_PAGES} 页，"
                       "其余请扫码查看；如要全部上墙，请拆成几个附件")
    return attachment


def _why(exc: Exception) -> str:
    text = str(exc)
    if "password" in text.lower():
        return "文件设了密码"
    if isinstance(exc, _Unrenderable):
        return text
    return "文件可能已损坏"


def _page_count(data: bytes) -> int:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def _page_png(cache: Cache, data: bytes, digest: str, index: int) -> bytes:
    return cache.data("pdf-page", f"{digest}\0{index}", lambda: render_page(data, index), salt=_salt())


def render_page(data: bytes, index: int) -> bytes:
    """Page ``index`` of the PDF ``data`` as a small PNG on white, its longest side at most LONGEST_SIDE."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        page = pdf[index]
        width, height = page.get_size()  # points, rotation applied
        scale = min(DPI / 72, LONGEST_SIDE / max(width, height, 1))
        bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255), may_draw_forms=True)
        picture = bitmap.to_pil().convert("RGB")
        page.close()
    finally:
        pdf.close()
    return _encode(picture)


def _encode(picture: Image.Image) -> bytes:
    from PIL import Image

    if _is_grey(picture):
        step = 256 // GREYS
        small = picture.convert("L").point(lambda v: min(255, v // step * step + step // 2) if v < 250 else 255)
    else:
        small = picture.quantize(COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    small.save(buffer, "PNG", optimize=True)  # nothing but pixels: no text chunks, no metadata
    return buffer.getvalue()


def _is_grey(picture: Image.Image) -> bool:
    """True when no pixel has a noticeable colour (black text, grey scans)."""
    from PIL import ImageChops

    r, g, b = picture.split()
    spread = ImageChops.subtract(ImageChops.lighter(ImageChops.lighter(r, g), b),
                                 ImageChops.darker(ImageChops.darker(r, g), b))
    return spread.getextrema()[1] <= 24


def files(site) -> list[tuple[str, bytes]]:
    """The page pictures of every published PDF attachment: from the build cache, where ``load`` put them."""
    if not site.attachment_pages:
        return []
    import pypdfium2

    cache = _cache(site)
    out = []
    for url, (source, index, digest) in sorted(site.attachment_pages.items()):
        try:
            data = source.read_bytes()
            if hashlib.sha256(data).hexdigest() != digest:
                # Changed during the build (a clerk saving while `serve` builds): never store it under the old hash.
                out.append((url, render_page(data, index)))
            else:
                out.append((url, _page_png(cache, data, digest, index)))
        except (pypdfium2.PdfiumError, OSError, ValueError, IndexError):
            continue  # gone or broken since it was read: the next build says so
    return out
