"""Every built page is valid HTML (Nu HTML checker) and the phone pages pass axe-core's
WCAG 2.2 AA rules in Chromium: the checks a township's accessibility audit would run."""
from __future__ import annotations

import json
import re
import subprocess

import pytest

from conftest import ROOT

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def test_every_page_is_valid_html(built_demo):
    done = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", "--skip-non-html",
                           str(built_demo)], capture_output=True, text=True, timeout=300)
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    problems = [f"{m.get('url', '').split('/site/')[-1]}:{m.get('lastLine')}: {m['message']}" for m in messages]
    assert problems == [] and done.returncode == 0


@pytest.mark.parametrize("path", ["index.html", "affairs/index.html", "affairs/2026-dibao-q4.html",
                                  "grids/index.html", "print/party/2026-q3-dangfei.html", "search.html",
                                  "finance/2026-Q3.html", "affairs/decisions/2026-houshan-linzu.html",
                                  "compact/compare-2019.html", "households/yao-xifei.html",
                                  "print/poster.html", "print/affairs/2026-gengdi-butie.html"])
def test_phone_pages_pass_axe(browser, served, path):
    # bypass_csp: the pages allow no injected script, and axe is one; the policy is tested in test_leaks.
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.goto(served + path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    context.close()
    violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert violations == []


def test_phone_pages_are_small_and_need_no_script(built_demo):
    """A 2G/3G phone: each page with its stylesheet stays under 100 KiB, and no page needs JavaScript
    (search uses it, and offers the section archives without it: see test_phone_browser; the 大字
    switch remembers its choice with it, and works for one page without it: see test_phone_reading)."""
    css = (built_demo / "static" / "site.css").stat().st_size
    phone_pages = [p for p in built_demo.rglob("*.html") if p.relative_to(built_demo).parts[0] not in ("kiosk", "print")]
    assert len(phone_pages) > 30
    for page in phone_pages:
        html = page.read_text(encoding="utf-8")
        scripts = re.findall(r'<script src="(?:\.\./)*([^"]+)"', html)
        assert html.count("<script") == len(scripts), page  # no inline script
        assert set(scripts) <= {"static/textsize.js"} or page.name == "search.html", page
        assert len(html.encode()) + css < 100 * 1024, page
    for photo in (built_demo / "photos").rglob("*"):
        if photo.is_file():
            assert photo.stat().st_size < 100 * 1024, photo
