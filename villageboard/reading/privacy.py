"""Personal numbers that must never reach a public board.

Prosecutors have sued over village boards that showed full ID-card, bank-card and
mobile numbers (see shared/domain.md §6), so these are build errors, not warnings.
A number in ``public_phones`` (an office line) may stand; a household's ``phone`` field
is the one place a private mobile may be written, and it is always shown masked.

Clerks type numbers the way Chinese input methods and spreadsheets hand them over:
full-width digits, ``+86`` in front, groups split by spaces, dots, hyphens, dashes,
slashes, no-break, ideographic or zero-width spaces. So each line is normalised first
(NFKC, every space a plain space, invisible characters dropped), and the patterns allow
a few separators between any two digits.
"""
from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from villageboard.reading.diagnostics import Report

# What stands between the groups of a number as clerks write them: spaces (several, where a table
# was pasted), dots, hyphens and the dashes input methods give (‐ – — −), slashes, underscores,
# middle dots and brackets; up to three of them, for " - " and " / ".
_GAP = r"[ .\-_/()\u00b7\u2010-\u2015\u2212\u2022\u2027\u30fb]"
_S = _GAP + "{0,3}"
_SEPARATOR = re.compile(_GAP + "+")


def _digits(*each: str) -> str:
    """One digit after another, each a class (``\\d``, ``[1-9]``), with a separator allowed between
    any two: an ID number is written in groups of every size (330824 19800101 1234 as the card
    parts it, 3308 2419 8001 0112 34 as a form's boxes or a voice reads it)."""
    return _S.join(each)


_ANY = r"\d"
_MONTH = rf"(?:{_digits('0', '[1-9]')}|{_digits('1', '[0-2]')})"
_DAY = rf"(?:{_digits('0', '[1-9]')}|{_digits('[12]', _ANY)}|{_digits('3', '[01]')})"
_PLACE = _digits("[1-9]", *[_ANY] * 5)
# Bounded by digits only, as the other numbers: a letter written against one (ID330824…, …123Xabc)
# does not make it any less a person's number.
ID18_RE = re.compile(rf"(?<![0-9]){_PLACE}{_S}(?:{_digits('1', '[89]')}|{_digits('2', '0')}){_S}{_digits(_ANY, _ANY)}"
                     rf"{_S}{_MONTH}{_S}{_DAY}{_S}{_digits(_ANY, _ANY, _ANY, '[0-9Xx]')}(?![0-9])")
ID15_RE = re.compile(rf"(?<![0-9]){_PLACE}{_S}{_digits(_ANY, _ANY)}{_S}{_MONTH}{_S}{_DAY}{_S}{_digits(_ANY, _ANY, _ANY)}"
                     rf"(?![0-9])")
MOBILE_RE = re.compile(rf"(?<![0-9])(?:(?:\+|00)?86{_S})?({_digits('1', '[3-9]', _ANY)}){_S}({_digits(*[_ANY] * 4)})"
                       rf"{_S}({_digits(*[_ANY] * 4)})(?![0-9])")
# A card's digits are no structure to check but Luhn's, which one run of digits in ten passes: so
# only the separators cards are printed with, lest a table of amounts aligned by spaces be a card.
CARD_RE = re.compile(r"(?<![0-9])\d(?:[ .\-]?\d){15,18}(?![0-9])")
# A UnionPay card (银联卡, 62…) as printed, in fours, may have any separators: that is no table.
UNIONPAY_RE = re.compile(rf"(?<![0-9])62\d\d(?:{_S}\d{{4}}){{3}}(?:{_S}\d{{1,3}})?(?![0-9])")
# Two dates side by side (a period such as 2026-01-01 2026-03-31) are not a bank card.
DATES_RE = re.compile(r"^\d{4}[ .\-]?\d{2}[ .\-]?\d{2}(?:[ .\-]+\d{4}[ .\-]?\d{2}[ .\-]?\d{2})+$")
PHONE_FIELD_RE = re.compile(r"^phone\s*:")  # the top-level key only, never a line inside a text block
# Any line that could hold one: eleven digits (any script) with at most a few characters between them.
CANDIDATE_RE = re.compile(r"\d(?:[^\d\n]{0,3}\d){10}")
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
SPACES_RE = re.compile(r"\s")


def digits(text: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text))


def normalise(line: str) -> str:
    """What the patterns see: ASCII digits, plain spaces, no invisible characters."""
    return SPACES_RE.sub(" ", unicodedata.normalize("NFKC", line.translate(INVISIBLE)))


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _valid_birth(text: str) -> bool:
    d = re.sub(r"\D", "", text)
    try:
        dt.date(int(d[:4]), int(d[4:6]), int(d[6:8]))
        return True
    except ValueError:
        return False


