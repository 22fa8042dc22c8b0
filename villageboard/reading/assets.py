"""Files that a page links to (attachments, images) and that are copied into the site.

Every such file must exist and lie inside ``content/``: a link like ``../../etc/passwd``
or an absolute path would otherwise publish whatever the build machine holds. And every
file goes through one gate on its way out, whichever kind linked it: its content must be
what its name says, and a picture is re-encoded from its pixels, so the GPS position and
camera of a phone photo never reach the board; a PDF's text is scanned for personal numbers,
and it is published with its pages alone (``pdfs.py``). SVG is refused: it can carry script.
"""
from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote

from villageboard.reading import images, pdfs
from villageboard.reading.diagnostics import Report
from villageboard.reading.sources import hidden_characters

PICTURE_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
ATTACHMENT_TYPES = {".pdf", ".jpg", ".jpeg", ".png"}
IMAGE_TYPES = set(PICTURE_FORMATS)
ROOT_MARK = "@ROOT@/"  # replaced per page by the relative way back to the site root


def content_problem(source: Path) -> str | None:
    """Why the file cannot be published as what its suffix says, or None.

    A picture is decoded to its last pixel here, so a broken or disguised file is the
    clerk's located error now rather than a failure while the site is written.
    """
    suffix = source.suffix.lower()
    if suffix == ".pdf":
        with open(source, "rb") as f:
            return None if f.read(5) == b"%PDF-" else "不是 PDF 文件（也许是改了扩展名的别的文件）；请用原文件重新导出"
    try:
        found, _, _ = images.probe(source)
    except images.PhotoError as exc:
        return str(exc)
    if found != PICTURE_FORMATS[suffix]:
        return f"其实是 {found} 格式，和扩展名 {source.suffix} 不符；请用原文件重新导出"
    return None


def published_bytes(source: Path) -> bytes:
    """What reaches the site: a PDF with its pages alone, a picture re-encoded from its upright pixels alone."""
    suffix = source.suffix.lower()
    if suffix == ".pdf":
        return pdfs.cleaned(source)

    def encode() -> bytes:
        _, clean = images.read_pixels(source)
        if PICTURE_FORMATS[suffix] == "JPEG" and clean.mode == "RGBA":
            clean = clean.convert("RGB")
        buffer = io.BytesIO()
        clean.save(buffer, PICTURE_FORMATS[suffix], **({"quality": 90} if suffix != ".png" else {}))
        return buffer.getvalue()

    return images.cached("picture", source, suffix, encode)


class Assets:
    def __init__(self, content_root: Path, public_phones: frozenset[str] = frozenset()):
        self.content_root = content_root.resolve()
        self.public_phones = public_phones  # those a PDF's text may hold, as the sources may
        self.files: dict[str, Path] = {}  # output path (posix, from site root) -> source file

    def add(self, target: str, source: Path, line: int, report: Report,
            allowed: set[str] = ATTACHMENT_TYPES, what: str = "附件") -> str | None:
        """Register ``target`` (relative to ``source``'s folder); return its site path."""
        found = located(self.content_root, target, source, line, report, allowed, what)
        if found is None:
            return None
        resolved, rel = found
        target = target.replace("\\", "/")  # as the messages name it
        out = "files/" + rel.as_posix()
        if out not in self.files:
            problem = content_problem(resolved)
            if problem:
                report.error(source, line, "E-ASSET-CONTENT", f"{what} “{target}” {problem}")
                return None
            if resolved.suffix.lower() == ".pdf":
                before = report.mark()
                pdfs.personal_numbers(resolved, report, self.public_phones, "这个 PDF 的")
                if report.mark() != before:
                    return None
                why = pdfs.unreadable(resolved)
                if why:
                    report.warning(source, line, "W-PDF-UNCHECKED",
                                   f"{what} “{target}” {why}：无法检查里面有没有身份证号、手机号，也去不掉作者等文件信息，"
                                   "只能按原样发布；请用 WPS 或 Word 重新“导出为 PDF”（不要加密码）")
        self.files[out] = resolved
        return out


def located(content_root: Path, target: str, source: Path, line: int, report: Report, allowed: set[str],
            what: str) -> tuple[Path, Path] | None:
    """``target`` (relative to ``source``'s folder) as a file to publish, and its path inside the
    content folder: a plain name, inside ``content_root`` (resolved), present, of an ``allowed``
    type; else None, the reason reported at ``line``."""
    target = target.replace("\\", "/")  # a clerk on Windows may write files\名单.pdf
    if hidden_characters(target):
        report.error(source, line, "E-ASSET-NAME", f"{what}的文件名里有看不见的字符（多半是从别处复制来的），"
                                                   "网址和显示的名字会不一样；请把文件改名，重新输入文件名")
        return None
    resolved = (source.parent / target).resolve()
    try:
        rel = resolved.relative_to(content_root)
    except ValueError:
        report.error(source, line, "E-ASSET-OUTSIDE",
                     f"{what} “{target}” 在 content 文件夹之外，不能发布；请把文件放到本文件旁边")
        return None
    if not resolved.is_file():
        report.error(source, line, "E-ASSET-MISSING", f"{what} “{target}” 找不到文件；请检查文件名和位置")
        return None
    if resolved.suffix.lower() not in allowed:
        report.error(source, line, "E-ASSET-TYPE",
                     f"{what} “{target}” 的类型不支持，只能是 {', '.join(sorted(allowed))}")
        return None
    return resolved, rel


def href(site_path: str) -> str:
    """A site path made safe for an href (Chinese file names are percent-encoded)."""
    return quote(site_path, safe="/#?=&-_.~")
