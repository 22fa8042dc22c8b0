"""A form's values written as the clerk would write the file, and checked as ``check`` would.

Writing goes through ruamel.yaml's round trip, so an existing file keeps its comments,
its quoting and the flow style of its rows; new keys go where the documented order puts
them. Every scalar stays the text typed in the form: the loader and the dumper resolve
nothing (no YAML 1.1 ``NO`` → false on the way in, no ``3000.0`` for ``3000.00`` on the
way out), and a text that another YAML reader would take for a number, a date or a
null is quoted.

Checking copies content/ into a scratch folder (hard links, so nothing is copied that
need not be), puts the draft in place of the file and runs the same ``builder.check``;
each problem on the draft's lines is then put back on the form's field.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from villageboard import builder
from villageboard.kinds import decisions, finance
from villageboard.reading import strictyaml
from villageboard.cache import default_root
from villageboard.reading.chinese_amounts import capitals, yuan
from villageboard.reading.diagnostics import Report
from villageboard.reading.memo import Memo
from villageboard.reading.fingerprint import MAX_SOURCE_BYTES, digest_of, file_stat
from villageboard.reading.fields import Field, Schema, money_problem
from villageboard.reading.strictyaml import YMap, YScalar, YSeq
from villageboard.edit.forms import Kind


class EditRefused(Exception):
    """Something the editor will not do; ``code`` and the Chinese message go to the clerk."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.status = code, status


# ---------------------------------------------------------------- values from the browser


def clean(schema: Schema, values) -> dict:
    """The form's values reduced to what a file holds: known keys, texts, lists and maps, nothing empty."""
    if not isinstance(values, dict):
        raise EditRefused("E-EDIT-REQUEST", "表单内容不完整，请刷新页面后再试")
    found = {}
    for key, spec in schema.fields.items():
        value = _clean_value(spec, values.get(key))
        if value not in (None, "", [], {}):
            found[key] = value
    return found


def _clean_value(spec: Field, value):
    if value is None:
        return None
    if spec.kind == "map":
        return clean(spec.schema, value) if isinstance(value, dict) else None
    if spec.kind == "list":
        if not isinstance(value, list):
            return None
        items = [_clean_value(spec.item, v) for v in value]
        return [v for v in items if v not in (None, "", [], {})]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value if spec.kind == "text" and "\n" in value.strip() else value.strip()


# ---------------------------------------------------------------- writing


class _TextResolver(VersionedResolver):
    """Every plain scalar is text, as in our own loader; the field decides what it means."""

    def resolve(self, kind, value, implicit):
        if kind is ScalarNode and implicit[0]:
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)


_STANDARD = VersionedResolver()  # what another YAML reader (an editor, the JSON Schema check) would make of a text


def _yaml() -> YAML:
    y = YAML()
    y.Resolver = _TextResolver
    y.preserve_quotes = True
    y.width = 4096  # a long Chinese line stays one line, as the clerk wrote it
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _scalar(text: str, spec: Field):
    if spec.kind != "text":
        return text
    if "\n" in text:
        return LiteralScalarString(text.rstrip("\n") + "\n")
    if _STANDARD.resolve(ScalarNode, text, (True, False)) != _STANDARD.DEFAULT_SCALAR_TAG:
        return DoubleQuotedScalarString(text)  # 13905701234, 2026, true, null: text, also for other readers
    return text


ROW_LIMIT = 110  # a ledger row longer than this reads better as a block
FLOW_LIMIT = 60  # a key's own record ({for: 74, against: 1, abstain: 2}) only when it is short


def _new_value(value, spec: Field, row: bool = False):
    if spec.kind == "map":
        built = CommentedMap()
        for key, sub in spec.schema.fields.items():
            if key in value:
                built[key] = _new_value(value[key], sub)
        if _flat(value, spec.schema, ROW_LIMIT if row else FLOW_LIMIT):
            built.fa.set_flow_style()
        return built
    if spec.kind == "list":
        built = CommentedSeq(_new_value(v, spec.item, row=True) for v in value)
        if spec.item.kind != "map" and all(isinstance(v, str) and "\n" not in v for v in value) \
                and sum(len(v) + 2 for v in value) < ROW_LIMIT:
            built.fa.set_flow_style()
        return built
    return _scalar(value, spec)