def mask_phone(number: str, public: frozenset[str] = frozenset()) -> str:
    """138****1234 for a mobile; office lines listed in ``public_phones`` stay whole.

    A shorter number shows at most its last four digits, and a number of four digits or
    fewer shows none, so a mask never gives most of a number away.
    """
    if number in public or digits(number) in {digits(p) for p in public}:
        return number
    d = digits(number)
    if len(d) >= 11:
        return d[:3] + "*" * (len(d) - 7) + d[-4:]
    if len(d) > 4:
        return "*" * (len(d) - 4) + d[-4:]
    return "*" * len(d)


@dataclass(frozen=True)
class Found:
    """A personal number in a normalised line: its kind (id, mobile, card), span and digits."""

    kind: str
    start: int
    end: int
    number: str


def find(line: str, public_digits: set[str], phone_field: bool = False) -> list[Found]:
    """Every personal number in ``line`` (already normalised); office lines and a phone field pass."""
    found = [Found("id", m.start(), m.end(), number) for m in ID18_RE.finditer(line)
             if _valid_birth((number := digits(m.group()))[6:14])]
    cleaned = _blanked(line, found)
    found += [Found("id", m.start(), m.end(), digits(m.group())) for m in ID15_RE.finditer(cleaned)]
    cleaned = _blanked(cleaned, found)
    for m in MOBILE_RE.finditer(cleaned):
        number = digits("".join(m.groups()))
        if number in public_digits or digits(m.group()) in public_digits or phone_field:
            continue
        if min(map(len, _SEPARATOR.split(m.group()[m.start(1) - m.start():]))) < 3:
            continue  # small numbers side by side (得票 15 20 30 40 50 6), not a number grouped to be read
        found.append(Found("mobile", m.start(), m.end(), number))
    # Same length as ``cleaned``: a mobile becomes spaces, so spans stay those of the line.
    without_mobiles = MOBILE_RE.sub(lambda m: " " * len(m.group()), cleaned)
    for m in CARD_RE.finditer(without_mobiles):
        number = digits(m.group())
        if luhn_ok(number) and number not in public_digits and not DATES_RE.match(m.group()):
            found.append(Found("card", m.start(), m.end(), number))
    for m in UNIONPAY_RE.finditer(_blanked(without_mobiles, found)):
        if luhn_ok(number := digits(m.group())) and number not in public_digits:
            found.append(Found("card", m.start(), m.end(), number))
    return found


def _blanked(line: str, found: list[Found]) -> str:
    """``line`` with what was found made spaces: the same length, so spans stay those of the line,
    and no part of one number is found again as another."""
    for f in found:
        line = line[:f.start] + " " * (f.end - f.start) + line[f.end:]
    return line


def scan(path: Path, text: str, report: Report, public_phones: frozenset[str],
         first_line: int = 1, allow_phone_field: bool = False, where: str = "这里") -> None:
    """Report every ID-card, mobile or bank-card number in ``text``; ``where`` names the place."""
    public_digits = _public_digits(public_phones)
    # Only the lines holding a candidate are looked at closely (a candidate never spans two lines):
    # a rendered page has a hundred lines, and is scanned once per page.
    offset, at, last = 0, 0, -1
    for candidate in CANDIDATE_RE.finditer(text):
        offset += text.count("\n", at, candidate.start())
        at = candidate.start()
        if offset == last:
            continue
        last = offset
        end = text.find("\n", at)
        raw = text[text.rfind("\n", 0, at) + 1:end if end >= 0 else len(text)]
        lineno = first_line + offset
        phone_field = bool(allow_phone_field and PHONE_FIELD_RE.match(raw))
        for f in _found_in(raw, public_digits, phone_field):
            _say(report, path, lineno, f, where)


def scan_shown(path: Path, text: str, shown: str, report: Report, public_phones: frozenset[str],
               first_line: int = 1) -> None:
    """Every number that only ``shown``, the text of Markdown ``text`` as a reader sees it, holds
    whole: formatting or HTML between its digits (**138** 0013 8000, 1<span></span>38…, &#49;38…, a
    number split over two cells of a table) hides it from ``scan`` of the text as written. Reported
    at the line holding all its digits, else its last four, else at the text's first line."""
    if not CANDIDATE_RE.search(shown):
        return
    public_digits = _public_digits(public_phones)
    lines = text.split("\n")
    held = [digits(html.unescape(line)) for line in lines]
    taken: dict[tuple[int, str], int] = {}  # how many of each number each line was given
    at = 0  # the numbers come in the order of the text: each at its line or after the last one's
    for f in sorted(find(normalise(shown), public_digits), key=lambda f: f.start):
        at = next((n for n in range(at, len(held)) if held[n].count(f.number) > taken.get((n, f.number), 0)),
                  next((n for n in range(at, len(held)) if f.number[-4:] in held[n]), at))
        taken[at, f.number] = taken.get((at, f.number), 0) + 1
        if at < len(lines) and any(w.number == f.number for w in _found_in(lines[at], public_digits, False)):
            continue  # written whole on its line: ``scan`` says it there
        _say(report, path, first_line + at, f, "这里在网页上显示时")


