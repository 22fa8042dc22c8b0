"""The revision record (修订记录) with what each change changed, from the first commit on.

A supervisor (村务监督委员会) must see not only that a published item was changed but how:
the old and new wording of a notice or compact (marked article by article, see
``textdiff``), the old and new amount of each ledger row side by side, the old and new
value of each field of a decision or fund. The record starts with the commit that brought
the item into the repository (首次发布), so the whole history can be followed.

Old versions come from git in one batch (``History.blobs``) after every kind has loaded.
They pass through the same privacy rules as current texts: a number that a later commit
removed is masked before anything is compared, so it cannot come back in a difference.
An old version that no longer parses is compared as plain text; nothing here can stop a
build except what the current sources themselves do.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from villageboard.kinds import compact, decisions, finance, funds, households, notices, textdiff
from villageboard.reading import privacy, strictyaml
from villageboard.reading.diagnostics import Report
from villageboard.reading.fields import Schema, money_problem
from villageboard.reading.history import NO_BLOB, Change, History, Revision
from villageboard.reading.sources import SourceText, as_lines, split_front_matter
from villageboard.reading.strictyaml import YMap, YScalar, YSeq
from villageboard.kinds.textdiff import Piece

# A field value longer than this (or on several lines) is shown with marks, not in two columns.
LONG_TEXT = 24
# Keys of nested mappings that the schemas leave without a label.
LABELS = {"date": "日期", "summary": "摘要", "body": "会议", "until": "截止日期", "note": "说明",
          "ledger": "账目期间", "voucher": "凭证号"}
DIRECTIONS = (("income", "收入"), ("expenditure", "支出"))


@dataclass
class FieldChange:
    """One field whose value changed: 原来 | 改为, or marks when it is a long text."""

    label: str
    old: object  # text as written, Decimal for money, None when absent
    new: object
    lines: list[list[Piece]] | None = None


@dataclass
class RowChange:
    """One ledger row that changed, came or went, with its amounts side by side."""

    direction: str  # 收入 or 支出
    op: str  # changed, added, removed
    item: str
    date: str
    voucher: str
    old_amount: object  # Decimal, or the text when it is not a valid amount, or None
    new_amount: object
    others: list[FieldChange] = field(default_factory=list)  # 日期, 科目, 凭证号, 摘要 changed

    @property
    def amount_changed(self) -> bool:
        return self.old_amount != self.new_amount


@dataclass
class Entry:
    """One commit in the record of one item."""

    revision: Revision
    label: str  # 首次发布, 修改, 删除, 重新发布
    before_publication: bool
    fields: list[FieldChange] = field(default_factory=list)
    rows: list[RowChange] = field(default_factory=list)
    text: textdiff.TextComparison | None = None
    note: str | None = None
    first_text: list[list[Piece]] | None = None  # the whole first version, for text items later changed

    @property
    def unchanged(self) -> bool:
        """A commit that touched the file without changing anything a reader sees."""
        return not (self.fields or self.rows or (self.text and self.text.changed) or self.note)


@dataclass
class Record:
    what: str  # how the page names the item: 本公告, 本期账目…
    entries: list[Entry]  # oldest first
    _masked: list[str] = field(default_factory=list)  # commits whose text held a personal number


@dataclass(frozen=True)
class Kind:
    what: str
    form: str  # text (front matter + Markdown), ledger, fields (YAML)
    schema: Schema
    labels: dict
    phone_field: bool = False  # a mobile may stand in ``phone:`` (a household's): masked, not a leak


def _kinds(site):
    """Every item that shows a revision record, with how to compare its versions."""
    notice = Kind("本公告", "text", notices.SCHEMA, {})
    for items in site.notices.values():
        for n in items:
            yield n, notice
    for ledger in site.books.ledgers:
        yield ledger, Kind("本期账目", "ledger", finance.SCHEMA, {})
    for fund in site.books.funds:
        yield fund, Kind("这笔专项资金的记录", "fields", funds.SCHEMA, {})
    stages = {s.key: s.name for s in decisions.STAGES}
    for decision in site.decisions:
        yield decision, Kind("这件事的记录", "fields", decisions.SCHEMA, stages)
    for version in site.compact.versions:
        yield version, Kind("这一版村规民约", "text", compact.SCHEMA, {})
    for household in site.households:
        yield household, Kind("这一户的公示", "fields", households.SCHEMA, {}, phone_field=True)


def load(site) -> None:
    """Give each item's history its record; old texts for all of them come from one git process."""
    history: History = site.history
    if history is None or history.missing or not history.in_git:
        return
    items = [(item, kind) for item, kind in _kinds(site) if item.history.changes]
    # An item kept from an earlier build (``reading/memo.py``) keeps its history, record and all:
    # the same commits, public numbers and publication day give the same record.
    wanted = [blob for item, _ in items if item.history.record is None and len(item.history.changes) > 1
              for c in item.history.changes for blob in (c.old_blob, c.new_blob)]
    texts = history.blobs(wanted)
    public = site.village.public_phones
    for item, kind in items:
        if item.history.record is None:
            item.history.record = _record(item, kind, texts, public)
        masked = item.history.record._masked
        if masked:
            site.report.warning(item.path, 1, "W-PRIVACY-HISTORY",
                                f"这个文件的旧版本（提交 {'、'.join(masked[:3])}）里有身份证号、手机号或银行卡号："
                                "网站的修订记录里已经隐去，但 git 仓库里还保存着原文。仓库如果公开（或交给别人），"
                                "请熟悉 git 的人用 git filter-repo 从历史里删去这个号码")


