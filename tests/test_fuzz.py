"""Property-based fuzzing of every loader: any bytes, any text and any YAML-shaped record in
any source file yield a model or located content errors, never another exception.

The run here is bounded and reproducible (derandomized); a longer run:

    FUZZ_EXAMPLES=3000 python3 -m pytest tests/test_fuzz.py -q
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DEMO
from villageboard.kinds import compact, decisions, finance, funds, households, notices, village
from villageboard.planning import site

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
TODAY = dt.date(2026, 11, 22)
CODE = re.compile(r"^[EW]-[A-Z0-9-]+$")

# One source of each kind, beside the village; the fuzzed file replaces one of them.
TARGETS = {
    "village": ("village.yaml", village.SCHEMA, False),
    "notice": ("party/2026-sanhuiyike.md", notices.SCHEMA, True),
    "ledger": ("finance/2026-Q3.yaml", finance.SCHEMA, False),
    "fund": ("finance/funds/fuwuzhongxin-gaizao.yaml", funds.SCHEMA, False),
    "decision": ("affairs/decisions/2026-houshan-linzu.yaml", decisions.SCHEMA, False),
    "compact": ("compact/2024.md", compact.SCHEMA, True),
    "household": ("households/yao-xifei.yaml", households.SCHEMA, False),
}

ODD = st.sampled_from(["yes", "NO", "1.10", "12:30", "0755", "-0.00", "1e9", "2026-02-30", "9999-12-31", "0226-Q3",
                       "&a", "*a", "!!python/object:os.system", "１３８００００１２３４", "", "~", "null", "'", '"',
                       "<script>alert(1)</script>", "[", "{", "- x", "a: b", "\t", "\u200b", "（待填写：x）"])
SCALAR = st.one_of(ODD, st.text(max_size=20), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                   st.dates(), st.booleans(), st.none())


def _value():
    return st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                        max_leaves=12)


def _record(schema):
    keys = st.one_of(st.sampled_from(sorted(schema.fields)), st.text(max_size=10))
    return st.dictionaries(keys, _value(), max_size=len(schema.fields) + 2)


@pytest.fixture(scope="module")
def villages(tmp_path_factory) -> dict[str, Path]:
    """Per kind, the smallest village that reaches its loader: village.yaml, the file, what it refers to."""
    found = {}
    for kind, (rel, _, _) in TARGETS.items():
        content = tmp_path_factory.mktemp(kind) / "content"
        content.mkdir()
        shutil.copy(DEMO / "village.yaml", content / "village.yaml")
        for needed in [rel] + ([p.relative_to(DEMO).as_posix() for p in (DEMO / "finance").glob("*.yaml")]
                               if kind in ("fund", "ledger") else []):
            (content / needed).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(DEMO / needed, content / needed)
        found[kind] = content
    return found


def _load_with(content: Path, rel: str, data: bytes) -> None:
    target = content / rel
    original = target.read_bytes()
    target.write_bytes(data)
    try:
        loaded = site.load(content, TODAY)  # the assertion is that nothing escapes this call
    finally:
        target.write_bytes(original)
    root = content.resolve()
    for item in loaded.report.items:
        assert CODE.match(item.code), item
        assert item.line >= 1, item
        where = Path(item.path).resolve()
        assert where == root or where.is_relative_to(root), item


@pytest.mark.parametrize("kind", TARGETS)
def test_any_bytes(villages, kind):
    @FUZZ
    @given(st.binary(max_size=3000))
    def run(data):
        _load_with(villages[kind], TARGETS[kind][0], data)
    run()


@pytest.mark.parametrize("kind", TARGETS)
def test_any_text(villages, kind):
    @FUZZ
    @given(st.text(max_size=2000))
    def run(text):
        _load_with(villages[kind], TARGETS[kind][0], text.encode("utf-8", "surrogatepass"))
    run()


@pytest.mark.parametrize("kind", TARGETS)
def test_any_record_of_the_real_keys(villages, kind):
    rel, schema, front_matter = TARGETS[kind]

    @FUZZ
    @given(_record(schema), st.text(max_size=200))
    def run(record, body):
        text = yaml.safe_dump(record, allow_unicode=True, default_flow_style=None)
        if front_matter:
            text = f"---\n{text}---\n{body}\n"
        _load_with(villages[kind], rel, text.encode("utf-8", "surrogatepass"))
    run()
