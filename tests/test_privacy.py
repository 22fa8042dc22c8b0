"""Personal numbers in every spelling a clerk's keyboard, input method or spreadsheet produces
are caught at their line; dates are not mistaken for bank cards; no message repeats a number."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import TODAY, run_cli

LEAKS = [  # (text pasted into a notice body, code)
    ("+8613800001234", "E-PRIVACY-PHONE"),
    ("8613800001234", "E-PRIVACY-PHONE"),
    ("１３８００００１２３４", "E-PRIVACY-PHONE"),  # full-width digits from a Chinese input method
    ("138.0000.1234", "E-PRIVACY-PHONE"),
    ("138\u00a00000\u00a01234", "E-PRIVACY-PHONE"),  # no-break spaces
    ("138\u30000000\u30001234", "E-PRIVACY-PHONE"),  # ideographic spaces
    ("1\u200b38\u200b0000\u200b1234", "E-PRIVACY-PHONE"),  # zero-width spaces
    ("1380 000 1234", "E-PRIVACY-PHONE"),  # grouped otherwise than 3-4-4
    ("138-000-01234", "E-PRIVACY-PHONE"),
    # Several spaces where a table was pasted; the dashes and slashes input methods give.
    ("138  0000  1234", "E-PRIVACY-PHONE"),
    ("138 - 0000 - 1234", "E-PRIVACY-PHONE"),
    ("138—0000—1234", "E-PRIVACY-PHONE"),
    ("+86 (138) 0000 1234", "E-PRIVACY-PHONE"),
    ("330824800101123", "E-PRIVACY-ID"),  # a 15-digit ID card
    ("330824 19800101 1234", "E-PRIVACY-ID"),
    ("330824-19800101-123X", "E-PRIVACY-ID"),
    ("ID330824198001011234", "E-PRIVACY-ID"),  # letters written against it
    ("33082419800101123Xabc", "E-PRIVACY-ID"),
    ("No.330824800101123号", "E-PRIVACY-ID"),
    ("证件号x330824800101123y", "E-PRIVACY-ID"),
    # Grouped as a clerk reads it aloud or a form prints it, not at the birth date's edges.
    ("3308 2419 8001 0112 34", "E-PRIVACY-ID"),
    ("330 824 1980 0101 1234", "E-PRIVACY-ID"),
    ("330824 1980 0101 123X", "E-PRIVACY-ID"),
    ("３３０８ ２４１９ ８００１ ０１１２ ３４", "E-PRIVACY-ID"),
    ("3308-2480-0101-123", "E-PRIVACY-ID"),  # a 15-digit one
    ("330824  19800101  1234", "E-PRIVACY-ID"),
    ("330824/19800101/1234", "E-PRIVACY-ID"),
    ("３３０８２４／１９８００１０１／１２３４", "E-PRIVACY-ID"),
    ("330824 — 19800101 — 123X", "E-PRIVACY-ID"),
    ("330824_19800101_1234", "E-PRIVACY-ID"),
    ("6222 0212 3456 7890 128", "E-PRIVACY-BANKCARD"),
    ("6222  0212  3456  7890  128", "E-PRIVACY-BANKCARD"),  # a UnionPay card, in fours, any separators
    ("6222 — 0212 — 3456 — 7890 — 128", "E-PRIVACY-BANKCARD"),
]


def _errors(stderr: str) -> list[tuple[str, int, str]]:
    return [(m[0], int(m[1]), m[2]) for m in re.findall(r"^(.+?):(\d+): 错误：.+ \[(E-[A-Z-]+)\]$", stderr, re.M)]


def test_every_spelling_of_a_personal_number_is_an_error_at_its_line(demo_copy):
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    text = notice.read_text(encoding="utf-8").rstrip("\n").split("\n")
    first = len(text) + 2
    body = "\n".join(f"联系人 {leak} 王某" for leak, _ in LEAKS)
    notice.write_text("\n".join(text) + "\n\n" + body + "\n", encoding="utf-8")
    for command in ("check", "build"):
        done = run_cli(command, "--content", str(demo_copy), "--today", TODAY)
        assert done.returncode == 1
        found = set(_errors(done.stderr))
        for i, (leak, code) in enumerate(LEAKS):
            assert any(p.endswith("affairs/2026-gengdi-butie.md") and l == first + i and c == code
                       for p, l, c in found), (leak, done.stderr)
        # The messages never repeat a whole number: at most the first three and last four digits.
        for number in ("13800001234", "80101123", "198001011234", "3456789"):
            assert number not in done.stderr


SHOWN = [  # formatting between the digits: the text as written holds no whole number, the page does
    ("**138** 0000 1234", "E-PRIVACY-PHONE"),
    ("1<span></span>38 0000 1234", "E-PRIVACY-PHONE"),
    ("&#49;38 0000 1234", "E-PRIVACY-PHONE"),
    ("[138](#top) 0000 1234", "E-PRIVACY-PHONE"),
    ("*330824* 19800101 1234", "E-PRIVACY-ID"),
    ("3308&shy;24 1980&#x30;101 1234", "E-PRIVACY-ID"),
    ("**6222** 0212 3456 7890 128", "E-PRIVACY-BANKCARD"),
]


def test_a_number_split_by_formatting_is_an_error_at_its_line_of_the_content(demo_copy):
    """Bold, a link, an HTML entity or an empty tag between the digits hides a number from the scan
    of the text as written, while the page shows it whole. The scan of the built pages stops the
    build, but would name a generated file; the clerk is told the line of the notice instead."""
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    text = notice.read_text(encoding="utf-8").rstrip("\n").split("\n")
    first = len(text) + 2
    body = "\n\n".join(f"联系人 {leak} 王某" for leak, _ in SHOWN)
    # Split over two cells of a row; and the same number written whole above, said at its own line.
    table = "联系人 138 0000 1234\n\n| 号码 | 后段 |\n|---|---|\n| 138 | 00001234 |"
    notice.write_text("\n".join(text) + "\n\n" + body + "\n\n" + table + "\n", encoding="utf-8")
    for command in ("check", "build"):
        done = run_cli(command, "--content", str(demo_copy), "--today", TODAY)
        assert done.returncode == 1
        found = _errors(done.stderr)
        for i, (leak, code) in enumerate(SHOWN):
            assert any(p.endswith("affairs/2026-gengdi-butie.md") and l == first + 2 * i and c == code
                       for p, l, c in found), (leak, done.stderr)
        whole, row = first + 2 * len(SHOWN), first + 2 * len(SHOWN) + 4
        for line in (whole, row):
            assert any(p.endswith("affairs/2026-gengdi-butie.md") and l == line and c == "E-PRIVACY-PHONE"
                       for p, l, c in found), (line, done.stderr)
        assert all(p.endswith("affairs/2026-gengdi-butie.md") for p, _, _ in found), done.stderr  # no page named
        assert len(found) == len(SHOWN) + 2  # each place once
        assert "13800001234" not in done.stderr and "198001011234" not in done.stderr


def test_a_number_split_by_formatting_in_a_yaml_text_is_an_error_at_its_own_line(demo_copy):
    """Texts in YAML are Markdown too: a household's story written on the key's line, a ledger's
    notes as a block (``notes: |``, the text beginning on the next line)."""
    household = demo_copy / "households" / "li-shufen.yaml"
    lines = household.read_text(encoding="utf-8").split("\n")
    story = next(n for n, line in enumerate(lines) if line.startswith("story: "))
    lines[story] = lines[story].replace("story: ", "story: 证件 *330824* 19800101 1234。", 1)
    household.write_text("\n".join(lines), encoding="utf-8")
    ledger = demo_copy / "finance" / "2026-Q1.yaml"
    lines = ledger.read_text(encoding="utf-8").split("\n")
    notes = next(n for n, line in enumerate(lines) if line == "notes: |")
    lines.insert(notes + 2, "  经办人 [138](#top) 0000 1234。")
    ledger.write_text("\n".join(lines), encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1
    found = _errors(done.stderr)
    assert any(p.endswith("households/li-shufen.yaml") and l == story + 1 and c == "E-PRIVACY-ID"
               for p, l, c in found), done.stderr
    assert any(p.endswith("finance/2026-Q1.yaml") and l == notes + 3 and c == "E-PRIVACY-PHONE"
               for p, l, c in found), done.stderr


def test_dates_and_small_numbers_side_by_side_are_not_a_card_an_id_or_a_phone(demo_copy):
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n公示期 2026-01-01 2026-03-31，"
                      "统计区间 20260101-20260331。\n"
                      "各组得票 15 20 30 40 50 6，凭证 2026-11-0012 2026-11-0013。\n"
                      "值班 2026/01/01 — 2026/03/31，10:00-12:00 14:00-17:30，年度 2019/2020/2021/2022/2023。\n\n"
                      "    张三  1200  1300  1400  1500  1600\n", encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 0, done.stderr


def test_a_number_in_a_file_name_is_an_error(demo_copy):
    (demo_copy / "affairs" / "2026-gengdi-butie.md").rename(demo_copy / "affairs" / "butie-13800001234.md")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1
    assert any(p.endswith("affairs/butie-13800001234.md") and c == "E-PRIVACY-PHONE" for p, _, c in _errors(done.stderr))
    assert "文件名里有手机号（138****1234）" in done.stderr


def test_a_phone_line_inside_a_households_story_is_not_the_phone_field(demo_copy):
    household = demo_copy / "households" / "yao-xifei.yaml"
    lines = household.read_text(encoding="utf-8").split("\n")
    story = next(i for i, l in enumerate(lines) if l.startswith("story:"))
    lines.insert(story + 1, "  phone: 13900001234")
    household.write_text("\n".join(lines), encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1
    assert any(p.endswith("households/yao-xifei.yaml") and l == story + 2 and c == "E-PRIVACY-PHONE"
               for p, l, c in _errors(done.stderr)), done.stderr


@pytest.mark.parametrize("number, shown", [("13800001234", "138****1234"), ("57188881234", "571****1234"),
                                            ("88881234", "****1234"), ("1234", "****")])
def test_masks_show_at_most_the_last_four_digits_of_a_short_number(number, shown):
    from villageboard.reading.privacy import mask_phone

    assert mask_phone(number) == shown


def test_a_number_a_template_prints_is_refused_on_every_page_while_it_is_private(demo_copy, tmp_path):
    """The last line of defence scans every page the build makes. The same footer line stands on
    hundreds of pages and its findings are remembered: each page must still be refused, and
    only while the number is private (the village can add it to public_phones, or take it off)."""
    import datetime as dt

    from villageboard import builder

    layouts = tmp_path / "layouts"
    shutil.copytree(builder.LAYOUTS, layouts)
    base = layouts / "phone" / "base.html"
    footer = '<footer class="site-footer">'
    base.write_text(base.read_text(encoding="utf-8").replace(footer, footer + "<p>值班手机：13800001234</p>", 1),
                    encoding="utf-8")
    village = demo_copy / "village.yaml"
    private = village.read_text(encoding="utf-8")
    public = private.replace("public_phones:\n", 'public_phones:\n  - "13800001234"\n', 1)
    assert public != private
    out, today = tmp_path / "site", dt.date.fromisoformat(TODAY)
    refused = []
    for text in (private, public, private):
        village.write_text(text, encoding="utf-8")
        report, _ = builder.build(demo_copy, out, today, layouts=layouts, jobs=1)  # one process: what it remembers stays
        refused.append({Path(e.path).relative_to(out).as_posix() for e in report.errors if e.code == "E-PRIVACY-PHONE"})
        assert not [e for e in report.errors if e.code != "E-PRIVACY-PHONE"], report.errors
        if text is public:
            phone_pages = {p.relative_to(out).as_posix() for p in out.rglob("*.html")
                           if p.relative_to(out).parts[0] not in ("kiosk", "print")}
            assert "值班手机：13800001234" in (out / "index.html").read_text(encoding="utf-8")
    assert len(phone_pages) > 40
    assert refused == [phone_pages, set(), phone_pages]
