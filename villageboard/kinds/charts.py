"""Charts drawn at build time as inline SVG: no chart script, nothing to download.

Phones on 2G and the offline kiosk get the picture with the page. The charts must read
without colour (printed in black, seen by colour-blind eyes): income is solid,
expenditure is hatched, the balance is a line with round markers, every series is
named in words, and the page carries the same numbers as a table. Coordinates are
computed with ``Decimal`` like the amounts themselves and never go through float.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from villageboard.reading.chinese_amounts import yuan

from markupsafe import Markup, escape

INK, INCOME_FILL, EXPENSE_INK, BALANCE_INK = "#1a1a1a", "#0b4a8b", "#a8071a", "#1a1a1a"
TENTH = Decimal("0.1")


def _n(value) -> str:
    """A coordinate: one decimal at most, so long digit runs never look like numbers to hide."""
    text = str(Decimal(value).quantize(TENTH))
    return text[:-2] if text.endswith(".0") else text


def _money(value: Decimal) -> str:
    return yuan(value)


def _hatch(pattern_id: str) -> str:
    return (f'<pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{EXPENSE_INK}" stroke-width="3"/></pattern>')


def _nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2 or 5 × 10^k not below ``value`` (the top of the axis)."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    for step in (1, 2, 5, 10):
        top = Decimal(step).scaleb(exponent)
        if top >= value:
            return top
    return Decimal(10).scaleb(exponent)


def category_bars(groups: list[tuple[str, list[tuple[str, Decimal]], bool]], title: str,
                  chart_id: str) -> Markup:
    """Horizontal bars, one per 科目, under a heading per side (收入, 支出).

    ``groups`` is [(heading, [(label, amount)], hatched)]; all bars share one scale so
    the two sides can be compared by eye.
    """
    width, bar_h, row_h, head_h = 320, 14, 44, 34
    largest = max([a for _, rows, _ in groups for _, a in rows] or [Decimal(0)])
    hatch_id = f"hatch-{chart_id}"
    parts, y = [], 0
    for heading, rows, hatched in groups:
        y += head_h
        parts.append(f'<text x="0" y="{y - 10}" font-size="16" font-weight="bold" fill="{INK}">{escape(heading)}</text>')
        if not rows:
            y += 24
            parts.append(f'<text x="0" y="{y - 8}" font-size="15" fill="{INK}">本期没有</text>')
            continue
        for label, amount in rows:
            y += row_h
            bar_w = max(Decimal(2), amount / largest * width) if largest > 0 else Decimal(2)
            fill = f"url(#{hatch_id})" if hatched else INCOME_FILL
            stroke = EXPENSE_INK if hatched else INCOME_FILL
            parts.append(
                f'<text x="0" y="{y - bar_h - 10}" font-size="15" fill="{INK}">{escape(label)}</text>'
                f'<text x="{width}" y="{y - bar_h - 10}" font-size="15" fill="{INK}" text-anchor="end">'
                f'{_money(amount)} 元</text>'
                f'<rect x="0" y="{y - bar_h - 4}" width="{_n(bar_w)}" height="{bar_h}" fill="{fill}" '
                f'stroke="{stroke}" stroke-width="1.5"/>')
    height = y + 6
    desc = "；".join(f"{h}：" + "，".join(f"{l} {_money(a)} 元" for l, a in rows) for h, rows, _ in groups)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>'
        f'<defs>{_hatch(hatch_id)}</defs>{"".join(parts)}</svg>')


@dataclass
class TrendPoint:
    label: str  # "2026|三季度": the part before | is the first line
    income: Decimal
    expenditure: Decimal
    closing: Decimal


def _axis_label(value: Decimal) -> str:
    """A gridline's value exactly as it stands (1.25万, 0.5): rounded, 1.2万 named the line at 1.25万."""
    if value >= 10000:
        return f"{_exact(value / 10000)}万"
    return _exact(value, ",")


