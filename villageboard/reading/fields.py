"""Typed fields: turn located YAML text into Python values, or say precisely why not.

A model declares a ``Schema`` of ``Field``s; ``Schema.read`` checks for unknown keys
(suggesting the nearest known one), missing required keys and wrong types, and returns a
``Record`` whose values keep their source lines for later checks.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from villageboard.reading.diagnostics import Report
from villageboard.reading.strictyaml import Node, YMap, YScalar, YSeq

MONEY_RE = re.compile(r"^-?\d+(\.\d+)?$")
# 一万亿元: far above any village's books, so a figure this large is a typo. Below it every amount
# has at most 14 digits to the fen, so sums of a ledger's rows stay exact in Decimal's 28 digits
# (beyond them a closing balance 0.01 off could be rounded into agreement) and 大写 reads it.
MONEY_LIMIT = Decimal("1000000000000")
DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
KIND_WORDS = {
    "text": "文字", "date": "日期（YYYY-MM-DD）", "money": "金额（元，最多两位小数）",
    "count": "整数", "bool": "true 或 false", "list": "列表", "map": "一组键值",
}


@dataclass
class Record:
    """Values read from one YAML mapping, each remembering the line it came from."""

    path: Path
    line: int
    values: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)
    item_lines: dict = field(default_factory=dict)  # list field -> line of each item
    text_lines: dict = field(default_factory=dict)  # text field -> line its text begins on
    refused: set = field(default_factory=set)  # keys written with a value that was refused (an error said why)

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)

    def text_line(self, key: str) -> int:
        """The line a text field's first line stands on (a Markdown body's, for its messages): the
        key's own line, or the next for a block (``notes: |``)."""
        return self.text_lines.get(key, self.line_of(key))


@dataclass
class Field:
    kind: str  # text, date, money, count, bool, choice, list, map
    required: bool = False
    default: Any = None
    label: str = ""
    choices: tuple = ()
    item: "Field | None" = None  # for list
    schema: "Schema | None" = None  # for map
    shorthand: str | None = None  # for map: a plain value stands for {shorthand: value} (attachments: [a.pdf])
    check: Callable | None = None  # extra rule: (value) -> error message or None


class Schema:
    def __init__(self, **fields: Field):
        self.fields = fields

    def read(self, node: Node | None, path: Path, report: Report, line: int = 1) -> Record | None:
        """Read a mapping; returns None only when ``node`` is not a mapping at all."""
        if node is None:
            return None
        if not isinstance(node, YMap):
            report.error(path, _line(node, line), "E-YAML-TYPE", "这里应是一组“键: 值”")
            return None
        record = Record(path, node.line)
        for key, value in node.items.items():
            key_line = node.key_lines[key]
            spec = self.fields.get(key)
            if spec is None and not key.isascii() and isinstance(value, YScalar) and value.is_null:
                # {item: 修路,补贴, amount: 1}: the comma ended the text and made 补贴 a key.
                report.error(path, key_line, "E-YAML-COMMA",
                             f"“{key}” 前面的英文逗号“,”把文字断开了：在 {{…}} 里逗号用来分隔各项；"
                             "请改用中文逗号“，”，或把整段文字用引号括起来")
                continue
            if spec is None:
                near = difflib.get_close_matches(key, list(self.fields), n=1, cutoff=0.5)
                hint = f"，是不是 “{near[0]}”？" if near else f"。可用的键：{', '.join(self.fields)}"
                report.error(path, key_line, "E-YAML-UNKNOWN-KEY", f"不认识的键 “{key}”{hint}")
                continue
            record.lines[key] = key_line
            if isinstance(value, YScalar):
                record.text_lines[key] = value.line + value.block
            if isinstance(value, YScalar) and value.is_null:
                continue
            converted = convert(spec, value, key, path, report, record)
            if converted is None:
                record.refused.add(key)
            if spec.required and isinstance(converted, str) and not converted.strip():
                # A space or a full-width 　 is all a clerk sees as nothing: a household with no name,
                # a page titled “ · 青溪村” would be published.
                report.error(path, key_line, "E-YAML-MISSING-KEY", f"“{key}” 不能为空（只写了空格）")
                continue
            if converted is not None:
                record.values[key] = converted
        for key, spec in self.fields.items():
            if key in record.values:
                continue
            if spec.required and key not in record.lines:
                label = f"（{spec.label}）" if spec.label else ""
                report.error(path, node.line, "E-YAML-MISSING-KEY", f"缺少必填的键 “{key}”{label}")
            elif spec.required and isinstance(node.items.get(key), YScalar) and node.items[key].is_null:
                report.error(path, record.lines[key], "E-YAML-MISSING-KEY", f"“{key}” 不能为空")
            elif spec.default is not None:
                record.values.setdefault(key, spec.default() if callable(spec.default) else spec.default)
        return record


