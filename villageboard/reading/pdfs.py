"""PDF files on their way to the site (公开的 PDF 文件): what they say, and what they carry besides.

A PDF comes from Word, WPS or a phone's scanner app and holds more than its pages: who made it
and with what (the document information and its XMP copy, often the clerk's name or a villager's),
files embedded in it, the private data of the program that made it, and the photos on its pages
with their EXIF, GPS position included. Its pages' text is what a villager reads: a list of
subsidies pasted with the ID numbers still in it is published as surely as a notice would be.

So its text goes through the same privacy scan as the sources (``personal_numbers``), and what is
published is a copy with its pages alone (``cleaned``, with pikepdf, the qpdf library). A signed
PDF (an electronic seal) is published as it is: a copy would break the signature that proves it.
"""
from __future__ import annotations

import functools
import io
import json
from importlib.metadata import version
from pathlib import Path

from villageboard.cache import NONE, Cache
from villageboard.reading import images, privacy
from villageboard.reading.diagnostics import Report
from villageboard.reading.fingerprint import content_digest

_cache: Cache = NONE


def use_cache(cache: Cache) -> None:
    global _cache
    _cache = cache


def personal_numbers(source: Path, report: Report, public_phones: frozenset[str], where: str) -> None:
    """Report, at ``source``, every ID-card, mobile or bank-card number in the text of its pages."""
    pages = json.loads(_cache.text("pdf-text", images.fingerprint(source), lambda: json.dumps(_text(source)),
                                   salt=_salt("pypdfium2")))
    found = Report()
    for number, text in enumerate(pages, 1):
        privacy.scan(source, text, found, public_phones, where=f"{where}第 {number} 页")
    for item in found.items:  # a PDF has pages, not lines: the file itself is what the clerk fixes
        report.error(source, 1, item.code, item.message)


def _text(source: Path) -> list[str]:
    """The text of each page as pdfium reads it (none for a scan, or a file it cannot open)."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(source)
    except (pypdfium2.PdfiumError, OSError, ValueError):
        return []  # the attachment's own reading says so (W-ATTACHMENT-PDF)
    try:
        found = []
        for page in pdf:
            text = page.get_textpage()
            found.append(text.get_text_range().replace("\r\n", "\n").replace("\r", "\n"))
            text.close()
            page.close()
        return found
    finally:
        pdf.close()


def cleaned(source: Path) -> bytes:
    """The PDF with its pages alone, from the build cache when made before; as it is when signed or
    when pikepdf cannot open it (damaged or with a password: pdfium's reading warns of those)."""
    return _cache.data("pdf-clean", images.fingerprint(source), lambda: _clean(source.read_bytes()),
                       salt=_salt("pikepdf"))


def unreadable(source: Path) -> str | None:
    """Why the PDF cannot be checked or copied (a password, damage beyond qpdf's repair), or None.
    Such a file is published as it is (``cleaned``): the clerk is told what that means."""
    import pikepdf

    try:
        with pikepdf.open(source):
            return None
    except pikepdf.PasswordError:
        return "设了打开密码"
    except (pikepdf.PdfError, ValueError):
        return "已损坏"


def _clean(data: bytes) -> bytes:
    import pikepdf

    try:
        return _rewritten(data)
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError):  # ``unreadable`` said so at the link
        return data


def _rewritten(data: bytes) -> bytes:
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        if _signed(pdf):
            return data
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        names = pdf.Root.get("/Names")
        if isinstance(names, pikepdf.Dictionary):
            for tree in ("/EmbeddedFiles", "/JavaScript"):
                if tree in names:
                    del names[tree]
        for key in ("/OpenAction", "/AA"):  # actions run on opening: scripts, launching files
            if key in pdf.Root:
                del pdf.Root[key]
        for page in pdf.pages:
            annotations = page.obj.get("/Annots")
            if isinstance(annotations, pikepdf.Array):
                kept = [a for a in annotations if not (isinstance(a, pikepdf.Dictionary)
                                                       and a.get("/Subtype") == "/FileAttachment")]
                if len(kept) != len(annotations):
                    page.obj["/Annots"] = pikepdf.Array(kept)
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                continue
            for key in _CARRIED:
                if key in obj:
                    del obj[key]
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image" and obj.get("/Filter") == "/DCTDecode":
                raw = obj.read_raw_bytes()
                bare = jpeg_without_metadata(raw)
                if bare != raw:
                    obj.write(bare, filter=pikepdf.Name.DCTDecode, decode_parms=obj.get("/DecodeParms"))
        out = io.BytesIO()
        # The same file makes the same bytes (a rebuild changes nothing); objects packed, for a phone on 2G.
        pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


# Wherever they stand: XMP (of the document, a page or a photo), a program's own data, and files
# embedded (PDF 2.0's associated files, a file specification's own copy of the file).
_CARRIED = ("/Metadata", "/PieceInfo", "/AF", "/EF")


def _signed(pdf) -> bool:
    import pikepdf

    form = pdf.Root.get("/AcroForm")
    if not isinstance(form, pikepdf.Dictionary):
        return False
    fields = list(form.get("/Fields", pikepdf.Array()))
    while fields:
        field = fields.pop()
        if not isinstance(field, pikepdf.Dictionary):
            continue
        if field.get("/FT") == "/Sig" and "/V" in field:
            return True
        fields.extend(field.get("/Kids", pikepdf.Array()))
    return False


# APP0 (JFIF: pixel density) and APP14 (Adobe: how the colours are stored) are needed to draw the
# picture; every other APPn (EXIF with GPS and camera, XMP, IPTC, maker data) and comments are not.
_KEPT_SEGMENTS = {0xE0, 0xEE}


def jpeg_without_metadata(data: bytes) -> bytes:
    """A JPEG's bytes without its metadata segments; the compressed picture itself untouched.
    Anything that does not read as a JPEG is given back as it is."""
    if not data.startswith(b"\xff\xd8"):
        return data
    out, at = [data[:2]], 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return data
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker == 0xDA:  # start of scan: the picture data follows, to its end (whatever is appended after goes)
            end = data.find(b"\xff\xd9", at)  # never inside the picture data, where an 0xFF byte is followed by 0
            out.append(data[at:end + 2] if end >= 0 else data[at:])
            return b"".join(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            out.append(data[at:at + 2])
            at += 2
            continue
        end = at + 2 + int.from_bytes(data[at + 2:at + 4], "big")
        if end > len(data):
            return data
        if not ((0xE0 <= marker <= 0xEF and marker not in _KEPT_SEGMENTS) or marker == 0xFE):
            out.append(data[at:end])
        at = end
    return data


@functools.cache
def _salt(library: str) -> str:
    return f"{library} {version(library)} {content_digest(Path(__file__)).hex()}"