def _say(report: Report, path: Path, lineno: int, f: Found, where: str) -> None:
    if f.kind == "id":
        report.error(path, lineno, "E-PRIVACY-ID",
                     f"{where}有身份证号（{f.number[:6]}…），公开栏不得出现身份证号，请删去或只写姓名")
    elif f.kind == "mobile":
        report.error(path, lineno, "E-PRIVACY-PHONE",
                     f"{where}有手机号（{f.number[:3]}****{f.number[-4:]}），个人手机号不得公开；"
                     "办公电话请加入 village.yaml 的 public_phones")
    else:
        report.error(path, lineno, "E-PRIVACY-BANKCARD",
                     f"{where}有银行卡号（尾号 {f.number[-4:]}），公开栏不得出现银行卡号")


def _public_digits(public_phones) -> frozenset[str]:
    public_phones = frozenset(public_phones)  # the same object when it is one already
    found = _PUBLIC.get(public_phones)
    if found is None:
        found = _PUBLIC[public_phones] = frozenset(digits(p) for p in public_phones)
    return found


def _found_in(raw: str, public_digits: frozenset[str], phone_field: bool) -> tuple[Found, ...]:
    """``find`` on a line as written, remembered: the lines that hold a number are nearly all the
    same few on every page (the footer's office line, a revision's date and time), and a build
    scans thousands of pages."""
    key = (raw, public_digits, phone_field)
    found = _FOUND.get(key)
    if found is None:
        if len(_FOUND) >= 4096:  # a bound, not a cache policy: a village's distinct lines are few
            _FOUND.clear()
        found = _FOUND[key] = tuple(find(normalise(raw), public_digits, phone_field))
    return found


_PUBLIC: dict[frozenset, frozenset] = {}
_FOUND: dict[tuple, tuple] = {}


ID_SHOWN = "［身份证号已隐去］"
CARD_SHOWN = "［银行卡号已隐去］"


def mask(text: str, public_phones: frozenset[str] = frozenset()) -> str:
    """``text`` with every number ``scan`` would report hidden, the rest left exactly as written.

    For texts that are shown but cannot be corrected any more (old versions in git): an ID or
    bank-card number becomes a bracketed word, a mobile 138****1234 like a household's phone.
    The line is searched in its normalised form, and each find is mapped back to the
    characters the clerk typed, so full-width or spaced-out numbers are hidden too.
    """
    if not CANDIDATE_RE.search(text):
        return text
    public_digits = {digits(p) for p in public_phones}
    lines = text.split("\n")
    for n, raw in enumerate(lines):
        if not CANDIDATE_RE.search(raw):
            continue
        seen, where = _normalise_mapped(raw)
        # Right to left, so earlier spans keep their places while the line is rewritten.
        for f in sorted(find(seen, public_digits), key=lambda f: f.start, reverse=True):
            start, end = where[f.start], where[f.end - 1] + 1
            shown = ID_SHOWN if f.kind == "id" else CARD_SHOWN if f.kind == "card" else \
                f.number[:3] + "****" + f.number[-4:]
            raw = raw[:start] + shown + raw[end:]
        lines[n] = raw
    return "\n".join(lines)


def _normalise_mapped(raw: str) -> tuple[str, list[int]]:
    """``normalise`` character by character, with the index in ``raw`` of each character it gives."""
    out, where = [], []
    for i, ch in enumerate(raw):
        if ord(ch) in INVISIBLE:
            continue
        for c in unicodedata.normalize("NFKC", ch):
            out.append(" " if SPACES_RE.match(c) else c)
            where.append(i)
    return "".join(out), where


def mask_old(text: str, public_phones: frozenset[str] = frozenset(), phone_field: bool = False) -> tuple[str, bool]:
    """``mask`` for a text of git's history, and whether it hid a number that was not allowed where
    it stood: a household's own ``phone:`` (``phone_field``) is masked but was no leak."""
    shown = mask(text, public_phones)
    if shown == text or not phone_field:
        return shown, shown != text
    kept = "\n".join(line for line in text.split("\n") if not PHONE_FIELD_RE.match(line))
    return shown, mask(kept, public_phones) != kept
