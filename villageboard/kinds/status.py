"""What a list says about an item beside its title (状态): 未通过, 已撤下, 已过公示期, 已修订.

A failed resolution listed like a passed one, or a revised notice listed like an untouched
one, misleads a villager who never opens it. So every listed item (notice, decision,
ledger, fund, compact version, withdrawn item) has a ``status`` property made here from
its model, and every list prints it the same way: a word and a symbol, so that it reads
without colour, in black-and-white print and to a screen reader (the symbol is hidden
from it, the word is read).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mark:
    """One thing a list must say about an item."""

    key: str  # failed, withdrawn, expired, revised: also the style's class name
    word: str  # what the villager reads
    symbol: str  # a shape that says the same without colour

    def __str__(self) -> str:
        return f"{self.symbol} {self.word}"


FAILED = Mark("failed", "未通过", "✗")  # 决议未通过: the matter is not carried out
WITHDRAWN = Mark("withdrawn", "已撤下", "⊘")  # 撤下: removed after publication, its address stays
EXPIRED = Mark("expired", "已过公示期", "◷")  # past ``expires``: kept for reference only
REVISED = Mark("revised", "已修订", "✎")  # changed after first publication (history.py)

ORDER = (WITHDRAWN, FAILED, EXPIRED, REVISED)  # the gravest first


@dataclass(frozen=True)
class Status:
    """An item's marks, gravest first; empty (false) for an item that is simply in force."""

    marks: tuple[Mark, ...] = ()

    @classmethod
    def of(cls, *, failed: bool = False, withdrawn: bool = False, expired: bool = False,
           revised: bool = False) -> "Status":
        if withdrawn:  # its text is no longer public: nothing else about it can be shown
            return cls((WITHDRAWN,))
        on = {FAILED: failed, EXPIRED: expired, REVISED: revised}
        return cls(tuple(m for m in ORDER if on.get(m)))

    def __bool__(self) -> bool:
        return bool(self.marks)

    def __iter__(self):
        return iter(self.marks)

    def has(self, mark: Mark) -> bool:
        return mark in self.marks

    @property
    def words(self) -> str:
        """The marks as plain text, e.g. for a feed title: 未通过、已修订."""
        return "、".join(m.word for m in self.marks)

    def titled(self, title: str) -> str:
        """A title that carries its status where no markup can: 〔未通过〕后山林地出租."""
        return f"〔{self.words}〕{title}" if self.marks else title


IN_FORCE = Status()