def _record(item, kind: Kind, texts: dict[str, bytes], public: frozenset[str]) -> Record:
    changes: list[Change] = item.history.changes
    published = item.published_on
    entries = []
    masked: list[str] = []

    def text_of(blob: str) -> str | None:
        if blob == NO_BLOB or blob not in texts:
            return None
        shown, leaked = privacy.mask_old(_decode(texts[blob]), public, kind.phone_field)
        if leaked and blob not in seen_masked:
            seen_masked.add(blob)
            if short not in masked:
                masked.append(short)
        return shown

    seen_masked: set[str] = set()
    for n, change in enumerate(changes):
        rev = change.revision
        short = rev.commit[:7]
        before = rev.when.date() < published
        if change.status == "D":
            entries.append(Entry(rev, "删除", before, note="这次提交删去了文件，后来又重新加入"))
            continue
        label = "首次发布" if n == 0 else ("重新发布" if change.status == "A" else "修改")
        entry = Entry(rev, label, before)
        entries.append(entry)
        if len(changes) == 1:
            continue  # the current version is the first one: nothing to read or compare
        new = text_of(change.new_blob)
        withdrawn = changes[n - 1].old_blob if n and change.status == "A" and changes[n - 1].status == "D" else None
        if n == 0 or (change.status == "A" and withdrawn is None):
            if kind.form == "text" and new is not None:
                entry.first_text = _first_text(new)
            continue
        # Published again after a withdrawal: compared with the text withdrawn, so what changed in between
        # (a summary, a date, an amount) is shown, not left to be found by reading two whole texts.
        old = text_of(withdrawn or change.old_blob)
        if old is None or new is None:
            entry.note = "这一版的原文在 git 里读不到（仓库可能不完整），无法对照"
            continue
        _compare(entry, kind, old, new)
        if withdrawn:
            again = "重新发布的内容和撤下前的原文" + ("一样" if entry.unchanged else "对照如下")
            entry.note = f"{again}；{entry.note}" if entry.note else again
    for entry, change in zip(entries, changes):
        if change.status == "R":  # said even when nothing else changed: the file is found under another name
            moved = f"这次提交给文件改了名（原来是 {change.moved_from}）"
            entry.note = f"{moved}；{entry.note}" if entry.note else moved
    return Record(kind.what, entries, masked)


