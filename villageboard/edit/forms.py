"""Forms made from the models' ``Schema`` objects (表单), and the values of a source file.

A form is a description the browser turns into inputs: each field's key, label, type
(text, date, money, count, bool, choice, list, map) and required mark come from the
very ``Field`` the build reads the file with, so the form and the check never disagree.
What a schema does not say — which words a village uses (its grids, its stars, the
accounting vocabulary of its ledgers) — is looked up in the village's own data and
offered as choices; it is not a second copy of any rule.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from villageboard.kinds import compact, decisions, finance, funds, households, notices, village
from villageboard import scaffold
from villageboard.reading import sources, strictyaml
from villageboard.reading.diagnostics import Report
from villageboard.reading.fields import Field, Schema
from villageboard.reading.strictyaml import YMap, YScalar, YSeq


@dataclass(frozen=True)
class Kind:
    """One kind of source file the editor can open: where its files live and how they are read."""

    key: str
    title: str
    folder: str  # relative to content/; "" for the village file
    suffix: str  # ".md" (front matter and a Markdown body) or ".yaml"
    schema: Schema
    body: str | None = None  # label of the Markdown body, for front-matter kinds
    fixed: str | None = None  # the one file of a kind that has only one (village.yaml)
    skip: tuple = ()  # files in the folder that belong to something else
    name_from: str = "title"  # the field a new file's name is made from
    schema_file: str | None = None  # schemas/<this>.schema.json, for the editor modeline of a new file
    skeleton: str | None = None  # scaffold.SKELETONS key whose opening comment a new file takes

    @property
    def front_matter(self) -> bool:
        return self.suffix == ".md"


KINDS = {
    "party": Kind("party", "党务公开", "party", ".md", notices.SCHEMA, body="正文", skeleton="party"),
    "affairs": Kind("affairs", "村务公开", "affairs", ".md", notices.SCHEMA, body="正文", skeleton="affairs"),
    "finance": Kind("finance", "财务公开表", "finance", ".yaml", finance.SCHEMA, skip=(finance.SETTINGS_FILE,),
                    name_from="period", schema_file="finance", skeleton="finance"),
    "fund": Kind("fund", "专项资金", "finance/funds", ".yaml", funds.SCHEMA, schema_file="fund"),
    "decision": Kind("decision", "四议两公开", decisions.FOLDER, ".yaml", decisions.SCHEMA, schema_file="decision",
                     skeleton="decision"),
    "compact": Kind("compact", "村规民约", "compact", ".md", compact.SCHEMA, body="全文", skeleton="compact"),
    "household": Kind("household", "模范户", households.FOLDER, ".yaml", households.SCHEMA, name_from="name",
                      schema_file="household", skeleton="household"),
    "village": Kind("village", "村情（village.yaml）", "", ".yaml", village.SCHEMA, fixed="village.yaml",
                    schema_file="village"),
}

# Chinese labels for keys whose Field carries none (the models label what the board shows).
LABELS = {
    "service_centre": "党群服务中心", "address": "地址", "hours": "办公时间", "phone": "电话",
    "grids": "网格", "kiosk": "村部触摸屏", "idle_seconds": "多少秒无人操作后回首页",
    "orientation": "屏幕方向", "public_phones": "可以完整公开的电话（办公电话等）",
    "accounting": "会计制度（财务科目表）", "stars": "星级", "date": "日期", "body": "会议（机构）",
    "summary": "摘要", "until": "公开截止日期",
}
STAGE_LABELS = {s.key: f"{i}. {s.name}" for i, s in enumerate(decisions.STAGES, 1)}
CHOICE_WORDS = {
    "portrait": "竖屏", "landscape": "横屏", "2004": "2004 年制度（财会〔2004〕12号）",
    "2023": "2023 年制度（2024 年起施行）", "人": "按人", "户": "按户",
}
MULTILINE = {"notes", "story", "summary"}  # texts a clerk writes in sentences, not in a word
NOTICE_CATEGORIES = {
    "party": ("三会一课", "主题党日", "党员发展", "党费收缴", "组织生活会", "民主评议党员"),
    "affairs": ("低保", "项目建设", "惠农补贴", "村民代表会议", "宅基地", "一事一议"),
}
HOUSEHOLD_KINDS = households.KIND_ORDER + ("好婆媳", "孝亲敬老")
CENTRE_DUTIES = ("政策宣讲员", "民情收集员", "为民办事员", "矛盾调解员", "困难帮扶员")


def label(key: str, spec: Field, where: str) -> str:
    if where == "" and key in STAGE_LABELS:
        return STAGE_LABELS[key]
    if where == "" and key == "stars" and spec.kind == "list" and not spec.label:
        return "星级文明户的十颗星（本县叫法）"
    return spec.label or LABELS.get(key, key)


def hints(kind: Kind, content: Path, the_village) -> dict:
    """Choices (``choices``: only these) and suggestions (``suggest``: typed freely) by field path.

    A path is dotted, with ``*`` for any item of a list: ``income.*.category``.
    """
    found: dict[str, dict] = {}
    if kind.key in ("party", "affairs"):
        found["attachments.*"] = {"upload": "file"}
        used = set(NOTICE_CATEGORIES[kind.key])
        for path in _files(kind, content):
            for line in path.read_text(encoding="utf-8", errors="replace").split("\n")[:30]:
                if line.startswith("category:"):
                    used.add(line.partition(":")[2].split("#")[0].strip().strip("\"'"))
        found["category"] = {"suggest": sorted(u for u in used if u)}
    elif kind.key == "finance" and the_village is not None:
        words = finance.VOCABULARIES[the_village.accounting]
        found["income.*.category"] = {"choices": [[w, w] for w in words[finance.INCOME]]}
        found["expenditure.*.category"] = {"choices": [[w, w] for w in words[finance.EXPENDITURE]]}
    elif kind.key == "household" and the_village is not None:
        found["grid"] = {"choices": [[str(g.id), f"{g.id} {g.name}（网格长 {g.leader}）"] for g in the_village.grids]}
        if the_village.stars:
            found["stars.*"] = {"choices": [[s, s] for s in the_village.stars]}
        found["kind"] = {"suggest": list(HOUSEHOLD_KINDS)}
        found["duties.*"] = {"suggest": list(CENTRE_DUTIES)}
        found["photo"] = {"upload": "picture"}
    elif kind.key == "decision":
        for stage, bodies in decisions.BODIES.items():
            found[f"{stage}.body"] = {"suggest": list(bodies)}
    elif kind.key == "fund":
        periods = sorted(p.stem for p in _files(KINDS["finance"], content))
        found["received.ledger"] = found["spending.*.ledger"] = {"suggest": periods}
    return found


def describe(schema: Schema, hinted: dict, where: str = "") -> list[dict]:
    """The form of ``schema``: one entry per field, in the documented order of its keys."""
    form = []
    for key, spec in schema.fields.items():
        path = f"{where}.{key}" if where else key
        entry = {"key": key, "kind": spec.kind, "label": label(key, spec, where), "required": spec.required}
        if spec.kind == "choice":
            entry["choices"] = [[c, CHOICE_WORDS.get(c, c)] for c in spec.choices]
        if spec.kind == "bool":
            entry["default"] = bool(spec.default)
        if spec.kind == "text" and key in MULTILINE:
            entry["multiline"] = True
        if spec.kind == "map":
            entry["fields"] = describe(spec.schema, hinted, path)
        if spec.kind == "list":
            item = spec.item
            entry["item"] = {"kind": item.kind}
            if item.kind == "map":
                entry["item"]["fields"] = describe(item.schema, hinted, path + ".*")
            entry["item"].update(hinted.get(path + ".*", {}))
        entry.update(hinted.get(path, {}))
        form.append(entry)
    return form


def _files(kind: Kind, content: Path) -> list[Path]:
    if kind.fixed:
        path = content / kind.fixed
        return [path] if path.is_file() else []
    folder = content / kind.folder
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == kind.suffix
                  and not p.name.startswith(".") and p.name not in kind.skip)


def listing(kind: Kind, content: Path) -> list[dict]:
    """The kind's files with the title a clerk knows them by."""
    found = []
    for path in _files(kind, content):
        values, _, _ = read(kind, path)
        values = values or {}
        title = values.get("name") if kind.fixed else values.get(kind.name_from)
        if kind.key == "finance" and isinstance(title, str):
            period = finance.Period.parse(title)
            title = period.label if period else title
        found.append({"file": path.name, "title": title if isinstance(title, str) and title.strip() else path.stem})
    return found


