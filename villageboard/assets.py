"""Files that a page links to (attachments, images) and that are copied into the site.

Every such file must exist and lie inside ``content/``: a link like ``../../etc/passwd``
or an absolute path would otherwise publish whatever the build machine holds.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from .diagnostics import Report

ATTACHMENT_TYPES = {".pdf", ".jpg", ".jpeg", ".png"}
IMAGE_TYPES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg"}
ROOT_MARK = "@ROOT@/"  # replaced per page by the relative way back to the site root


class Assets:
    def __init__(self, content_root: Path):
        self.content_root = content_root.resolve()
        self.files: dict[str, Path] = {}  # output path (posix, from site root) -> source file

    def add(self, target: str, source: Path, line: int, report: Report,
            allowed: set[str] = ATTACHMENT_TYPES, what: str = "附件") -> str | None:
        """Register ``target`` (relative to ``source``'s folder); return its site path."""
        target = target.replace("\\", "/")  # a clerk on Windows may write files\名单.pdf
        resolved = (source.parent / target).resolve()
        try:
            rel = resolved.relative_to(self.content_root)
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
        out = "files/" + rel.as_posix()
        self.files[out] = resolved
        return out


def href(site_path: str) -> str:
    """A site path made safe for an href (Chinese file names are percent-encoded)."""
    return quote(site_path, safe="/#?=&-_.~")
