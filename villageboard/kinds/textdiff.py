"""Comparing two versions of a Chinese text article by article (逐条对照).

Regulations, compacts and notices are made of numbered articles (第三条), list items,
table rows, headings and paragraphs. A character diff over the whole text shreds a
rewritten document: an article moved or renumbered is matched with whatever shares the
most characters, and a change spills over its neighbours. So the text is first cut into
blocks, the blocks of the two versions are paired (identical ones first, then by number
and similarity), and characters are compared only inside a pair. A block without a
partner is shown whole as added or removed.

Chinese has no spaces between words, so the character comparison is cleaned up the way
diff-match-patch does (a short run of equal characters between two changes is folded into
them): 把“三十桌”改成“二十桌，彩礼不超过三万元” reads as one change, not five.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+")
BULLET_RE = re.compile(r"^\s{0,3}([-*+]\s+|>\s?)")
NUMERALS = "零〇一二三四五六七八九十百两"
ARTICLE_RE = re.compile(rf"^第([{NUMERALS}\d]+)([条章节款])\s*")
ITEM_RE = re.compile(rf"^(?:(\d+)[.、．)]|[（(]([{NUMERALS}\d]+)[）)]|([{NUMERALS}]+)、)\s*")
TABLE_ROW_RE = re.compile(r"^\s*\|")
# Below this likeness (after the number is set aside) two blocks are different articles.
PAIR_AT = 0.45
SAME_NUMBER_BONUS = 0.25  # 第三条 in both versions is probably the same article, rewritten
# A pair this unlike is shown as the old text struck through and the new underlined, whole.
REWRITTEN_BELOW = 0.3
# Above this many candidate pairs in one changed stretch, only nearby blocks are compared.
MAX_PAIRS = 10_000


@dataclass
class Piece:
    op: str  # same, ins, del
    text: str


@dataclass
class Block:
    """One article, list item, table row, heading or paragraph, as the reader sees it."""

    kind: str  # heading, article, item, row, paragraph
    lines: list[str]
    number: int | None = None  # 第三条 -> 3, （二） -> 2, "4." -> 4
    unit: str = ""  # 条, 章, 节, 款 for articles

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def body(self) -> str:
        """The text without its leading number, to compare renumbered articles by what they say."""
        first = ARTICLE_RE.sub("", ITEM_RE.sub("", self.lines[0], count=1), count=1) if self.lines else ""
        return "\n".join([first, *self.lines[1:]])

    @property
    def label(self) -> str:
        """How a summary names the block: 第三条, a heading, or the start of a paragraph."""
        first = self.lines[0] if self.lines else ""
        if self.kind == "heading":
            return first
        m = ARTICLE_RE.match(first)
        if m:
            return m.group(0).strip()
        return first[:10] + ("…" if len(first) > 10 or len(self.lines) > 1 else "")


@dataclass
class BlockDiff:
    op: str  # same, changed, added, removed
    old: Block | None
    new: Block | None
    lines: list[list[Piece]] = field(default_factory=list)  # one list of pieces per line
    inserted: int = 0
    deleted: int = 0

    @property
    def block(self) -> Block:
        return self.new or self.old

    @property
    def is_heading(self) -> bool:
        return self.block.kind == "heading"

    @property
    def label(self) -> str:
        return self.block.label


@dataclass
class Omitted:
    """Unchanged blocks left out of a short comparison (修订记录 shows only what changed)."""

    count: int
    op: str = "omitted"


@dataclass
class TextComparison:
    blocks: list[BlockDiff]
    inserted: int
    deleted: int

    @property
    def changed(self) -> list[BlockDiff]:
        return [b for b in self.blocks if b.op != "same"]

    def of(self, op: str) -> list[BlockDiff]:
        return [b for b in self.blocks if b.op == op]

    def indexed(self, op: str) -> list[tuple[int, BlockDiff]]:
        """The blocks with this op and their places, for links to them (#d<place>)."""
        return [(n, b) for n, b in enumerate(self.blocks) if b.op == op]

    def short(self) -> list:
        """Only the blocks that changed, with a marker where unchanged ones were left out."""
        out, skipped = [], 0
        for b in self.blocks:
            if b.op == "same":
                skipped += 1
                continue
            if skipped:
                out.append(Omitted(skipped))
                skipped = 0
            out.append(b)
        if skipped and out:
            out.append(Omitted(skipped))
        return out

    def lines(self) -> list[list[Piece]]:
        """Every line of the comparison, a blank line between blocks (the older, flat view)."""
        out: list[list[Piece]] = []
        for n, b in enumerate(self.blocks):
            if n and self._paragraph_break(n):
                out.append([])
            out += b.lines
        return out

    def _paragraph_break(self, n: int) -> bool:
        kinds = {self.blocks[n - 1].block.kind, self.blocks[n].block.kind}
        return not (kinds <= {"row"} or kinds <= {"item"})


def number_value(text: str) -> int | None:
    """第十二条 -> 12; Arabic digits as they are; None for anything else."""
    if text.isdigit():
        return int(text)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    digits.update({"〇": 0, "两": 2})
    total, current = 0, 0
    for ch in text:
        if ch in digits:
            current = digits[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def blocks(text: str) -> list[Block]:
    """Cut Markdown (or plain) text into blocks: blank lines, headings, articles, items and rows start one."""
    out: list[Block] = []
    current: Block | None = None
    for raw in text.replace("\r\n", "\n").strip("\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            current = None
            continue
        if HEADING_RE.match(line):
            out.append(Block("heading", [_plain(HEADING_RE.sub("", line))]))
            current = None
            continue
        bullet = bool(BULLET_RE.match(line))
        plain = _plain(BULLET_RE.sub("", line))
        article, item = ARTICLE_RE.match(plain), ITEM_RE.match(plain)
        if TABLE_ROW_RE.match(line):
            if not re.fullmatch(r"[\s|:\-]+", line):  # the |---|---| line under a table's head
                out.append(Block("row", [plain]))
            current = None
            continue
        if article or item or bullet or current is None:
            number = None
            if article:
                number = number_value(article.group(1))
            elif item:
                number = number_value(next(g for g in item.groups() if g))
            current = Block("article" if article else "item" if (item or bullet) else "paragraph", [plain],
                            number, article.group(2) if article else "")
            out.append(current)
        else:
            current.lines.append(plain)
    return out


def _plain(line: str) -> str:
    return line.replace("**", "").replace("__", "").strip()


def plain_lines(text: str) -> list[list[Piece]]:
    """A text as the comparisons show it, unmarked: plain lines, a blank one between paragraphs."""
    return TextComparison([BlockDiff("same", b, b, [[Piece("same", line)] for line in b.lines])
                           for b in blocks(text)], 0, 0).lines()


def compare(old: str, new: str) -> TextComparison:
    """Compare two texts block by block, with character marks only inside changed blocks."""
    a, b = blocks(old), blocks(new)
    out: list[BlockDiff] = []
    matcher = difflib.SequenceMatcher(None, [x.text for x in a], [y.text for y in b], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out += [BlockDiff("same", x, y, [[Piece("same", line)] for line in y.lines])
                    for x, y in zip(a[i1:i2], b[j1:j2])]
        else:
            out += _align(a[i1:i2], b[j1:j2])
    return TextComparison(out, sum(d.inserted for d in out), sum(d.deleted for d in out))


def _likeness(x: Block, y: Block) -> float:
    if (x.kind == "heading") != (y.kind == "heading") or x.unit != y.unit:
        return 0.0
    bonus = SAME_NUMBER_BONUS if x.number is not None and x.number == y.number and x.kind == y.kind else 0.0
    matcher = difflib.SequenceMatcher(None, x.body, y.body, autojunk=False)
    if matcher.real_quick_ratio() + bonus < PAIR_AT or matcher.quick_ratio() + bonus < PAIR_AT:
        return 0.0
    score = matcher.ratio() + bonus
    return score if score >= PAIR_AT else 0.0


def _align(old: list[Block], new: list[Block]) -> list[BlockDiff]:
    """Pair the blocks of a changed stretch so the summed likeness is greatest, order kept."""
    n, m = len(old), len(new)
    band = None if n * m <= MAX_PAIRS else max(20, abs(n - m) + 5)
    score = [[0.0] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            if band is None or abs(i * m // max(n, 1) - j) <= band:
                score[i][j] = _likeness(old[i], new[j])
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            pair = best[i + 1][j + 1] + score[i][j] if score[i][j] else -1.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], pair)
    out: list[BlockDiff] = []
    removed: list[BlockDiff] = []
    added: list[BlockDiff] = []
    i = j = 0

    def flush():
        out.extend(removed + added)
        removed.clear()
        added.clear()

    while i < n or j < m:
        if i < n and j < m and score[i][j] and best[i][j] == best[i + 1][j + 1] + score[i][j]:
            flush()
            out.append(_changed(old[i], new[j]))
            i, j = i + 1, j + 1
        elif i < n and (j == m or best[i][j] == best[i + 1][j]):
            removed.append(_whole("removed", old[i]))
            i += 1
        else:
            added.append(_whole("added", new[j]))
            j += 1
    flush()
    return out


def _whole(op: str, block: Block) -> BlockDiff:
    mark = "del" if op == "removed" else "ins"
    size = len(block.text.replace("\n", ""))
    return BlockDiff(op, block if op == "removed" else None, block if op == "added" else None,
                     [[Piece(mark, line)] for line in block.lines],
                     inserted=size if op == "added" else 0, deleted=size if op == "removed" else 0)


def _changed(old: Block, new: Block) -> BlockDiff:
    lines, inserted, deleted = diff_lines(old.lines, new.lines)
    return BlockDiff("changed", old, new, lines, inserted, deleted)


def diff_lines(a: list[str], b: list[str]) -> tuple[list[list[Piece]], int, int]:
    """Lines aligned first (a verse keeps its lines), characters compared inside changed lines."""
    out: list[list[Piece]] = []
    inserted = deleted = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out += [[Piece("same", line)] for line in a[i1:i2]]
            continue
        old_text, new_text = "\n".join(a[i1:i2]), "\n".join(b[j1:j2])
        likeness = difflib.SequenceMatcher(None, old_text, new_text, autojunk=False).ratio()
        if old_text and new_text and likeness < REWRITTEN_BELOW:
            pieces = [Piece("del", old_text), Piece("ins", new_text)]  # rewritten: old whole, then new whole
        else:
            pieces = char_diff(old_text, new_text)
        inserted += sum(len(p.text.replace("\n", "")) for p in pieces if p.op == "ins")
        deleted += sum(len(p.text.replace("\n", "")) for p in pieces if p.op == "del")
        out += _split_lines(pieces)
    return out, inserted, deleted


# A number (30, 118.50, 37,043.10, 2026-08-26) or a Latin word is one token: "30 桌" -> "20 桌"
# reads as 30 changed to 20, never as 3 changed to 2 before an unchanged 0.
TOKEN_RE = re.compile(r"[0-9A-Za-z]+(?:[.,:\-/][0-9A-Za-z]+)*|\s|.", re.S)


def char_diff(old: str, new: str) -> list[Piece]:
    """Characters (numbers whole) compared, short equal runs between changes folded into them."""
    a, b = TOKEN_RE.findall(old), TOKEN_RE.findall(new)
    segments: list[list] = []  # ["same", text] or ["chg", deleted, inserted]
    for op, x1, x2, y1, y2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = "".join(a[x1:x2]), "".join(b[y1:y2])
        if op == "equal":
            segments.append(["same", removed])
        elif segments and segments[-1][0] == "chg":
            segments[-1][1] += removed
            segments[-1][2] += added
        else:
            segments.append(["chg", removed, added])
    changed = True
    while changed:  # diff-match-patch's semantic cleanup, simplified
        changed = False
        for k in range(1, len(segments) - 1):
            before, same, after = segments[k - 1], segments[k], segments[k + 1]
            if same[0] != "same" or before[0] != "chg" or after[0] != "chg" or "\n" in same[1]:
                continue
            size = len(same[1])
            left, right = max(len(before[1]), len(before[2])), max(len(after[1]), len(after[2]))
            # One character between changes as long is noise (甲[乙→子]丙[丁→丑]); two or more must be shorter.
            if (size < left and size < right) or (size == 1 and left >= 1 and right >= 1):
                segments[k - 1:k + 2] = [["chg", before[1] + same[1] + after[1], before[2] + same[1] + after[2]]]
                changed = True
                break
    pieces = []
    for seg in segments:
        if seg[0] == "same":
            pieces.append(Piece("same", seg[1]))
            continue
        if seg[1]:
            pieces.append(Piece("del", seg[1]))
        if seg[2]:
            pieces.append(Piece("ins", seg[2]))
    return pieces


def _split_lines(pieces: list[Piece]) -> list[list[Piece]]:
    lines: list[list[Piece]] = [[]]
    for piece in pieces:
        for n, part in enumerate(piece.text.split("\n")):
            if n:
                lines.append([])
            if part:
                lines[-1].append(Piece(piece.op, part))
    return lines
