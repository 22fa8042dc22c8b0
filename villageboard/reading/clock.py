"""Beijing time (北京时间), the one clock of the board.

A day on the board is a day in China: a commit made at 07:30 on 3 June in Beijing is a change
of 3 June, whether git wrote it as 2026-06-02T23:30:00+00:00 (a laptop or CI runner set to UTC)
or as +08:00; and a notice to be published on 3 June is published by a build run that morning,
whatever time zone the machine that runs it is set to.
"""
from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8))


def in_china(moment: dt.datetime) -> dt.datetime:
    """``moment`` (with its zone, as git writes it) as a clock in China shows it."""
    return moment.astimezone(CHINA)


def today() -> dt.date:
    """Today's date in China."""
    return dt.datetime.now(CHINA).date()
