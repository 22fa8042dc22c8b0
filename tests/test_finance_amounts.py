"""Chinese capital amounts (大写金额): the issue's examples, the accounting rules, and
thousands of generated amounts read back by an independent parser."""
from __future__ import annotations

import random
import re
from decimal import Decimal

import pytest

from villageboard.reading.chinese_amounts import capitals, with_prefix

EXAMPLES = {
    "1680.32": "壹仟陆佰捌拾元叁角贰分",
    "98000.00": "玖万捌仟元整",
    "10005.05": "壹万零伍元零伍分",
    "1000000.00": "壹佰万元整",
    "104340.50": "壹拾万肆仟叁佰肆拾元伍角",
    "50000.00": "伍万元整",
    "425.03": "肆佰贰拾伍元零叁分",
    "25000.00": "贰万伍仟元整",
    "0.05": "伍分",
    "0.30": "叁角",
    "0.00": "零元整",
    "10.00": "壹拾元整",
    "100010.00": "壹拾万零壹拾元整",
    "100000001.00": "壹亿零壹元整",
    "1004.56": "壹仟零肆元伍角陆分",
}


@pytest.mark.parametrize("amount, expected", sorted(EXAMPLES.items()))
def test_examples_come_out_right(amount, expected):
    assert capitals(Decimal(amount)) == expected


def test_prefix_stands_right_before_the_amount():
    assert with_prefix(Decimal("98000")) == "人民币玖万捌仟元整"


def test_floats_are_refused():
    with pytest.raises(TypeError):
        capitals(1680.32)


DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
SMALL = {"拾": 10, "佰": 100, "仟": 1000}


def read_back(text: str) -> int:
    """An independent reader: 大写 text -> amount in 分 (fen)."""
    assert not text.startswith("负")
    yuan_part, _, rest = text.partition("元") if "元" in text else ("", "", text)
    total = section = digit = 0
    for ch in yuan_part:
        if ch in DIGIT:
            digit = DIGIT[ch]
        elif ch in SMALL:
            section += digit * SMALL[ch]
            digit = 0
        elif ch == "万":
            total += (section + digit) * 10_000
            section = digit = 0
        elif ch == "亿":
            total = (total + section + digit) * 100_000_000
            section = digit = 0
    fen = (total + section + digit) * 100
    jiao = re.search(r"(.)角", rest)
    cents = re.search(r"(.)分", rest)
    return fen + (DIGIT[jiao.group(1)] * 10 if jiao else 0) + (DIGIT[cents.group(1)] if cents else 0)


def test_thousands_of_amounts_read_back_and_follow_the_rules():
    rng = random.Random(20261122)
    amounts = [rng.randrange(0, 10 ** rng.randint(1, 12)) for _ in range(5000)]
    amounts += [n * 10 ** k for n in range(1, 20) for k in range(0, 11)]  # runs of zeros
    for fen in amounts:
        text = capitals(Decimal(fen) / 100)
        assert read_back(text) == fen, (fen, text)
        assert "零零" not in text, text
        assert not text.endswith("分整"), text  # 整 never follows 分
        assert text.endswith(("整", "角", "分")), text
        if fen:
            assert not re.search(r"零[元万亿角]", text), text  # a zero is never read right before a unit
        if fen >= 100:
            assert not text.startswith("拾"), text  # a leading ten is 壹拾
        if fen % 100 == 0:
            assert text.endswith("元整"), text
