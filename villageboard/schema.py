"""JSON Schemas (draft 2020-12) of the content kinds, made from the models' own field lists.

``python build.py schema`` writes one file per kind; an editor such as VS Code with the
YAML extension then checks and completes a source as the clerk types. The schemas are
derived from the same ``Schema`` objects the build reads with, so they never drift; what
a schema cannot say (sums, dates in order, quorum) stays for ``check``.

A value is described as an editor's YAML 1.2 parser sees it: a date stays a string, an
amount is a number, and a text field may be typed as a bare number (a voucher ``123``).
"""
from __future__ import annotations

import json
from pathlib import Path

from villageboard.kinds import compact, decisions, finance, funds, households, notices, village
from villageboard.reading.fields import DATE_RE, KIND_WORDS, Field, Schema

KINDS = {  # file stem -> (the model's schema, title, where its sources live)
    "village": (village.SCHEMA, "村情（village.yaml）", "content/village.yaml"),
    "notice": (notices.SCHEMA, "公告的信息头（党务公开、村务公开）", "content/party/*.md, content/affairs/*.md"),
    "finance": (finance.SCHEMA, "财务公开表", "content/finance/*.yaml"),
    "fund": (funds.SCHEMA, "专项资金", "content/finance/funds/*.yaml"),
    "decision": (decisions.SCHEMA, "四议两公开", "content/affairs/decisions/*.yaml"),
    "compact": (compact.SCHEMA, "村规民约的信息头", "content/compact/*.md"),
    "household": (households.SCHEMA, "模范户", "content/households/*.yaml"),
}


def field_schema(field: Field, name: str) -> dict:
    found: dict = {"title": field.label or name, "description": KIND_WORDS.get(field.kind, "")}
    if field.kind == "text":
        found["type"] = ["string", "number"]
    elif field.kind == "date":
        found.update(type="string", pattern=DATE_RE.pattern)
    elif field.kind == "money":
        found.update(type="number", multipleOf=0.01)
    elif field.kind == "count":
        found.update(type="integer", minimum=0)
    elif field.kind == "bool":
        found["type"] = "boolean"
    elif field.kind == "choice":
        # `accounting: 2023` is a number to the editor and a choice to us: both spellings are fine.
        found["enum"] = list(field.choices) + [int(c) for c in field.choices if c.isdigit()]
        found["description"] = "只能是：" + " / ".join(field.choices)
    elif field.kind == "list":
        found.update(type="array", items=field_schema(field.item, name) if field.item else {})
    elif field.kind == "map" and field.shorthand:  # `x.pdf` or `{file: x.pdf, title: …}`
        short = field_schema(field.schema.fields[field.shorthand], field.shorthand)
        found["anyOf"] = [{k: v for k, v in short.items() if k != "title"}, object_schema(field.schema)]
        found["description"] = f"{short.get('description', '')}，或一组键值（{'、'.join(field.schema.fields)}）"
    elif field.kind == "map":
        found.update(object_schema(field.schema) if field.schema else {"type": "object"})
        found["title"] = field.label or name
    if not found["description"]:
        del found["description"]
    if not field.required:  # `category:` left empty is the same as not written
        if "enum" in found:
            found["enum"].append(None)
        elif isinstance(found.get("type"), str):
            found["type"] = [found["type"], "null"]
        elif "type" in found:
            found["type"] = found["type"] + ["null"]
    return found


def object_schema(schema: Schema) -> dict:
    required = [name for name, f in schema.fields.items() if f.required]
    found = {"type": "object", "properties": {name: field_schema(f, name) for name, f in schema.fields.items()},
             "additionalProperties": False}
    if required:
        found["required"] = required
    return found


def document(kind: str) -> dict:
    schema, title, where = KINDS[kind]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{kind}.schema.json",
            "title": title, "description": f"由 build.py schema 从程序的内容模型生成，适用于 {where}；"
                                           "加总、日期先后、法定人数等由 python build.py check 检查",
            **object_schema(schema)}


def write(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        path = out / f"{kind}.schema.json"
        path.write_text(json.dumps(document(kind), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
