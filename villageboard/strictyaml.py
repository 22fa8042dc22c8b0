"""Strict YAML: every scalar is kept as the text the clerk wrote, with its line.

PyYAML follows YAML 1.1, where ``NO`` is false, ``12:30`` is 750, ``0755`` is 493 and
``1.10`` is the float 1.1. We only *compose* the document (structure, no type
resolution) and let each model field convert the text by its own type, so none of
those traps can bite. Duplicate keys are errors here rather than silently last-wins.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .diagnostics import Report

NULL_WORDS = {"", "~", "null", "Null", "NULL"}


@dataclass
class YScalar:
    text: str
    line: int
    quoted: bool = False

    @property
    def is_null(self) -> bool:
        return not self.quoted and self.text in NULL_WORDS


@dataclass
class YSeq:
    items: list
    line: int


@dataclass
class YMap:
    line: int
    items: dict = field(default_factory=dict)  # key -> value node
    key_lines: dict = field(default_factory=dict)  # key -> line of the key


Node = YScalar | YSeq | YMap


MAX_DEPTH = 64  # no content kind nests more than a few levels; more is a mistake or an attack
_SKIP = object()  # the value of a key that was refused


def _compose(text: str, path: Path, offset: int, report: Report) -> Node | None:
    """Build located nodes straight from the parser's events, without recursion.

    Anchors and aliases are refused (an alias bomb expands a few lines into gigabytes),
    and nesting is bounded, so no file can exhaust memory or the stack.
    """
    root, stack, documents = None, [], 0  # stack: [container, pending key]
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 + offset
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                report.error(path, line, "E-YAML-SYNTAX", "这里又开始了一段 YAML（---）：一个文件只能有一段")
                return None
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            report.error(path, line, "E-YAML-ALIAS",
                         "不能使用 YAML 的锚点和别名（& 和 *）：请把内容直接写出来；"
                         "如果是文字里的 & 或 *，请给整段文字加上引号")
            return None
        if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            stack.pop()
            continue
        if isinstance(event, yaml.ScalarEvent):
            node = YScalar(event.value, line, event.style in ("'", '"'))
        elif isinstance(event, yaml.SequenceStartEvent):
            node = YSeq([], line)
        elif isinstance(event, yaml.MappingStartEvent):
            node = YMap(line)
        else:
            continue
        if not stack:
            root = node
        else:
            entry = stack[-1]
            parent, key = entry
            if isinstance(parent, YSeq):
                parent.items.append(node)
            elif key is None:  # this node is a key
                if not isinstance(node, YScalar):
                    report.error(path, line, "E-YAML-TYPE", "键必须是简单的文字")
                    entry[1] = _SKIP
                elif node.text in parent.items:
                    report.error(path, line, "E-YAML-DUPKEY",
                                 f"键 “{node.text}” 重复出现（第一次在第 {parent.key_lines[node.text]} 行），请只保留一个")
                    entry[1] = _SKIP
                else:
                    entry[1] = node
            else:
                if key is not _SKIP:
                    parent.items[key.text] = node
                    parent.key_lines[key.text] = key.line
                entry[1] = None
        if isinstance(node, (YSeq, YMap)):
            if len(stack) >= MAX_DEPTH:
                report.error(path, line, "E-YAML-DEPTH", f"嵌套超过 {MAX_DEPTH} 层，内容文件不会有这么深；请检查括号和缩进")
                return None
            stack.append([node, None])
    return root


def load(text: str, path: Path, report: Report, first_line: int = 1) -> Node | None:
    """Compose ``text`` into located nodes; ``first_line`` is the file line of its line 1."""
    offset = first_line - 1
    before = report.mark()
    try:
        root = _compose(text, path, offset, report)
    except yaml.MarkedYAMLError as exc:
        # An unclosed [ or { is noticed lines later; the clerk must look where it was opened.
        unclosed = exc.context_mark is not None and "flow" in (exc.context or "")
        mark = exc.context_mark if unclosed else (exc.problem_mark or exc.context_mark)
        line = (mark.line + 1 + offset) if mark else first_line
        problem = exc.problem or "格式错误"
        report.error(path, line, "E-YAML-SYNTAX",
                     f"YAML 格式错误（{problem}）；常见原因：冒号后少了空格、缩进不齐、引号没配对")
        return None
    except yaml.YAMLError as exc:
        report.error(path, first_line, "E-YAML-SYNTAX", f"YAML 格式错误（{exc}）")
        return None
    if root is None:
        return None if report.mark() > before else YMap(first_line)
    return root
