"""Reading source files as the clerk's editor saved them.

Windows editors save UTF-8 with a BOM, CRLF line ends, or GBK/GB18030. All are
accepted; GBK gets a warning because the next editor may not guess it.
"""
from __future__ import annotations

import functools
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from villageboard.reading import privacy, strictyaml
from villageboard.reading.diagnostics import Report
from villageboard.reading.fingerprint import MAX_SOURCE_BYTES, digest_of
from villageboard.reading.strictyaml import Node


@dataclass
class SourceText:
    path: Path
    text: str  # newlines normalised to "\n", BOM removed


@dataclass
class FrontMatterDocument:
    path: Path
    meta: str  # the YAML between the --- lines
    meta_line: int  # line of the first YAML line in the file
    body: str
    body_line: int


@functools.lru_cache(maxsize=None)
def real_path(path: Path) -> Path:
    """``path.resolve()``, worked out once per build, with each folder resolved once: a village
    has thousands of files in a handful of folders, each asked about by several steps, and
    resolving walks every part of the path with a system call."""
    if os.path.islink(path):
        return path.resolve()
    parent = path.parent
    folder = _real_folder(parent)
    return path if folder == parent else folder / path.name  # the same object: kept once in a stored memo


def forget_paths() -> None:
    """A new build: a file or folder may have been moved or replaced by a link since the last one."""
    real_path.cache_clear()
    _real_folder.cache_clear()


@functools.lru_cache(maxsize=1024)
def _real_folder(folder: Path) -> Path:
    return folder.resolve()


# Unicode's line and paragraph separators and NEL, pasted in from a web page or Word: YAML counts each
# as a line break, a clerk's editor does not, so every message below one named the line after the
# one meant. As spaces, the lines are those the clerk sees (YAML folds a break in quotes to a space anyway).
# Word's manual line break (\x0b) and page break (\x0c) too: invisible in an editor, YAML refused the
# whole file for one, and in Markdown they went into the page, where HTML does not allow them.
_OTHER_BREAKS = dict.fromkeys(map(ord, "\u2028\u2029\x85\x0b\x0c"), " ")


