"""Article-by-article comparison (逐条对照): marks stay inside the articles that changed,
renumbered articles are still recognised, added and removed ones are shown whole; and the
privacy mask hides every number the scan would refuse."""
from __future__ import annotations

from pathlib import Path

from villageboard.reading import privacy

from villageboard.kinds import textdiff
from villageboard.reading.diagnostics import Report

ROOT = Path(__file__).resolve().parent.parent


def body(name: str) -> str:
    return (ROOT / "content" / "compact" / name).read_text(encoding="utf-8").split("---\n", 2)[2]


def marked(b: textdiff.BlockDiff) -> str:
    return "".join(p.text if p.op == "same" else f"[{'+' if p.op == 'ins' else '-'}{p.text}]"
                   for line in b.lines for p in line)


def test_rewriting_one_article_marks_only_that_article():
    old = body("2024.md")
    new = old.replace("第六条 垃圾分类投放，不乱倒乱扔；房前屋后保持整洁，不乱堆柴草。",
                      "第六条 生活垃圾按可回收物、有害垃圾、厨余垃圾和其他垃圾分类投放，每月评比一次。")
    diff = textdiff.compare(old, new)
    changed = [b for b in diff.blocks if b.op != "same"]
    assert [(b.op, b.label) for b in changed] == [("changed", "第六条")]
    assert all(p.op == "same" for b in diff.blocks if b.op == "same" for line in b.lines for p in line)
    assert marked(changed[0]).startswith("第六条 ")  # the number is not marked: the same article


def test_a_renumbered_article_is_paired_with_its_old_self_not_with_its_old_number():
    diff = textdiff.compare(body("2019.md"), body("2024.md"))
    ops = {b.label: b.op for b in diff.blocks}
    assert ops["第八条"] == "added" and ops["七字歌"] == "added"
    # The old 第八条 (附则) became 第九条: one changed article, its number marked inside.
    (last,) = [b for b in diff.blocks if b.label == "第九条"]
    assert last.op == "changed" and marked(last).startswith("第[-八][+九]条 本村规民约自村民会议通过之日起施行，")
    assert ops["第五条"] == "same" and ops["第三条"] == "changed"
    third = marked(next(b for b in diff.blocks if b.label == "第三条"))
    assert "不超过 [-30][+20] 桌[+，彩礼不超过 3 万元]，不大操大办" in third


def test_a_rewritten_compact_is_not_shredded():
    """Articles moved, one inserted at the top (every number shifts), one rewritten whole."""
    old = body("2024.md")
    articles = {n: line for line in old.split("\n") if (n := line[:3]) and line.startswith("第") and line[2:3] == "条"}
    new = old.replace(articles["第一条"], "第一条 村民享有平等的权利，履行同等的义务。\n\n"
                      + articles["第一条"].replace("第一条", "第二条"))
    new = new.replace(articles["第二条"], articles["第二条"].replace("第二条", "第三条"))
    new = new.replace(articles["第七条"], "第八条 严禁在溪流、水库电鱼、毒鱼、炸鱼，违者交有关部门处理。")
    diff = textdiff.compare(old, new)
    summary = [(b.op, b.label) for b in diff.blocks if b.op != "same"]
    assert ("added", "第一条") in summary
    assert ("changed", "第二条") in summary and ("changed", "第三条") in summary
    for b in diff.blocks:
        if b.op == "changed" and b.label in ("第二条", "第三条"):
            # Only the number moved: one character out, one in.
            assert (b.inserted, b.deleted) == (1, 1), marked(b)
    seventh = next(b for b in diff.blocks if b.label == "第八条" and b.op != "same" and "电鱼" in marked(b))
    # Rewritten beyond recognition: the old text struck whole, the new underlined whole, no shreds.
    pieces = [p for line in seventh.lines for p in line if p.op != "same"]
    assert len(pieces) <= 4, marked(seventh)
    assert diff.inserted < 80 and diff.deleted < 40


def test_semantic_cleanup_folds_short_equal_runs_into_one_change():
    pieces = textdiff.char_diff("红白喜事宴请不超过三十桌。", "红白喜事宴请一律不超过二十桌。")
    assert [(p.op, p.text) for p in pieces if p.op != "same"] == [("ins", "一律"), ("del", "三"), ("ins", "二")]
    # One character left between two changes is noise: 甲[乙→子]丙[丁→丑] reads as one change.
    pieces = textdiff.char_diff("甲乙丙丁戊", "甲子丙丑戊")
    assert [(p.op, p.text) for p in pieces] == [("same", "甲"), ("del", "乙丙丁"), ("ins", "子丙丑"), ("same", "戊")]
    # A number is one token: 118.50 -> 120.00, not 1[18.5 -> 20.0]0.
    pieces = textdiff.char_diff("每亩 118.50 元", "每亩 120.00 元")
    assert [(p.op, p.text) for p in pieces if p.op != "same"] == [("del", "118.50"), ("ins", "120.00")]


def test_table_rows_and_list_items_are_blocks_of_their_own():
    old = "| 姓名 | 金额 |\n| --- | --- |\n| 王某 | 300 |\n| 李某 | 200 |\n"
    new = "| 姓名 | 金额 |\n| --- | --- |\n| 王某 | 300 |\n| 李某 | 250 |\n"
    diff = textdiff.compare(old, new)
    assert [b.op for b in diff.blocks] == ["same", "same", "changed"]
    assert textdiff.compare("1. 甲\n2. 乙\n", "1. 甲\n2. 乙丙\n").changed[0].label.startswith("2.")


def test_chinese_numbers():
    assert [textdiff.number_value(t) for t in ("三", "十", "十二", "二十", "二十三", "一百零五", "12")] == \
        [3, 10, 12, 20, 23, 105, 12]


def test_the_mask_hides_exactly_what_the_scan_refuses():
    text = ("申请人王某，身份证号 330824198001011234，电话 １３８ ００００ １２３４。\n"
            "银行卡 6222 0212 3456 7890 128；办公电话 0570-7012345；公示期 2026-01-01 2026-03-31\n"
            "title: 说明：联系 13800001234")
    masked = privacy.mask(text, frozenset({"0570-7012345"}))
    assert "330824198001011234" not in masked and "［身份证号已隐去］" in masked
    assert "138****1234" in masked and "１３８" not in masked
    assert "［银行卡号已隐去］" in masked and "0570-7012345" in masked and "2026-01-01 2026-03-31" in masked
    assert "title: 说明：联系 138****1234" in masked  # the rest of the line is left as written
    found = Report()
    privacy.scan(Path("x"), masked, found, frozenset({"0570-7012345"}))
    assert found.items == []
