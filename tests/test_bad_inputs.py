"""The bad-input catalogue (docs/bad-inputs.md): each broken source gives `path:line: message
[CODE]`, exit 1, no traceback, within bounded time and memory, and the site built before it
stays byte for byte as it was."""
from __future__ import annotations

import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DEMO, ROOT, TODAY, tree_digest

NOTICE = "affairs/2026-gengdi-butie.md"
LEDGER = "finance/2026-Q3.yaml"
DECISION = "affairs/decisions/2026-houshan-linzu.yaml"
HOUSEHOLD = "households/yao-xifei.yaml"
COMPACT = "compact/2024.md"
GOOD_NOTICE = "---\ntitle: 测试通知\ndate: 2026-11-01\n---\n正文。\n"


def replace(rel, old, new):
    def change(content: Path):
        path = content / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return change


def write(rel, data):
    def change(content: Path):
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return change


def both(*changes):
    def change(content: Path):
        for c in changes:
            c(content)
    return change


def line_of(rel, needle):
    text = (DEMO / rel).read_text(encoding="utf-8")
    return next(i for i, l in enumerate(text.split("\n"), 1) if needle in l)


def big_ledger():
    rows = "".join(f"  - {{date: 2026-07-01, item: 第{i}笔, category: 其他收入, amount: 1.00, voucher: 记-{i}}}\n"
                   for i in range(100_000))
    return f"period: 2026-Q3\nopening_balance: 0.00\nincome:\n{rows}"