def _flat(value: dict, schema: Schema, limit: int) -> bool:
    """A short record of plain values is written on one line, as ledgers, grids and votes are by hand."""
    if any(not isinstance(v, str) or "\n" in v for v in value.values()):
        return False
    if any(schema.fields[k].kind == "text" and k in ("summary", "notes", "story") for k in value):
        return False
    return sum(len(k) + len(v) + 4 for k, v in value.items()) < limit


def _text_of(old) -> str | None:
    return str(old) if isinstance(old, str) else None


def _update_value(old, value, spec: Field):
    if spec.kind == "map":
        if isinstance(old, CommentedMap):
            _update_map(old, value, spec.schema)
            return old
        return _new_value(value, spec)
    if spec.kind == "list":
        if not isinstance(old, CommentedSeq):
            return _new_value(value, spec)
        flow_rows = any(isinstance(o, CommentedMap) and o.fa.flow_style() for o in old)
        for i, item in enumerate(value):
            if i < len(old):
                old[i] = _update_value(old[i], item, spec.item)
            else:
                built = _new_value(item, spec.item, row=True)
                if isinstance(built, CommentedMap) and len(old) and not flow_rows:
                    built.fa.set_block_style()  # the rows above are written one key a line: so is this one
                old.append(built)
        del old[len(value):]
        return old
    if _text_of(old) == value:
        return old  # unchanged: its quotes stay as the clerk wrote them
    return _scalar(value, spec)


def _update_map(target: CommentedMap, values: dict, schema: Schema) -> None:
    order = list(schema.fields)
    for key, spec in schema.fields.items():
        if key not in values:
            if key in target:
                del target[key]
            continue
        if key in target:
            target[key] = _update_value(target[key], values[key], spec)
            continue
        before = [k for k in order[:order.index(key)] if k in target]
        position = list(target).index(before[-1]) + 1 if before else 0
        target.insert(position, key, _new_value(values[key], spec))


def _split_footer(text: str) -> tuple[str, str]:
    """Comment lines after the last value (an editor's modeline) stay at the end whatever changes above."""
    lines = text.rstrip("\n").split("\n")
    cut = len(lines)
    while cut > 0 and (lines[cut - 1].startswith("#") or not lines[cut - 1].strip()):
        cut -= 1
    footer = [line for line in lines[cut:] if line.strip()]
    return "\n".join(lines[:cut]) + "\n", ("\n".join(footer) + "\n") if footer else ""


def _dump_yaml(values: dict, schema: Schema, original: str | None) -> str:
    y = _yaml()
    header = footer = ""
    if original is not None and original.strip():
        body, footer = _split_footer(original)
        document = y.load(body) if body.strip() else None
        if not isinstance(document, CommentedMap):
            header, document = body if document is None else "", CommentedMap()
    else:
        document = CommentedMap()
    _update_map(document, values, schema)
    out = io.StringIO()
    if document:
        y.dump(document, out)
    return header + out.getvalue() + footer


def render(kind: Kind, values: dict, body: str, original: str | None, modeline: str = "") -> str:
    """The file's new text: ``original`` (as read, newlines "\\n") with the form's values in it."""
    if kind.front_matter:
        meta = None
        if original is not None:
            lines = original.split("\n")
            if lines and lines[0].strip() == "---":
                end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
                if end is not None:
                    meta = "\n".join(lines[1:end]) + "\n"
        text = _dump_yaml(values, kind.schema, meta)
        body = body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        return "---\n" + text + "---\n" + (body + "\n" if body else "")
    text = _dump_yaml(values, kind.schema, original)
    if original is None:
        from villageboard.edit.forms import opening_comment
        text = opening_comment(kind) + text + modeline
    return text


def write_atomically(path: Path, text: str, crlf: bool = False, bom: bool = False, before_replace=None) -> None:
    """The new text replaces the file in one step; a crash leaves the old file or the new one.

    A file Notepad saved with CRLF line ends and a BOM keeps them, so the next hand edit
    and ``git diff`` see only what changed (a GBK file is written back as UTF-8)."""
    data = (text.replace("\n", "\r\n") if crlf else text).encode("utf-8")
    write_atomically_bytes(path, (b"\xef\xbb\xbf" if bom else b"") + data, before_replace)