def _decode(data: bytes) -> str:
    """As the sources are read: UTF-8 with or without BOM, else GB18030; never an exception."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            text = data.decode("utf-8", "replace")
    return as_lines(text)


def _first_text(text: str) -> list[list[Piece]]:
    """The first version's body as the comparisons show text: plain lines, a gap between paragraphs."""
    doc = split_front_matter(SourceText(Path("old"), text), Report())
    return textdiff.plain_lines(doc.body if doc else text)


UNREADABLE = "这一版（或上一版）的格式有误，读不出各项，下面按原文逐段对照"


def _compare(entry: Entry, kind: Kind, old: str, new: str) -> None:
    quiet = Report()
    if kind.form == "text":
        a, b = split_front_matter(SourceText(Path("old"), old), quiet), split_front_matter(SourceText(Path("new"), new), quiet)
        # Most commits change the body or the front matter, not both: what is equal is not parsed.
        same_meta = a and b and a.meta == b.meta
        meta_a = a and (YMap(1) if same_meta else strictyaml.load(a.meta, Path("old"), quiet))
        meta_b = b and (YMap(1) if same_meta else strictyaml.load(b.meta, Path("new"), quiet))
        if isinstance(meta_a, YMap) and isinstance(meta_b, YMap):
            entry.fields = _field_changes(_flatten(meta_a, kind.schema, kind.labels),
                                          _flatten(meta_b, kind.schema, kind.labels))
            entry.text = textdiff.compare(a.body, b.body) if a.body != b.body else None
            return
    else:
        node_a, node_b = strictyaml.load(old, Path("old"), quiet), strictyaml.load(new, Path("new"), quiet)
        if isinstance(node_a, YMap) and isinstance(node_b, YMap):
            if kind.form == "ledger":
                _ledger(entry, kind, node_a, node_b)
            else:
                entry.fields = _field_changes(_flatten(node_a, kind.schema, kind.labels),
                                              _flatten(node_b, kind.schema, kind.labels))
            return
    entry.note = UNREADABLE
    entry.text = textdiff.compare(old, new)


def _flatten(node, schema: Schema | None, labels: dict, prefix: str = "") -> dict[str, object]:
    """A YAML mapping as {"label · sub-label": value as written}, in the file's order."""
    out: dict[str, object] = {}
    if isinstance(node, YMap):
        for key, value in node.items.items():
            spec = schema.fields.get(key) if schema else None
            label = labels.get(key) or (spec.label if spec and spec.label else "") or LABELS.get(key, key)
            label = re.sub(r"（.*?）|，.*$", "", label) or key  # "期间，如 2026-Q3" -> "期间"
            sub = spec.schema if spec and spec.kind == "map" else spec.item.schema if spec and spec.item else None
            name = f"{prefix} · {label}" if prefix else label
            if isinstance(value, YScalar) and spec and spec.kind == "money":
                out[name] = None if value.is_null else _amount(value.text)
            else:
                out.update(_flatten(value, sub, {}, name))
    elif isinstance(node, YSeq):
        if all(isinstance(i, YScalar) for i in node.items):
            out[prefix] = "、".join(i.text for i in node.items)
        for n, value in enumerate(node.items, 1):
            if not isinstance(value, YScalar):
                out.update(_flatten(value, schema, {}, f"{prefix} 第{n}项"))
    elif isinstance(node, YScalar):
        out[prefix] = None if node.is_null else node.text
    return out


def _field_changes(old: dict, new: dict) -> list[FieldChange]:
    found = []
    for label in list(new) + [k for k in old if k not in new]:
        a, b = old.get(label), new.get(label)
        if a == b:  # Decimal: 50000 == 50000.00, the same amount however it is written
            continue
        change = FieldChange(label, a, b)
        if isinstance(a, str) and isinstance(b, str) and (max(len(a), len(b)) > LONG_TEXT or "\n" in a + b):
            change.lines = textdiff.diff_lines(a.strip("\n").split("\n"), b.strip("\n").split("\n"))[0]
        found.append(change)
    return found


