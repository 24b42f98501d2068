"""Reporting periods: a year (`2022`), a quarter (`2022Q3`) or a month (`2022-09`).

Pure calculations (no ORM, no clock). Reported values are cumulative from the start of the
year, so most arithmetic is about how many months of the year a period covers.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Literal

from django.utils.translation import gettext_lazy as _

from kaoping.core.errors import ApplicationError

Kind = Literal["year", "quarter", "month"]

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
MIN_YEAR, MAX_YEAR = 1949, 2200


class PeriodError(ApplicationError):
    """A period string that is not a year, quarter or month."""


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period; `index` is the quarter (1-4) or month (1-12), 1 for a year."""

    year: int
    kind: Kind
    index: int = 1

    def __post_init__(self) -> None:
        limit = {"year": 1, "quarter": 4, "month": 12}[self.kind]
        if not (MIN_YEAR <= self.year <= MAX_YEAR) or not (1 <= self.index <= limit):
            raise PeriodError(_("Not a valid period: %(value)s") % {"value": repr(self)})

    # --- parsing and display -----------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> Period:
        """Read `2022`, `2022Q3` or `2022-09`; anything else raises PeriodError."""
        value = (text or "").strip()
        try:
            if m := _YEAR.match(value):
                return cls(int(m[1]), "year")
            if m := _QUARTER.match(value):
                return cls(int(m[1]), "quarter", int(m[2]))
            if m := _MONTH.match(value):
                return cls(int(m[1]), "month", int(m[2]))
        except PeriodError:
            pass
        raise PeriodError(
            _("“%(value)s” is not a period: write 2022, 2022Q3 or 2022-09.") % {"value": value}
        )

    def __str__(self) -> str:
        if self.kind == "year":
            return f"{self.year}"
        if self.kind == "quarter":
            return f"{self.year}Q{self.index}"
        return f"{self.year}-{self.index:02d}"

    def label(self) -> str:
        """The Chinese label used in reports: 2022年第三季度, 2022年9月, 2022年."""
        if self.kind == "year":
            return f"{self.year}年"
        if self.kind == "quarter":
            return f"{self.year}年第{'一二三四'[self.index - 1]}季度"
        return f"{self.year}年{self.index}月"

    # --- calendar ------------------------------------------------------------------------
    @property
    def first_month(self) -> int:
        return {"year": 1, "quarter": 3 * self.index - 2, "month": self.index}[self.kind]

    @property
    def last_month(self) -> int:
        return {"year": 12, "quarter": 3 * self.index, "month": self.index}[self.kind]

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.last_month, calendar.monthrange(self.year, self.last_month)[1])

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def months_elapsed(self) -> int:
        """Months of the year that have passed at the end of this period (Q3 → 9)."""
        return self.last_month

    @property
    def elapsed_share(self) -> Fraction:
        """Linear expected progress e_lin(t) = months elapsed / 12, exact."""
        return Fraction(self.months_elapsed, 12)

    # --- neighbours ----------------------------------------------------------------------
    def same_period_last_year(self) -> Period:
        """The period a year before (同期), e.g. 2021Q3 for 2022Q3."""
        return Period(self.year - 1, self.kind, self.index)

    def previous(self) -> Period:
        """The period before, of the same kind (2022Q1 → 2021Q4)."""
        if self.kind == "year" or self.index == 1:
            last = {"year": 1, "quarter": 4, "month": 12}[self.kind]
            return Period(self.year - 1, self.kind, last)
        return Period(self.year, self.kind, self.index - 1)

    def next(self) -> Period:
        """The period after, of the same kind (2022Q4 → 2023Q1)."""
        limit = {"year": 1, "quarter": 4, "month": 12}[self.kind]
        if self.index == limit:
            return Period(self.year + 1, self.kind, 1)
        return Period(self.year, self.kind, self.index + 1)

    def year_to_date(self) -> Iterator[Period]:
        """The periods of this kind from the start of the year up to and including this one."""
        for index in range(1, self.index + 1):
            yield Period(self.year, self.kind, index)

    @classmethod
    def containing(cls, day: date, kind: Kind) -> Period:
        """The period of a kind that contains a day."""
        if kind == "year":
            return cls(day.year, "year")
        if kind == "quarter":
            return cls(day.year, "quarter", (day.month - 1) // 3 + 1)
        return cls(day.year, "month", day.month)

    @classmethod
    def all_in_year(cls, year: int, kind: Kind) -> list[Period]:
        """Every period of a kind in a year, in order."""
        count = {"year": 1, "quarter": 4, "month": 12}[kind]
        return [cls(year, kind, index) for index in range(1, count + 1)]
