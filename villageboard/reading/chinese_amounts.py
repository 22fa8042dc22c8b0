"""Amounts in Chinese capitals (大写金额), as the accounting rules ask for them.

《会计基础工作规范》第52条: the digits are 零壹贰叁肆伍陆柒捌玖 with the units
拾佰仟万亿 and 元角分; 整 follows 元 (and may follow 角) but never 分; a run of
zeros inside the number is written as one 零. A zero at the end of a 万 or 亿 group is
swallowed by the unit (104,340 is 壹拾万肆仟叁佰肆拾, not 壹拾万零肆仟…), while zeros
leading a lower group are read (10,005 is 壹万零伍). A leading ten is 壹拾, never a
bare 拾, so that nothing can be written in front of it.

Only ``decimal.Decimal`` goes in: the amount is split into whole 分 once and never
touches binary floating point.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")


def _group(number: int) -> str:
    """0 < number < 10000, without the zeros that lead or trail it."""
    text, zero = "", False
    for place in range(3, -1, -1):
        digit = number // 10 ** place % 10
        if digit == 0:
            zero = bool(text)  # only a zero between two written digits is read
            continue
        if zero:
            text += "零"
            zero = False
        text += DIGITS[digit] + PLACES[place]
    return text


def _yuan(number: int) -> str:
    """Whole yuan: 万 inside 亿, and 亿 repeated for larger amounts (壹万亿, 壹亿亿), never an error."""
    if number >= 10 ** 8:
        high, low = divmod(number, 10 ** 8)
        return _yuan(high) + "亿" + (("零" if low < 10 ** 7 else "") + _yuan(low) if low else "")
    high, low = divmod(number, 10 ** 4)
    if not high:
        return _group(low)
    return _group(high) + "万" + (("零" if low < 1000 else "") + _group(low) if low else "")


def yuan(value: Decimal) -> str:
    """1234.5 -> 1,234.50, always to the fen; never "-0.00" (a negative zero reads as a debt)."""
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP) + 0:,.2f}"


def capitals(amount: Decimal) -> str:
    """1680.32 -> 壹仟陆佰捌拾元叁角贰分; 98000 -> 玖万捌仟元整; 0 -> 零元整."""
    if not isinstance(amount, Decimal):
        raise TypeError("capitals() takes a decimal.Decimal")
    fen_total = int((abs(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    sign = "负" if amount < 0 and fen_total else ""
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    text = _yuan(yuan) + "元" if yuan else ""
    if not jiao and not fen:
        return sign + (text or "零元") + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif text:  # 10005.05: the empty 角 between 元 and 分 is read as 零
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    return sign + text


def with_prefix(amount: Decimal) -> str:
    """人民币壹佰万元整: the prefix stands right before the amount, without a gap."""
    return "人民币" + capitals(amount)