def _exact(value: Decimal, grouping: str = "") -> str:
    return format(value.normalize(), grouping + "f")


def trend_chart(points: list[TrendPoint], title: str, chart_id: str = "trend") -> Markup:
    """Income and expenditure bars per period with the closing balance as a line."""
    group_w, left, right, top, bottom = 72, 48, 8, 44, 48
    plot_h = 190
    width = left + right + group_w * max(len(points), 4)
    height = top + plot_h + bottom
    values = [v for p in points for v in (p.income, p.expenditure, p.closing)]
    ceiling = _nice_ceiling(max(values + [Decimal(0)]))

    def y_of(value: Decimal) -> Decimal:
        value = min(max(value, Decimal(0)), ceiling)  # an overdrawn balance sits on the axis
        return top + plot_h - value / ceiling * plot_h

    hatch_id = f"hatch-{chart_id}"
    parts = [  # legend first: the words say which mark is which, colour only helps
        f'<rect x="0" y="6" width="16" height="16" fill="{INCOME_FILL}"/>'
        f'<text x="22" y="20" font-size="15" fill="{INK}">收入（实心）</text>'
        f'<rect x="120" y="6" width="16" height="16" fill="url(#{hatch_id})" stroke="{EXPENSE_INK}" stroke-width="1.5"/>'
        f'<text x="142" y="20" font-size="15" fill="{INK}">支出（斜线）</text>'
        f'<line x1="240" y1="14" x2="262" y2="14" stroke="{BALANCE_INK}" stroke-width="2.5"/>'
        f'<circle cx="251" cy="14" r="4.5" fill="#fff" stroke="{BALANCE_INK}" stroke-width="2.5"/>'
        f'<text x="268" y="20" font-size="15" fill="{INK}">期末余额</text>'
    ]
    for i in range(5):
        value = ceiling * i / 4
        y = _n(y_of(value))
        parts.append(f'<line x1="{left}" y1="{y}" x2="{width - right}" y2="{y}" stroke="#bbb" stroke-width="1"/>'
                     f'<text x="{left - 6}" y="{_n(y_of(value) + 5)}" font-size="13" text-anchor="end" '
                     f'fill="{INK}">{_axis_label(value)}</text>')
    line_points = []
    for i, p in enumerate(points):
        gx = left + group_w * i
        base = top + plot_h
        for offset, value, fill, stroke in ((12, p.income, INCOME_FILL, INCOME_FILL),
                                            (38, p.expenditure, f"url(#{hatch_id})", EXPENSE_INK)):
            y = y_of(value)
            parts.append(f'<rect x="{gx + offset}" y="{_n(y)}" width="22" height="{_n(base - y)}" fill="{fill}" '
                         f'stroke="{stroke}" stroke-width="1.5"/>')
        cx = gx + group_w // 2
        line_points.append((cx, y_of(p.closing)))
        first, _, second = p.label.partition("|")
        parts.append(f'<text x="{cx}" y="{base + 20}" font-size="13" text-anchor="middle" fill="{INK}">{escape(first)}</text>'
                     f'<text x="{cx}" y="{base + 38}" font-size="13" text-anchor="middle" fill="{INK}">{escape(second)}</text>')
    if line_points:
        path = " ".join(f"{x},{_n(y)}" for x, y in line_points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{BALANCE_INK}" stroke-width="2.5"/>')
        parts += [f'<circle cx="{x}" cy="{_n(y)}" r="4.5" fill="#fff" stroke="{BALANCE_INK}" stroke-width="2.5"/>'
                  for x, y in line_points]
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{INK}" stroke-width="1.5"/>')
    desc = "；".join(f"{p.label.replace('|', '年')}：收入 {_money(p.income)} 元，支出 {_money(p.expenditure)} 元，"
                    f"期末余额 {_money(p.closing)} 元" for p in points)
    return Markup(
        f'<svg class="chart trend" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>'
        f'<defs>{_hatch(hatch_id)}</defs>{"".join(parts)}</svg>')
