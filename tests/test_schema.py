"""JSON Schemas made from the models: they match what is committed, accept every demo source
as an editor reads it (YAML 1.2), and reject what check would reject for the same reason."""
from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from conftest import DEMO, ROOT, run_cli
from villageboard.reading import strictyaml
from villageboard.reading.diagnostics import Report
from villageboard.reading.sources import read_text, split_front_matter

SOURCES = {"village": ["village.yaml"], "notice": ["party/*.md", "affairs/*.md"], "finance": ["finance/20*.yaml"],
           "fund": ["finance/funds/*.yaml"], "decision": ["affairs/decisions/*.yaml"], "compact": ["compact/*.md"],
           "household": ["households/*.yaml"]}
INT_RE, FLOAT_RE = re.compile(r"^[-+]?[0-9]+$"), re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def _as_editor_sees(node):
    """YAML 1.2 core schema, as VS Code's YAML extension resolves plain scalars."""
    if isinstance(node, strictyaml.YMap):
        return {k: _as_editor_sees(v) for k, v in node.items.items()}
    if isinstance(node, strictyaml.YSeq):
        return [_as_editor_sees(v) for v in node.items]
    text = node.text
    if node.quoted:
        return text
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE", "false", "False", "FALSE"):
        return text.lower() == "true"
    if INT_RE.match(text):
        return int(text)
    if FLOAT_RE.match(text):
        return float(text)
    return text


def _data(path: Path):
    report = Report()
    source = read_text(path, report)
    if path.suffix == ".md":
        doc = split_front_matter(source, report)
        return _as_editor_sees(strictyaml.load(doc.meta, path, report))
    return _as_editor_sees(strictyaml.load(source.text, path, report))


def _validator(kind: str):
    schema = json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))

    def multiple_of(validator, step, instance, schema):  # in decimal, as VS Code does, not in binary float
        if isinstance(instance, (int, float)) and Decimal(repr(instance)) % Decimal(repr(step)):
            yield jsonschema.ValidationError(f"{instance} is not a multiple of {step}")

    cls = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"multipleOf": multiple_of})
    cls.check_schema(schema)
    return cls(schema)


def test_the_committed_schemas_are_what_the_command_writes(tmp_path):
    done = run_cli("schema", "--out", str(tmp_path / "schemas"))
    assert done.returncode == 0, done.stderr
    made = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "schemas").iterdir()}
    assert set(made) == {f"{k}.schema.json" for k in SOURCES}
    assert made == {name: (ROOT / "schemas" / name).read_text(encoding="utf-8") for name in made}


@pytest.mark.parametrize("kind", SOURCES)
def test_every_demo_source_passes_its_schema(kind):
    validator = _validator(kind)
    files = [p for pattern in SOURCES[kind] for p in sorted(DEMO.glob(pattern))]
    assert files
    for path in files:
        errors = [e.message for e in validator.iter_errors(_data(path))]
        assert errors == [], path


def test_the_demo_yaml_carries_the_modeline():
    for kind, patterns in SOURCES.items():
        for path in (p for pattern in patterns for p in DEMO.glob(pattern) if p.suffix == ".yaml"):
            line = [l for l in path.read_text(encoding="utf-8").split("\n") if "yaml-language-server" in l]
            target = line[0].split("$schema=")[1]
            assert (path.parent / target).resolve() == ROOT / "schemas" / f"{kind}.schema.json", path


@pytest.mark.parametrize("kind, rel, old, new, complaint", [
    ("notice", "party/2026-sanhuiyike.md", "title:", "titel: 拼错的键\ntitle:", "Additional properties"),
    ("notice", "party/2026-sanhuiyike.md", "date: 2026", "date: 2026年", "does not match"),
    ("village", "village.yaml", "orientation: portrait", "orientation: 竖屏", "is not one of"),
    ("finance", "finance/2026-Q3.yaml", "amount: 300.00", "amount: 300.005", "multiple of"),
    ("household", "households/yao-xifei.yaml", "serves: 8", "serves: 八户", "is not of type"),
])
def test_a_broken_source_fails_its_schema(tmp_path, kind, rel, old, new, complaint):
    path = tmp_path / Path(rel).name
    path.write_text((DEMO / rel).read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    messages = [e.message for e in _validator(kind).iter_errors(_data(path))]
    assert any(complaint in m for m in messages), messages