def as_lines(text: str) -> str:
    """A source's text with the line ends and spaces the clerk's editor shows: every version of a
    file is read so, its old ones in git too, or a comparison would show what no one typed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_OTHER_BREAKS)


def read_text(path: Path, report: Report) -> SourceText | None:
    report.read.add(real_path(path))
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        report.error(path, 1, "E-SOURCE-TOO-LARGE",
                     f"文件有 {size / 1024 / 1024:.1f} MB，公开栏的一个内容文件不应超过 {MAX_SOURCE_BYTES // 1024 // 1024} MB；"
                     "长名单请作为 PDF 附件，账目请按季度或月份分开")
        return None
    data = path.read_bytes()
    report.held[path] = digest_of(data)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        report.error(path, 1, "E-ENCODING", "文件是 UTF-16 编码（记事本里叫“Unicode”）；请另存为 UTF-8（记事本：另存为 → 编码选 UTF-8）")
        return None
    if b"\x00" in data:  # no text editor writes NUL: a picture, a Word file or a damaged file
        report.error(path, 1, "E-ENCODING-BINARY",
                     "这不是文字文件（可能是图片、Word 文档或已损坏的文件）；内容请用记事本等编辑器另存为 UTF-8 文本")
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        mixed = _mixed_lines(data)
        if mixed:  # read whole as GBK, the UTF-8 lines would be published as mojibake
            for line in mixed[:5]:
                report.error(path, line, "E-ENCODING-MIXED",
                             "这一行的编码和文件其余部分不同（多半是从别处粘贴的 GBK 文字）；"
                             "请删掉这行重新输入，或把文件另存为 UTF-8")
            return None
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            line = data[: exc.start].count(b"\n") + 1
            report.error(path, line, "E-ENCODING",
                         "文件编码无法识别，请用 UTF-8 保存（记事本：另存为 → 编码选 UTF-8）")
            return None
        report.warning(path, 1, "W-ENCODING-GBK",
                       "文件是 GBK/GB18030 编码，已按此读取；建议另存为 UTF-8")
    text = as_lines(text)
    if _unfilled(path, text, report):
        return None
    return SourceText(path, text)


PLACEHOLDER_RE = re.compile(r"（待填写[^）\n]*）")  # what `new` writes where the clerk must write


def _unfilled(path: Path, text: str, report: Report) -> bool:
    """A skeleton from `new` that still holds its placeholders must never be published as it is."""
    found = False
    for number, line in enumerate(text.split("\n"), 1):
        match = PLACEHOLDER_RE.search(line)
        if match and not line.lstrip().startswith("#"):
            report.error(path, number, "E-PLACEHOLDER", f"这里还是新建时的占位文字 “{match.group()}”，请换成真实内容")
            found = True
    return found


CJK_RE = re.compile(r"[\u4e00-\u9fff]")  # GBK bytes that happen to be valid UTF-8 decode to other scripts


def _mixed_lines(data: bytes) -> list[int]:
    """Lines that are not UTF-8 in a file whose other lines are UTF-8 Chinese; empty when the file is all GBK."""
    bad, utf8_chinese = [], False
    for number, line in enumerate(data.split(b"\n"), 1):
        try:
            utf8_chinese |= bool(CJK_RE.search(line.decode("utf-8")))
        except UnicodeDecodeError:
            bad.append(number)
    return bad if utf8_chinese else []


def split_front_matter(source: SourceText, report: Report) -> FrontMatterDocument | None:
    """Split ``---`` YAML front matter from the Markdown body."""
    lines = source.text.split("\n")
    if not lines or lines[0].strip() != "---":
        report.error(source.path, 1, "E-FRONTMATTER",
                     "文件开头缺少 --- 包围的信息头（标题、日期等）")
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return FrontMatterDocument(
                path=source.path,
                meta="\n".join(lines[1:i]),
                meta_line=2,
                body="\n".join(lines[i + 1:]),
                body_line=i + 2,
            )
    report.error(source.path, 1, "E-FRONTMATTER", "信息头没有结束的 --- 行")
    return None


# The file name is the page's address segment: nothing a URL or a Windows path chokes on.
ADDRESS_RE = re.compile(r"^[^\s/\\?#%&<>\"':|*`]+$")  # also nothing Windows refuses in a name


def hidden_characters(name: str) -> bool:
    """Whether ``name`` holds characters nobody sees: control and format characters (the
    right-to-left override makes ``x‮fdp.exe`` read as ``xexe.pdf``), private-use and unassigned ones."""
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cn", "Zl", "Zp") for ch in name)


def check_address(path: Path, report: Report, code: str, names: tuple = (), prefixes: tuple = ()) -> bool:
    """True if the file's name can be its page's address; else an error with ``code``."""
    stem = path.stem
    if hidden_characters(path.name):
        report.error(path, 1, code, "文件名里有看不见的字符（多半是从别处复制来的），网址会和看到的不一样；"
                                    "请把文件名删掉重新输入")
        return False
    if ADDRESS_RE.match(stem) and stem not in names and not stem.startswith(prefixes or ("\0",)):
        return True
    reserved = [f"叫 {n}" for n in names] + [f"以 {p} 开头" for p in prefixes]
    extra = f"，也不能{'或'.join(reserved)}" if reserved else ""
    report.error(path, 1, code, f"文件名不能含空格或 ? # % & : 等符号{extra}（文件名就是网址的一部分）")
    return False


def list_sources(folder: Path, suffixes: tuple[str, ...], site) -> list[Path]:
    """The source files directly in ``folder``, found the same way by every kind on every system.

    The suffix is matched without regard to case (Windows does, so ``.MD`` must not be
    read there and dropped here); dot files are a editor's or git's, never published; a
    folder named like a source is an error rather than silently skipped. Links were checked
    before any kind reads (``planning/site.py``: none loops, leads nowhere or out of ``content/``).
    """
    memo = getattr(site, "memo", None)

    def listing() -> tuple[tuple[Path, ...], tuple[Path, ...]]:
        if not folder.is_dir():
            return (), ()
        # scandir knows each entry's type from the folder listing itself: no system call per file.
        # Ordered as paths are (normcase: without regard to case on Windows), whatever the system lists.
        with os.scandir(folder) as listed:
            entries = sorted((e for e in listed if not e.name.startswith(".")
                              and os.path.splitext(e.name)[1].lower() in suffixes),
                             key=lambda e: os.path.normcase(e.name))
        files, folders = [], []
        for entry in entries:
            path = memo.path(folder, entry.name) if memo else folder / entry.name
            if entry.is_dir():
                folders.append(path)
            elif entry.is_file():
                files.append(path)
        return tuple(files), tuple(folders)

    files, folders = memo.listed((folder, suffixes), str(folder), listing) if memo else listing()
    for path in folders:
        site.report.error(path, 1, "E-SOURCE-FOLDER",
                          f"这是一个文件夹，名字却以 {path.suffix} 结尾，不会被读取；请改名或把内容放成文件")
    return list(files)


def read_yaml(path: Path, site, allow_phone_field: bool = False) -> tuple[SourceText, Node | None] | None:
    """Read a YAML source, check it for private numbers, and compose it into located nodes."""
    source = read_text(path, site.report)
    if source is None:
        return None
    privacy.scan(path, source.text, site.report, site.village.public_phones, allow_phone_field=allow_phone_field)
    return source, strictyaml.load(source.text, path, site.report)


def read_markdown(path: Path, site) -> tuple[FrontMatterDocument, Node | None] | None:
    """Read a Markdown source with front matter, checked for private numbers."""
    source = read_text(path, site.report)
    doc = source and split_front_matter(source, site.report)
    if doc is None:
        return None
    privacy.scan(path, source.text, site.report, site.village.public_phones)
    return doc, strictyaml.load(doc.meta, path, site.report, doc.meta_line)
