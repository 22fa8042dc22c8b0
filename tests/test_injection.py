"""Script injection: every payload of the table, in every text field a clerk can write, of
every kind, must not survive as executable script in any output: HTML of every rendition,
the search index, the feed, the sitemap, CSV and JSON. Outputs are checked by parsing them."""
from __future__ import annotations

import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from PIL import Image

from conftest import TODAY, run_cli

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src="x.png" onerror=alert(1)>',
    "<svg onload=alert(1)><circle r=1></svg>",
    '<a href="javascript:alert(1)">a1</a>',
    '<a href="JaVaScRiPt:alert(1)">a2</a>',
    '<a href="jav&#x09;ascript:alert(1)">a3</a>',
    '<a href="&#106;avascript:alert(1)">a4</a>',
    '<a href=" javascript:alert(1)">a5</a>',
    '<a href="java\nscript:alert(1)">a6</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">a7</a>',
    '<a href="vbscript:msgbox(1)">a8</a>',
    '<iframe src="https://evil.example/"></iframe>',
    '<object data="evil.swf"></object>',
    '<embed src="evil.swf">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<form action="https://evil.example/"><input name=q></form>',
    '<button formaction="javascript:alert(1)">b</button>',
    "[m1](javascript:alert(1))",
    "![m2](javascript:alert(1))",
    "[m3][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<math><mtext><table><mglyph><style><img src="x.png" onerror=alert(1)>',
    '<base href="https://evil.example/">',
    '"><script>alert(1)</script>',
    "</script><script>alert(1)</script>",
    "<style>body{background:url(https://evil.example/)}</style>",
    '<div style="background:url(javascript:alert(1))">s</div>',
    "<details open ontoggle=alert(1)>d</details>",
    "]]><script>alert(1)</script><![CDATA[",
    "=HYPERLINK(\"https://evil.example/\",\"x\")",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]
ALL = " ".join(p.replace("\n", " ") for p in PAYLOADS)  # one line: for single-line fields
BODY = "\n\n".join(PAYLOADS)  # Markdown bodies get each payload as its own block
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
LINK_ATTRS = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "background"}


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is one)."""
    return json.dumps(text, ensure_ascii=False)


def _sub(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    from conftest import DEMO
    import shutil

    root = tmp_path_factory.mktemp("inject")
    content = root / "content"
    shutil.copytree(DEMO, content)
    for folder in ("affairs", "compact", "finance", "households"):  # the picture the img payloads point at
        Image.new("RGB", (4, 4)).save(content / folder / "x.png")
    (content / "affairs" / "2026-zhuru.md").write_text(
        f"---\ntitle: {q(ALL)}\ndate: 2026-11-20\nsummary: {q(ALL)}\ncategory: {q(ALL)}\nunit: {q(ALL)}\n"
        f"pinned: true\n---\n{BODY}\n", encoding="utf-8")
    ledger = content / "finance" / "2026-Q3.yaml"
    _sub(ledger, "item: 溪边沟渠清淤, category: 公益支出, amount: 2100.00, voucher: 记-08-06",
         f"item: {q(ALL)}, category: {q(ALL)}, amount: 2100.00, voucher: {q(ALL)}")
    _sub(ledger, "notes: |\n", "notes: |\n" + "".join(f"  {line}\n" for line in BODY.split("\n")) + "\n")
    _sub(ledger, "reviewed_by: 村务监督委员会", f"reviewed_by: {q(ALL)}")
    decision = content / "affairs" / "decisions" / "2026-houshan-linzu.yaml"
    _sub(decision, "title: 后山集体林地出租建设露营基地", f"title: {q(ALL)}")
    _sub(decision, "summary: 拟将后山集体林地 120 亩出租 20 年，村民会议表决未通过。", f"summary: {q(ALL)}")
    compact = content / "compact" / "2024.md"
    _sub(compact, "title: 青溪村村规民约", f"title: {q(ALL)}")
    _sub(compact, "meeting: 青溪村村民会议（第二次修订）", f"meeting: {q(ALL)}")
    _sub(compact, "## 第一章 总则\n", "## 第一章 总则\n\n" + BODY + "\n\n")
    household = content / "households" / "yao-xifei.yaml"
    _sub(household, "name: 姚锡飞", f"name: {q(ALL)}")
    _sub(household, "duties: [政策宣讲员, 民情收集员, 为民办事员, 矛盾调解员, 困难帮扶员]", f"duties: [{q(ALL)}, 民情收集员]")
    _sub(household, "story: |\n", "story: |\n" + "".join(f"  {line}\n" for line in BODY.split("\n")) + "\n")
    village = content / "village.yaml"
    _sub(village, "name: 青溪村", f"name: {q(ALL)}")
    _sub(village, "address: 青溪村村部一楼（老祠堂东侧）", f"address: {q(ALL)}")
    _sub(village, "name: 上溪片, leader: 陈美芳", f"name: {q(ALL)}, leader: {q(ALL)}")
    out = root / "site"
    done = run_cli("build", "--content", str(content), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr  # every payload is text a clerk may write: published, made harmless
    return out


class _Scripts(HTMLParser):
    """Everything in a page that could run script or send the reader elsewhere."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not re.search(r"(^|/)(static/[a-z]+\.js|search-index\.js)$", attrs.get("src") or ""):
            self.found.append(f"<script src={attrs.get('src')!r}>")
        if tag == "form" and not re.fullmatch(r"(\.\./)*search\.html", attrs.get("action") or ""):
            self.found.append("<form> other than the site's search")
        if tag in ("iframe", "object", "embed", "base", "style", "frame", "applet"):
            self.found.append(f"<{tag}>")
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            self.found.append("<meta refresh>")
        for name, value in attrs.items():
            if name.startswith("on") or name == "style" and tag not in ("svg",):
                self.found.append(f"{tag} {name}=")
            if name in LINK_ATTRS and value:
                scheme = re.sub(r"[\x00-\x20]", "", html.unescape(value)).lower()
                if scheme.startswith(BAD_SCHEMES):
                    self.found.append(f"{tag} {name}={value!r}")

    handle_startendtag = handle_starttag


