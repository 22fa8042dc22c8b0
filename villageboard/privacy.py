"""Personal numbers that must never reach a public board.

Prosecutors have sued over village boards that showed full ID-card, bank-card and
mobile numbers (see shared/domain.md §6), so these are build errors, not warnings.
A number in ``public_phones`` (an office line) may stand; a household's ``phone`` field
is the one place a private mobile may be written, and it is always shown masked.
"""
from __future__ import annotations

import re
from pathlib import Path

from .diagnostics import Report

ID_RE = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])")
MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
CARD_RE = re.compile(r"(?<!\d)(?:\d[ -]?){15,18}\d(?!\d)")
PHONE_FIELD_RE = re.compile(r"^\s*phone\s*:")
# Every number we look for has at least 11 digits, possibly with spaces or dashes between.
CANDIDATE_RE = re.compile(r"(?:\d[ -]?){10}\d")


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mask_phone(number: str, public: frozenset[str] = frozenset()) -> str:
    """138****1234 for a mobile; office lines listed in ``public_phones`` stay whole."""
    if number in public or digits(number) in {digits(p) for p in public}:
        return number
    d = digits(number)
    if len(d) < 8:
        return "*" * len(d)
    return d[:3] + "*" * (len(d) - 7) + d[-4:]


def scan(path: Path, text: str, report: Report, public_phones: frozenset[str],
         first_line: int = 1, allow_phone_field: bool = False) -> None:
    """Report every ID-card, mobile or bank-card number in ``text``."""
    if not CANDIDATE_RE.search(text):
        return
    public_digits = {digits(p) for p in public_phones}
    for offset, line in enumerate(text.split("\n")):
        lineno = first_line + offset
        for m in ID_RE.finditer(line):
            report.error(path, lineno, "E-PRIVACY-ID",
                         f"这里有身份证号（{m.group()[:6]}…），公开栏不得出现身份证号，请删去或只写姓名")
        cleaned = ID_RE.sub(" ", line)
        phone_field = allow_phone_field and PHONE_FIELD_RE.match(line)
        for m in MOBILE_RE.finditer(cleaned):
            number = "".join(m.groups())
            if number in public_digits or phone_field:
                continue
            report.error(path, lineno, "E-PRIVACY-PHONE",
                         f"这里有手机号（{number[:3]}****{number[-4:]}），个人手机号不得公开；"
                         "办公电话请加入 village.yaml 的 public_phones")
        for m in CARD_RE.finditer(MOBILE_RE.sub(" ", cleaned)):
            number = digits(m.group())
            if 16 <= len(number) <= 19 and luhn_ok(number) and number not in public_digits:
                report.error(path, lineno, "E-PRIVACY-BANKCARD",
                             f"这里有银行卡号（尾号 {number[-4:]}），公开栏不得出现银行卡号")