# (name, change, file, line, code): the catalogue; docs/bad-inputs.md lists the same cases.
CASES = [
    ("broken YAML bracket", replace(LEDGER, "period: 2026-Q3", "period: [2026-Q3"), LEDGER, 2, "E-YAML-SYNTAX"),
    ("tab-indented YAML", replace(HOUSEHOLD, "\nkind:", "\n\tkind:"), HOUSEHOLD, line_of(HOUSEHOLD, "kind:"), "E-YAML-SYNTAX"),
    ("alias bomb", write("households/bomb.yaml", "".join(
        f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9 if i else ["x"] * 9) + "]\n" for i in range(9))),
     "households/bomb.yaml", 1, "E-YAML-ALIAS"),
    ("recursive alias", write("households/loop.yaml", "name: &a [*a]\n"), "households/loop.yaml", 1, "E-YAML-ALIAS"),
    ("5,000 levels of nesting", write("households/deep.yaml", "name: " + "[" * 5000 + "]" * 5000 + "\n"),
     "households/deep.yaml", 1, "E-YAML-DEPTH"),
    ("a 50 MB notice body", write("party/2026-big.md", GOOD_NOTICE + "很长的正文。" * 2_800_000),
     "party/2026-big.md", 1, "E-SOURCE-TOO-LARGE"),
    ("a 100,000-line ledger", write("finance/2026-Q4.yaml", big_ledger()), "finance/2026-Q4.yaml", 1,
     "E-SOURCE-TOO-LARGE"),
    ("a picture saved as a notice", write("party/2026-pic.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
     "party/2026-pic.md", 1, "E-ENCODING-BINARY"),
    ("an empty notice", write("party/2026-empty.md", b""), "party/2026-empty.md", 1, "E-FRONTMATTER"),
    ("an empty ledger", write("finance/2026-Q4.yaml", b""), "finance/2026-Q4.yaml", 1, "E-YAML-MISSING-KEY"),
    ("invalid UTF-8 and not GBK", write("party/2026-bad.md", b"---\ntitle: x\n\xff\xfe\xfd\n"),
     "party/2026-bad.md", 3, "E-ENCODING"),
    ("UTF-16 from Notepad", write("party/2026-u16.md", GOOD_NOTICE.encode("utf-16")), "party/2026-u16.md", 1,
     "E-ENCODING"),
    ("one pasted GBK line", write("party/2026-mixed.md", GOOD_NOTICE.encode() + "旧表格里的一行\n".encode("gbk")),
     "party/2026-mixed.md", 6, "E-ENCODING-MIXED"),
    ("a space in a file name", write("party/2026 kongge.md", GOOD_NOTICE), "party/2026 kongge.md", 1,
     "E-NOTICE-FILENAME"),
    ("a # in a file name", write("party/2026#1.md", GOOD_NOTICE), "party/2026#1.md", 1, "E-NOTICE-FILENAME"),
    ("a folder named like a notice", lambda c: (c / "party" / "2026-x.md").mkdir(), "party/2026-x.md", 1,
     "E-SOURCE-FOLDER"),
    ("a mobile number in a file name", write("party/2026-13800001234.md", GOOD_NOTICE), "party/2026-13800001234.md",
     1, "E-PRIVACY-PHONE"),
    ("an impossible date", replace(NOTICE, "date: 2026", "date: 2026-02-30\n# was: 2026"), NOTICE,
     line_of(NOTICE, "date: 2026"), "E-DATE"),
    ("a date with slashes", write("party/2026-slash.md", GOOD_NOTICE.replace("2026-11-01", "2026/11/01")),
     "party/2026-slash.md", 3, "E-DATE"),
    ("a duplicate key", write("party/2026-dup.md", GOOD_NOTICE.replace("date:", "title: 又一个\ndate:")),
     "party/2026-dup.md", 3, "E-YAML-DUPKEY"),
    ("a misspelt key", replace("village.yaml", "township:", "townhsip:"), "village.yaml",
     line_of("village.yaml", "township:"), "E-YAML-UNKNOWN-KEY"),
    ("a missing title", write("party/2026-notitle.md", "---\ndate: 2026-11-01\n---\n正文\n"),
     "party/2026-notitle.md", 2, "E-YAML-MISSING-KEY"),
    ("是 instead of true", write("party/2026-shi.md", GOOD_NOTICE.replace("date:", "pinned: 是\ndate:")),
     "party/2026-shi.md", 3, "E-BOOL"),
    ("expiry before publication", write("party/2026-exp.md", GOOD_NOTICE.replace("date:", "expires: 2026-10-01\ndate:")),
     "party/2026-exp.md", 3, "E-NOTICE-EXPIRES"),
    ("a missing attachment", write("party/2026-att.md", GOOD_NOTICE.replace("date:", "attachments: [mingdan.pdf]\ndate:")),
     "party/2026-att.md", 3, "E-ASSET-MISSING"),
    ("an attachment outside content", write("party/2026-out.md", GOOD_NOTICE.replace(
        "date:", "attachments: [../../../../etc/passwd]\ndate:")), "party/2026-out.md", 3, "E-ASSET-OUTSIDE"),
    ("an SVG picture", both(write("party/tu.svg", "<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>"),
                            write("party/2026-svg.md", GOOD_NOTICE + "![图](tu.svg)\n")), "party/2026-svg.md", 6,
     "E-ASSET-TYPE"),
    ("a picture from another host", write("party/2026-ext.md", GOOD_NOTICE + "![图](https://x.example/a.jpg)\n"),
     "party/2026-ext.md", 6, "E-ASSET-EXTERNAL"),
    ("a ledger that does not balance", replace(LEDGER, "closing_balance: 104340.50", "closing_balance: 104340.51"),
     LEDGER, line_of(LEDGER, "closing_balance"), "E-LEDGER-BALANCE"),
    ("three decimals", replace(LEDGER, "amount: 300.00", "amount: 300.001"), LEDGER, line_of(LEDGER, "amount: 300.00"),
     "E-MONEY-DECIMALS"),
    ("a thousands comma", replace(LEDGER, "amount: 300.00", "amount: '1,300.00'"), LEDGER,
     line_of(LEDGER, "amount: 300.00"), "E-MONEY"),
    ("a 26-digit opening balance", replace(LEDGER, "opening_balance: 79740.50",
                                                "opening_balance: 99999999999999999999999999.99"), LEDGER,
     line_of(LEDGER, "opening_balance"), "E-MONEY-TOO-LARGE"),
    ("a row outside its period", replace(LEDGER, "date: 2026-09-21", "date: 2026-10-21"), LEDGER,
     line_of(LEDGER, "date: 2026-09-21"), "E-LEDGER-DATE"),
    ("a year typo in a period", replace(LEDGER, "period: 2026-Q3", "period: 0226-Q3"), LEDGER, 2, "E-LEDGER-PERIOD"),
    ("broken continuity", replace(LEDGER, "opening_balance: 79740.50", "opening_balance: 79740.05"), LEDGER,
     line_of(LEDGER, "opening_balance"), "E-LEDGER-CONTINUITY"),
    ("a row booked twice", replace(LEDGER, "  - {date: 2026-08-26", "  - {date: 2026-08-26, item: 溪边沟渠清淤, category: "
                                   "公益支出, amount: 2100.00, voucher: 记-08-06}\n  - {date: 2026-08-26"), LEDGER,
     line_of(LEDGER, "date: 2026-08-26") + 1, "E-LEDGER-DUPLICATE"),
    ("decision steps out of order", replace(DECISION, "proposal:", "zz_proposal_moved:"), DECISION,
     line_of(DECISION, "proposal:"), "E-YAML-UNKNOWN-KEY"),
    ("a compact that did not pass", replace(COMPACT, "for: ", "for: 1, was: "), COMPACT, line_of(COMPACT, "for: "),
     "E-YAML-UNKNOWN-KEY"),
    ("a household in no grid", replace(HOUSEHOLD, "grid: 2", "grid: 99"), HOUSEHOLD, line_of(HOUSEHOLD, "grid: 2"),
     "E-HOUSEHOLD-GRID"),
    ("an ID number in a notice", write("party/2026-id.md", GOOD_NOTICE + "身份证 330824198001011234\n"),
     "party/2026-id.md", 6, "E-PRIVACY-ID"),
    ("a placeholder left in", write("party/2026-ph.md", GOOD_NOTICE + "（待填写：正文）\n"), "party/2026-ph.md", 6,
     "E-PLACEHOLDER"),
    ("a notice named like the listing", write("party/index.md", GOOD_NOTICE), "party/index.md", 1,
     "E-OUTPUT-COLLISION"),
    ("base_url with javascript:", replace("village.yaml", "base_url: https://cunwu.example.org/qingxi/",
                                          "base_url: 'javascript:alert(1)'"), "village.yaml",
     line_of("village.yaml", "base_url"), "E-VILLAGE-BASE-URL"),
    ("kiosk idle of 5 seconds", replace("village.yaml", "idle_seconds: 90", "idle_seconds: 5"), "village.yaml",
     line_of("village.yaml", "idle_seconds"), "E-KIOSK-IDLE"),
    ("no village.yaml", lambda c: (c / "village.yaml").unlink(), "village.yaml", 1, "E-VILLAGE-MISSING"),
]


@pytest.fixture(scope="module")
def good_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("good") / "site"
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--content", str(DEMO), "--out", str(out),
                           "--today", TODAY], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out, tree_digest(out)


def _bounded():
    resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))  # 1.5 GB of address space


@pytest.mark.parametrize("name, change, rel, line, code", CASES, ids=[c[0] for c in CASES])
def test_bad_input(tmp_path, good_site, name, change, rel, line, code):
    out, before = good_site
    content = tmp_path / "content"
    shutil.copytree(DEMO, content)
    change(content)
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--content", str(content), "--out", str(out),
                           "--today", TODAY], capture_output=True, text=True, encoding="utf-8", timeout=120,
                          cwd=tmp_path, preexec_fn=_bounded)
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr and "内部错误" not in done.stderr, done.stderr
    assert f"content/{rel}:{line}: 错误：" in done.stderr and f"[{code}]" in done.stderr, done.stderr[:3000]
    assert tree_digest(out) == before, "the last good site was touched"


def test_the_catalogue_documents_every_case():
    catalogue = (ROOT / "docs" / "bad-inputs.md").read_text(encoding="utf-8")
    assert len(CASES) >= 40
    for name, _, _, _, code in CASES:
        assert f"| {name} |" in catalogue and code in catalogue, name