def _line(node: Node, fallback: int) -> int:
    return getattr(node, "line", fallback)


def _type_error(path, node, key, kind, report) -> None:
    shown = f"，写的是 “{node.text}”" if isinstance(node, YScalar) else ""
    report.error(path, node.line, "E-YAML-TYPE", f"“{key}” 应是{KIND_WORDS.get(kind, kind)}{shown}")


def convert(spec: Field, node: Node, key: str, path: Path, report: Report,
            record: Record | None = None) -> Any:
    kind = spec.kind
    if kind == "list":
        if not isinstance(node, YSeq):
            _type_error(path, node, key, "list", report)
            return None
        values, lines = [], []
        for item in node.items:
            value = convert(spec.item, item, key, path, report)
            if value is not None:
                values.append(value)
                lines.append(item.line)
        if record is not None:
            record.item_lines[key] = lines
        return values
    if kind == "map":
        if spec.shorthand and isinstance(node, YScalar) and not node.is_null:
            node = YMap(node.line, {spec.shorthand: node}, {spec.shorthand: node.line})
        return spec.schema.read(node, path, report)
    if not isinstance(node, YScalar):
        _type_error(path, node, key, kind, report)
        return None
    text = node.text.strip() if kind != "text" else node.text
    value = _scalar(kind, spec, text, key, path, node.line, report)
    if value is not None and spec.check is not None:
        problem = spec.check(value)
        if problem:
            report.error(path, node.line, problem[0], problem[1])
            return None
    return value


def _scalar(kind, spec, text, key, path, line, report):
    if kind == "text":
        return text.rstrip("\n")
    if kind == "date":
        return parse_date(text, key, path, line, report)
    if kind == "money":
        problem = money_problem(text, key)
        if problem:
            report.error(path, line, *problem)
            return None
        return Decimal(text)
    if kind == "count":
        if not text.isascii() or not text.isdigit():
            report.error(path, line, "E-NUMBER", f"“{key}” 应是不带小数的整数，写的是 “{text}”")
            return None
        return int(text)
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        report.error(path, line, "E-BOOL",
                     f"“{key}” 只能写 true（是）或 false（否），写的是 “{text}”")
        return None
    if kind == "choice":
        if text in spec.choices:
            return text
        report.error(path, line, "E-CHOICE",
                     f"“{key}” 只能是 {' / '.join(spec.choices)} 之一，写的是 “{text}”")
        return None
    raise ValueError(f"unknown field kind {kind}")


def money_problem(text: str, key: str) -> tuple[str, str] | None:
    """Why ``text`` is not an amount (金额) as the content rules have it — yuan, at most two
    decimals, under 一万亿 — as (code, message); None when it is one."""
    if not MONEY_RE.match(text):
        return "E-MONEY", f"“{key}” 应是金额（元），如 1680.32，不要写逗号或“元”字，写的是 “{text}”"
    if "." in text and len(text.split(".")[1]) > 2:
        return "E-MONEY-DECIMALS", f"“{key}” 金额最多两位小数（到分），写的是 “{text}”"
    if abs(Decimal(text)) >= MONEY_LIMIT:
        return "E-MONEY-TOO-LARGE", (f"“{key}” 金额不能达到一万亿元（1000000000000 元），写的是 “{text}”；"
                                     "请核对是不是多写了数字")
    return None


def parse_date(text: str, key: str, path: Path, line: int, report: Report) -> dt.date | None:
    match = DATE_RE.match(text)
    if not match:
        report.error(path, line, "E-DATE", f"“{key}” 日期应写成 YYYY-MM-DD（如 2024-07-15），写的是 “{text}”")
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        report.error(path, line, "E-DATE", f"“{key}” 日期 “{text}” 不存在")
        return None