def test_no_payload_survives_in_any_page(injected):
    pages = sorted(injected.rglob("*.html"))
    assert len(pages) > 100
    # The payloads reached the pages as text: e.g. the notice's title is shown, escaped.
    notice = (injected / "affairs" / "2026-zhuru.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in notice
    for page in pages:
        parser = _Scripts()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.found == [], (page.relative_to(injected), parser.found[:5])


def test_no_payload_breaks_out_of_the_search_index_feed_or_sitemap(injected):
    files = [injected / "search-index.js", *sorted((injected / "search").rglob("*.js"))]
    documents = []
    for path in files:
        index = path.read_text(encoding="utf-8")
        assert "<" not in index, path  # no clerk's text can open or close a script element
        documents.append(json.loads(index[index.index("=", index.find("]") + 1) + 1:].strip().rstrip(";")))
    assert any("alert(1)" in json.dumps(entry, ensure_ascii=False) for entry in documents)  # present, as data
    for name in ("feed.xml", "sitemap.xml"):
        tree = ET.parse(injected / name)  # well-formed despite ]]> and quotes in titles
        assert not [e for e in tree.iter() if e.tag.split("}")[-1] in ("script", "iframe")]
    for name in ("version.json", "build-manifest.json"):
        json.loads((injected / name).read_text(encoding="utf-8"))


def test_no_payload_is_a_live_spreadsheet_formula(injected):
    for sheet in injected.rglob("*.csv"):
        rows = list(csv.reader(io.StringIO(sheet.read_text(encoding="utf-8-sig"))))
        amount = rows[0].index("金额")
        for row in rows[1:]:
            for i, cell in enumerate(row):
                if i != amount:
                    assert cell[:1] not in ("=", "+", "-", "@"), (sheet.name, cell[:40])


@pytest.mark.parametrize("name", ["javascript:alert(1).md", "<script>.md", "a\"onmouseover=alert(1).md",
                                  "x'><svg onload=alert(1)>.md", "%3Cscript%3E.md"])
def test_payloads_in_file_names_are_refused(demo_copy, name):
    (demo_copy / "party" / name).write_text("---\ntitle: 文件名测试\ndate: 2026-11-01\n---\n正文\n", encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1 and "[E-NOTICE-FILENAME]" in done.stderr, done.stderr
