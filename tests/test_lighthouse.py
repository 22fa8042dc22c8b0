"""Lighthouse (npm lighthouse@12, Debian's Chromium) on the phone home, a notice and a ledger,
as a phone on a slow network sees them: performance 95+, accessibility 100, best practices
and SEO 95+. The built demo is served over http on 127.0.0.1 (the ``served`` fixture)."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import CHROMIUM, ROOT, SCREENSHOTS

PAGES = {"home": "index.html", "notice": "affairs/2026-dibao-q4.html", "ledger": "finance/2026-Q3.html"}
LEAST = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 95}


@pytest.fixture(scope="module")
def audits(served):
    done = subprocess.run(["node", str(ROOT / "scripts" / "lighthouse.mjs"), *(served + p for p in PAGES.values())],
                          capture_output=True, text=True, timeout=240, cwd=ROOT,
                          env={**os.environ, "CHROME_PATH": CHROMIUM})
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "lighthouse.json").write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    return {name: found[served + path] for name, path in PAGES.items()}


@pytest.mark.parametrize("name", PAGES)
def test_lighthouse_mobile_scores(audits, name):
    result = audits[name]
    assert result["runtimeError"] is None, result["runtimeError"]
    low = {category: score for category, score in result["scores"].items() if score < LEAST[category]}
    assert low == {}, (name, low, result["failing"])