def _rows(node, key: str) -> list[dict[str, object]]:
    seq = node.items.get(key)
    if not isinstance(seq, YSeq):
        return []
    return [{k: (None if v.is_null else v.text) for k, v in row.items.items() if isinstance(v, YScalar)}
            for row in seq.items if isinstance(row, YMap)]


def _ledger(entry: Entry, kind: Kind, old: YMap, new: YMap) -> None:
    """Rows paired by voucher, then date and item, then item; header fields and notes as fields."""
    head_a = _flatten(YMap(old.line, {k: v for k, v in old.items.items() if k not in dict(DIRECTIONS)}),
                      kind.schema, {})
    head_b = _flatten(YMap(new.line, {k: v for k, v in new.items.items() if k not in dict(DIRECTIONS)}),
                      kind.schema, {})
    for key, name in DIRECTIONS:
        rows_a, rows_b = _rows(old, key), _rows(new, key)
        entry.rows += _row_changes(name, rows_a, rows_b)
        total_a, total_b = _total(rows_a), _total(rows_b)
        if total_a is not None and total_b is not None and total_a != total_b:
            head_a[f"{name}合计"], head_b[f"{name}合计"] = total_a, total_b
    entry.fields = _field_changes(head_a, head_b)


def _total(rows: list[dict]) -> Decimal | None:
    amounts = [_amount(r.get("amount")) for r in rows]
    if any(not isinstance(a, Decimal) for a in amounts):
        return None
    return sum(amounts, Decimal("0.00"))


def _amount(text) -> object:
    """An old version's amount as a Decimal only when it is one under today's rules; otherwise the
    text as written (金额原文): 3000.005 rounded to 3,000.01 would show a figure nobody wrote, and a
    figure past the limit cannot be formatted at all."""
    if text is None:
        return None
    return text if money_problem(text.strip(), "amount") else Decimal(text.strip())


ROW_LABELS = {"date": "日期", "item": "摘要", "category": "科目", "voucher": "凭证号"}


def _row_changes(direction: str, old: list[dict], new: list[dict]) -> list[RowChange]:
    left, right = list(range(len(old))), list(range(len(new)))
    pairs: list[tuple[int, int]] = []
    for key in (lambda r: r.get("voucher"), lambda r: (r.get("date"), r.get("item")), lambda r: r.get("item")):
        for i in list(left):
            k = key(old[i])
            same = [j for j in right if key(new[j]) == k]
            if k and len(same) == 1 and sum(1 for x in left if key(old[x]) == k) == 1:
                pairs.append((i, same[0]))
                left.remove(i)
                right.remove(same[0])
    found: list[tuple[int, RowChange]] = []
    for i, j in pairs:
        a, b = old[i], new[j]
        others = [FieldChange(label, a.get(k), b.get(k)) for k, label in ROW_LABELS.items() if a.get(k) != b.get(k)]
        amount_a, amount_b = _amount(a.get("amount")), _amount(b.get("amount"))
        if others or amount_a != amount_b:
            found.append((j, RowChange(direction, "changed", b.get("item") or "", b.get("date") or "",
                                       b.get("voucher") or "", amount_a, amount_b, others)))
    for j in right:
        b = new[j]
        found.append((j, RowChange(direction, "added", b.get("item") or "", b.get("date") or "", b.get("voucher") or "",
                                   None, _amount(b.get("amount")))))
    for i in left:  # removed rows after the rest, in their old order
        a = old[i]
        found.append((len(new) + i, RowChange(direction, "removed", a.get("item") or "", a.get("date") or "",
                                              a.get("voucher") or "", _amount(a.get("amount")), None)))
    return [change for _, change in sorted(found, key=lambda pair: pair[0])]


def pages(site) -> list:
    return []