def write_atomically_bytes(path: Path, data: bytes, before_replace=None) -> None:
    """``before_replace`` may raise to keep the file as it is; it runs when nothing but the rename
    is left, so what it looked at (the file on disk) has the least time to change before it is replaced."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".edit-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~umask)  # not mkstemp's 0600
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- lines back to fields


def field_lines(kind: Kind, text: str) -> tuple[dict[int, list[str]], int | None]:
    """Which form fields stand on each line of ``text``, and the first line of the Markdown body."""
    report = Report()
    body_line, first = None, 1
    yaml_text = text
    if kind.front_matter:
        lines = text.split("\n")
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), len(lines))
        yaml_text, first, body_line = "\n".join(lines[1:end]), 2, end + 2
    node = strictyaml.load(yaml_text, Path("draft"), report, first)
    found: dict[int, list[str]] = {}

    def walk(node, path: str):
        if isinstance(node, YMap):
            for key, value in node.items.items():
                sub = f"{path}.{key}" if path else key
                found.setdefault(node.key_lines[key], []).append(sub)
                walk(value, sub)
        elif isinstance(node, YSeq):
            for i, item in enumerate(node.items):
                found.setdefault(item.line, []).append(f"{path}.{i}")
                walk(item, f"{path}.{i}")
        elif isinstance(node, YScalar) and path:
            found.setdefault(node.line, [])
            if path not in found[node.line]:
                found[node.line].append(path)

    walk(node, "")
    return found, body_line


NAMED_RE = re.compile(r"“([A-Za-z_]+)”")


def place(line: int, message: str, lines: dict[int, list[str]], body_line: int | None, schema: Schema) -> str:
    """The form field a problem on ``line`` belongs to; "" when it belongs to the file as a whole."""
    if body_line is not None and line >= body_line:
        return "body"
    candidates = lines.get(line)
    if not candidates:
        earlier = [n for n in lines if n < line]
        candidates = lines[max(earlier)][:1] if earlier else []
    named = NAMED_RE.findall(message)
    for name in named:
        for candidate in reversed(candidates):
            if candidate.split(".")[-1] == name:
                return candidate
    for name in named:
        rows = [c for c in candidates if c.split(".")[-1].isdigit()]
        if rows:
            return f"{rows[-1]}.{name}"
        if name in schema.fields:
            return name
    return candidates[0] if candidates else ""


# ---------------------------------------------------------------- checking a draft


HIDDEN_CODES = ("W-HISTORY-",)  # the scratch copy has no git history; the real check has


@dataclass
class Checked:
    errors: int = 0
    warnings: int = 0
    fields: dict = field(default_factory=dict)  # form path -> [{code, message, level, line}]
    others: list = field(default_factory=list)  # problems in other files: [{file, line, code, message, level}]
    facts: dict = field(default_factory=dict)
    draft_errors: int = 0  # errors on the draft's own lines

    def as_json(self) -> dict:
        return {"errors": self.errors, "warnings": self.warnings, "fields": self.fields, "others": self.others,
                "facts": self.facts, "draft_errors": self.draft_errors}


SOURCE_SUFFIXES = {".md", ".markdown", ".yaml", ".yml", ".txt"}


class Scratch:
    """content/ again in a folder of its own, where a draft is put in place of its file and checked
    (``check_draft``): the text sources copied (they are small, and a copy can never write through to
    the clerk's file), pictures and PDFs hard-linked where the disk allows.

    The editor keeps one for as long as it runs, and each check copies again only the files changed
    since the one before. The others stay the very same files, so the readings of the last check are
    replayed (``Memo``, as ``serve`` replays them) and the village's build cache serves the rest: a
    check while the clerk types then costs about what the draft changed, where reading the whole
    village again took seconds at a thousand notices."""

    def __init__(self, content: Path):
        self.content = content.resolve()
        self.memo = Memo()
        root = default_root(self.content) / "edit-check"
        root.mkdir(parents=True, exist_ok=True)
        gitignore = root.parent / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("*\n", encoding="utf-8")
        self._folder = tempfile.TemporaryDirectory(dir=root)
        self.path = Path(self._folder.name).resolve() / "content"
        self._copied: dict[str, tuple | None] = {}  # each file's source as it was copied; None: a draft stands there
        self._folders: set[str] = set()

    def put(self, rel: str | None, text: str | None, remove: str | None) -> Path:
        """The folder as content/ is now, with ``text`` at ``rel`` or ``remove`` gone."""
        self._sync()
        if rel is not None and text is not None:
            target = self.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            target.write_text(text, encoding="utf-8")
            self._copied[Path(rel).as_posix()] = None
            self.memo.seen.pop(str(target), None)
            self._folders.update(p.as_posix() for p in Path(rel).parents[:-1])  # a new one goes with the draft
        if remove is not None:
            (self.path / remove).unlink(missing_ok=True)
            self._copied[Path(remove).as_posix()] = None
            self.memo.seen.pop(str(self.path / remove), None)
        return self.path

    def _sync(self) -> None:
        files, folders, top = {}, set(), len(str(self.content))
        for folder, dirs, names in os.walk(self.content):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            inside = folder[top:].lstrip(os.sep).replace(os.sep, "/")
            folders.add(inside)
            for name in names:
                source = os.path.join(folder, name)
                try:
                    st = os.lstat(source)
                except OSError:
                    continue
                if not stat.S_ISLNK(st.st_mode):  # a link out of content/ is reported by the real check
                    files[f"{inside}/{name}" if inside else name] = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns,
                                                                     stat.S_ISREG(st.st_mode))
        for gone in sorted(self._folders - folders, reverse=True):
            shutil.rmtree(self.path / gone, ignore_errors=True)
        for rel in [rel for rel in self._copied if rel not in files]:
            (self.path / rel).unlink(missing_ok=True)
            del self._copied[rel]
            self.memo.seen.pop(str(self.path / rel), None)
        for inside in sorted(folders - self._folders):
            (self.path / inside).mkdir(parents=True, exist_ok=True)
        self._folders = folders
        for rel, now in files.items():
            if self._copied.get(rel) == now:
                continue
            source, target = self.content / rel, self.path / rel
            # Out of the way first: nothing is ever written into a file of the scratch, which could be a link.
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            target.unlink(missing_ok=True)
            self.memo.seen.pop(str(target), None)
            try:
                if not now[4]:  # a named pipe: read, it would keep the check waiting for ever; the check names it
                    if hasattr(os, "mkfifo"):
                        os.mkfifo(target)
                elif source.suffix.lower() in SOURCE_SUFFIXES:
                    data = source.read_bytes()
                    with open(target, "xb") as copy:
                        copy.write(data)
                    shutil.copystat(source, target)
                    # What the copy holds, for the check's readings (``Memo.seen``, as the command line's
                    # stamp gives them): nothing but this writes here, so a file not copied again since
                    # is as it was. A copy is new, never "settled", and ten thousand of them were
                    # otherwise read again by every check.
                    self.memo.seen[str(target)] = (file_stat(target), digest_of(data) if len(data) <= MAX_SOURCE_BYTES else None)
                else:
                    try:
                        os.link(source, target)
                    except OSError:
                        shutil.copy2(source, target)
            except OSError:  # gone meanwhile: the real check says what it must
                self._copied.pop(rel, None)
                continue
            self._copied[rel] = now

    def warm(self, today: dt.date) -> None:
        """Every file copied and read, before the first check asks (``Editor.warm_up``)."""
        builder.check(self.put(None, None, None), today, self.memo, default_root(self.content))

    def close(self) -> None:
        self._folder.cleanup()


def check_draft(content: Path, today: dt.date, kind: Kind, rel: str | None, text: str | None,
                remove: str | None = None, scratch: Scratch | None = None) -> tuple[Checked, object]:
    """Run ``check`` on content/ with ``text`` at ``rel`` (or with ``remove`` gone); problems put on
    fields. ``scratch``: the editor's, kept between checks; otherwise one for this check alone."""
    own = scratch is None
    if own:
        scratch = Scratch(content)
    try:
        folder = scratch.put(rel, text, remove)
        site = builder.check(folder, today, scratch.memo, default_root(scratch.content))
        result = Checked()
        lines, body_line = field_lines(kind, text) if text is not None else ({}, None)
        for item in site.report.sorted():
            if item.code.startswith(HIDDEN_CODES):
                continue
            level = "error" if item.is_error else "warning"
            result.errors += item.is_error
            result.warnings += not item.is_error
            where = Path(item.path)
            where = (where if where.is_absolute() else Path.cwd() / where).resolve()
            message = item.message.replace(str(folder), "content")
            try:
                in_content = where.relative_to(folder).as_posix()
            except ValueError:
                in_content = None
            if rel is not None and in_content == rel:
                path = place(item.line, message, lines, body_line, kind.schema)
                entry = {"code": item.code, "message": message, "level": level, "line": item.line}
                if path == "body" and body_line:
                    entry["body_line"] = item.line - body_line + 1
                result.fields.setdefault(path, []).append(entry)
                result.draft_errors += item.is_error
            else:
                result.others.append({"file": in_content or "content", "line": item.line, "code": item.code,
                                      "message": message, "level": level})
        result.facts = facts(kind, site, folder / rel if rel else None, text)
        return result, site
    finally:
        if own:
            scratch.close()


# ---------------------------------------------------------------- what the form shows beside the fields


def _money(text) -> Decimal | None:
    if not isinstance(text, str) or money_problem(text.strip(), ""):
        return None
    return Decimal(text.strip())


def facts(kind: Kind, site, path: Path | None, text: str | None) -> dict:
    if text is None:
        return {}
    values = _values_of(kind, text)
    if kind.key == "finance":
        return ledger_facts(values, site, path)
    if kind.key == "decision":
        return decision_facts(values)
    return {}


def _values_of(kind: Kind, text: str) -> dict:
    from villageboard.edit.forms import plain
    report = Report()
    if kind.front_matter:
        lines = text.split("\n")
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), len(lines))
        text = "\n".join(lines[1:end])
    node = strictyaml.load(text, Path("draft"), report)
    return plain(node) if isinstance(node, YMap) else {}


