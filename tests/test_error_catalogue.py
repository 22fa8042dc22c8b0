"""docs/errors.md explains every code the program can print."""
from __future__ import annotations

import re

from conftest import ROOT


def test_every_code_is_in_the_catalogue():
    codes = set()
    for source in (ROOT / "villageboard").rglob("*.py"):
        codes |= set(re.findall(r"[\"']([EW]-[A-Z0-9]+(?:-[A-Z0-9]+)*)[\"']", source.read_text(encoding="utf-8")))
    catalogue = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert len(codes) > 80
    missing = sorted(code for code in codes if not re.search(rf"(?<![A-Z-]){re.escape(code)}(?![A-Z0-9-])", catalogue))
    assert missing == [], f"docs/errors.md does not explain: {', '.join(missing)}"
