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


def _convert(node: yaml.Node, path: Path, offset: int, report: Report) -> Node:
    line = node.start_mark.line + 1 + offset
    if isinstance(node, yaml.ScalarNode):
        return YScalar(node.value, line, node.style in ("'", '"'))
    if isinstance(node, yaml.SequenceNode):
        return YSeq([_convert(n, path, offset, report) for n in node.value], line)
    result = YMap(line)
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1 + offset
        if not isinstance(key_node, yaml.ScalarNode):
            report.error(path, key_line, "E-YAML-TYPE", "键必须是简单的文字")
            continue
        key = key_node.value
        if key in result.items:
            report.error(path, key_line, "E-YAML-DUPKEY",
                         f"键 “{key}” 重复出现（第一次在第 {result.key_lines[key]} 行），请只保留一个")
            continue
        result.items[key] = _convert(value_node, path, offset, report)
        result.key_lines[key] = key_line
    return result


def load(text: str, path: Path, report: Report, first_line: int = 1) -> Node | None:
    """Compose ``text`` into located nodes; ``first_line`` is the file line of its line 1."""
    offset = first_line - 1
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + offset) if mark else first_line
        problem = exc.problem or "格式错误"
        report.error(path, line, "E-YAML-SYNTAX",
                     f"YAML 格式错误（{problem}）；常见原因：冒号后少了空格、缩进不齐、引号没配对")
        return None
    except yaml.YAMLError as exc:
        report.error(path, first_line, "E-YAML-SYNTAX", f"YAML 格式错误（{exc}）")
        return None
    if root is None:
        return YMap(first_line)
    return _convert(root, path, offset, report)