def ledger_facts(values: dict, site, path: Path | None) -> dict:
    """Running totals per row, the totals and the closing balance the ledger must have, in figures and 大写."""
    found: dict = {"kind": "ledger"}
    complete = True
    totals = {}
    for side in ("income", "expenditure"):
        total, running = finance.ZERO, []
        for row in values.get(side) or []:
            amount = _money(row.get("amount")) if isinstance(row, dict) else None
            if amount is None:
                complete = False
                running.append(None)
            else:
                total += amount
                running.append(yuan(total))
        totals[side] = total
        found[side] = {"running": running, "total": yuan(total), "capitals": capitals(total)}
    opening = _money(values.get("opening_balance"))
    if opening is not None and complete:
        needed = opening + totals["income"] - totals["expenditure"]
        found["closing_needed"] = yuan(needed)
        found["closing_needed_capitals"] = capitals(needed)
        found["closing_needed_plain"] = f"{needed:.2f}"
        closing = _money(values.get("closing_balance"))
        if closing is not None:
            found["closing_ok"] = closing == needed
    period = finance.Period.parse(values.get("period") or "") if isinstance(values.get("period"), str) else None
    ledgers = [l for l in (site.books.all_ledgers)
               if path is None or l.path.resolve() != path.resolve()]
    if period:
        before = [l for l in ledgers if l.period.end < period.start]
        if before:
            previous = max(before, key=lambda l: l.period.end)
            found["previous"] = {"label": previous.period.label, "closing": yuan(previous.closing),
                                 "closing_plain": f"{previous.closing:.2f}",
                                 "adjacent": previous.period.end + dt.timedelta(days=1) == period.start}
    return found


def decision_facts(values: dict) -> dict:
    """Whether the resolution's quorum and majority hold, in the words the board uses."""
    stage = values.get("resolution")
    if not isinstance(stage, dict):
        return {"kind": "decision"}
    numbers = {}
    for key in ("attended", "total", "for"):
        text = stage.get(key)
        if not isinstance(text, str) or not text.strip().isdigit():
            return {"kind": "decision"}
        numbers[key] = int(text)
    body = (stage.get("body") or decisions.REPRESENTATIVES).strip()
    outcome = decisions.judge(body, numbers["attended"], numbers["total"], numbers["for"],
                              (stage.get("counted_by") or "人").strip())
    return {"kind": "decision", "resolution": {"passed": outcome.passed, "quorum": outcome.quorum,
                                               "majority": outcome.majority, "reason": outcome.reason}}