def plain(node) -> object:
    """Located YAML as the form holds it: every scalar the text the clerk wrote."""
    if isinstance(node, YScalar):
        return None if node.is_null else node.text
    if isinstance(node, YSeq):
        return [plain(item) for item in node.items]
    if isinstance(node, YMap):
        return {key: plain(value) for key, value in node.items.items()}
    return None


def read(kind: Kind, path: Path) -> tuple[dict | None, str, Report]:
    """The values and body of a source file; ``None`` with the report when it cannot be read."""
    report = Report()
    source = sources.read_text(path, report)
    if source is None:
        return None, "", report
    body = ""
    if kind.front_matter:
        doc = sources.split_front_matter(source, report)
        if doc is None:
            return None, "", report
        node, body = strictyaml.load(doc.meta, path, report, doc.meta_line), doc.body
    else:
        node = strictyaml.load(source.text, path, report)
    if report.errors and node is None:
        return None, body, report
    values = plain(node) if isinstance(node, YMap) else {}
    return values, body, report


def opening_comment(kind: Kind) -> str:
    """The first comment line of ``new``'s skeleton for this kind, so a form-made file opens like a scaffolded one."""
    if not kind.skeleton:
        return ""
    first = scaffold.SKELETONS[kind.skeleton][1].split("\n", 1)[0]
    return first + "\n" if first.startswith("#") else ""
