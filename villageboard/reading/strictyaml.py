"""Strict YAML: every scalar is kept as the text the clerk wrote, with its line.

PyYAML follows YAML 1.1, where ``NO`` is false, ``12:30`` is 750, ``0755`` is 493 and
``1.10`` is the float 1.1. We only *compose* the document (structure, no type
resolution) and let each model field convert the text by its own type, so none of
those traps can bite. Duplicate keys are errors here rather than silently last-wins.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from villageboard.reading.diagnostics import Report

NULL_WORDS = {"", "~", "null", "Null", "NULL"}


@dataclass
class YScalar:
    text: str
    line: int
    quoted: bool = False
    block: bool = False  # a block scalar (| or >): its text begins on the line after the indicator

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


_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where PyYAML was built with it
MAX_DEPTH = 64  # no content kind nests more than a few levels; more is a mistake or an attack
_SKIP = object()  # the value of a key that was refused


def _compose(text: str, path: Path, offset: int, report: Report, loader=yaml.SafeLoader) -> Node | None:
    """Build located nodes straight from the parser's events, without recursion.

    Anchors and aliases are refused (an alias bomb expands a few lines into gigabytes),
    and nesting is bounded, so no file can exhaust memory or the stack.
    """
    root, stack, documents = None, [], 0  # stack: [container, pending key]
    for event in yaml.parse(text, Loader=loader):
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
            node = YScalar(event.value, line, event.style in ("'", '"'), event.style in ("|", ">"))
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


# Slips that PyYAML reports late or in parser words; each found on its own line first.
_TAB_INDENT = re.compile(r"^ *\t")
_WIDE_COLON = re.compile(r"^\s*(?:- )?[A-Za-z_][\w-]*\s*：")
_NO_SPACE = re.compile(r"^\s*(?:- )?[A-Za-z_][\w-]*:(?=[^\s/])")
_PROBLEMS = [  # (words in PyYAML's problem, what the clerk should hear)
    ("mapping values are not allowed", "这一行多了一个冒号：文字里有“: ”（冒号加空格）时，请把整段文字用引号括起来，"
                                       "例如 title: \"通知：明天开会\""),
    ("could not find expected ':'", "这里缺少“: ”（英文冒号加空格），或者上一行的引号没有配对"),
    ("expected ',' or ']'", "方括号 [ ] 没有配对，或者方括号里的文字有冒号：请补上 ]，或给文字加引号"),
    ("expected ',' or '}'", "花括号 { } 没有配对，或者花括号里的文字有冒号：请补上 }，或给文字加引号"),
    ("found unexpected end of stream", "引号没有配对：这段文字开头有引号，结尾没有"),
    ("found unknown escape character", "双引号里的反斜杠 \\ 有特殊含义：请改用单引号，或写成 \\\\"),
    ("did not find expected key", "缩进不齐：同一层的键要上下对齐，用空格缩进"),
    ("did not find expected '-' indicator", "列表的“- ”没有对齐"),
    ("expected <block end>", "缩进不齐，或这一行开头多了符号"),
    ("found character '\\t'", "这里用了 Tab：YAML 只能用空格，请把 Tab 换成空格"),
    ("found character", "这一行开头的符号（如 @ ` % |）有特殊含义：请把整段文字用引号括起来"),
    ("found undefined alias", "星号 * 开头的文字有特殊含义：请把整段文字用引号括起来"),
    ("while scanning an anchor", "& 开头的文字有特殊含义：请把整段文字用引号括起来"),
]


def _explain(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The line (1-based, in ``text``) and the Chinese cause of a YAML syntax error."""
    # An unclosed [ { or quote is noticed lines later; the clerk must look where it was opened.
    unclosed = exc.context_mark is not None and any(w in (exc.context or "") for w in ("flow", "quoted"))
    mark = exc.context_mark if unclosed else (exc.problem_mark or exc.context_mark)
    reported = mark.line + 1 if mark else 1
    lines = text.split("\n")
    # PyYAML notices a tab or a full-width colon a line late, and never names it.
    for number, line in enumerate(lines[:reported + 1], 1):
        if _TAB_INDENT.match(line):
            return number, "这一行用 Tab 缩进了：YAML 只能用空格缩进，请把开头的 Tab 换成空格"
        if _WIDE_COLON.match(line):
            return number, "键后面用了中文冒号“：”：要用英文冒号加一个空格“: ”，例如 category: 低保"
        if _NO_SPACE.match(line) and number >= reported - 1:
            return number, "冒号后面要有一个空格：例如 title: 通知，不能写成 title:通知"
    problem = (exc.problem or "") + " " + (exc.context or "")
    cause = next((said for words, said in _PROBLEMS if words in problem), "写法不对")
    return reported, f"YAML 格式错误：{cause}"


def load(text: str, path: Path, report: Report, first_line: int = 1) -> Node | None:
    """Compose ``text`` into located nodes; ``first_line`` is the file line of its line 1."""
    offset = first_line - 1
    before = report.mark()
    try:
        try:
            root = _compose(text, path, offset, report, _FAST)
        except yaml.YAMLError:
            # libyaml words and places some problems differently: the messages are explained
            # from PyYAML's own parser, which is slower but only runs on a broken file.
            del report.items[before:]
            root = _compose(text, path, offset, report)
    except yaml.MarkedYAMLError as exc:
        line, message = _explain(text, exc)
        report.error(path, line + offset, "E-YAML-SYNTAX", message)
        return None
    except yaml.reader.ReaderError as exc:  # a control character: where it is, in words a clerk reads
        line = text[:exc.position].count("\n") + first_line if isinstance(exc.position, int) else first_line
        report.error(path, line, "E-YAML-SYNTAX",
                     f"YAML 格式错误：这一行有一个看不见的控制字符（U+{exc.character:04X}），多半是从别处复制来的；"
                     "请把这一行删掉重新输入")
        return None
    except yaml.YAMLError as exc:
        report.error(path, first_line, "E-YAML-SYNTAX", f"YAML 格式错误（{exc}）")
        return None
    if root is None:
        return None if report.mark() > before else YMap(first_line)
    return root
