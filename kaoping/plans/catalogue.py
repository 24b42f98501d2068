"""The indicator catalogue: a plan's tree as indented rows, read in a fixed number of queries.

A selector like those in selectors.py, kept apart because it shapes the tree: every
indicator of the plan is read at once (plans hold hundreds of rows, not millions), the
filters are applied in memory, and a filtered row keeps its ancestors as context so the
tree still reads. Owners' contact details are shown only for units in the reader's own data
scope (a town's reporter sees who answers for every indicator, but phones only of its own).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from kaoping.org.models import Unit
from kaoping.org.scopes import data_scope
from kaoping.plans.models import Assignment, Indicator, Plan


@dataclass(frozen=True)
class CatalogueFilters:
    """What the catalogue's filter form asks for."""

    category: str = ""
    source_level: str = ""
    query: str = ""
    lead_unit_id: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.category or self.source_level or self.query or self.lead_unit_id)

    def matches(self, indicator: Indicator, lead_unit_ids: set[int]) -> bool:
        if self.category and indicator.category != self.category:
            return False
        if self.source_level and indicator.source_level != self.source_level:
            return False
        if self.query:
            needle = self.query.casefold()
            if needle not in indicator.name.casefold() and needle not in indicator.code.casefold():
                return False
        return not (self.lead_unit_id and self.lead_unit_id not in lead_unit_ids)


@dataclass(frozen=True)
class OwnerLine:
    """One assignment of an indicator, and whether the reader may see its contact details."""

    assignment: Assignment
    show_contact: bool


@dataclass
class CatalogueRow:
    """One indicator in tree order; `matched` False means it is shown as context only."""

    indicator: Indicator
    depth: int
    matched: bool = True
    has_children: bool = False
    # The source level (省/市/县) is shown where it starts or changes, not on every row.
    show_source: bool = True
    owners: list[OwnerLine] = field(default_factory=list)


@dataclass
class Catalogue:
    rows: list[CatalogueRow]
    total: int
    matched: int
    lead_units: list[Unit]


def tree_order(indicators: Iterable[Indicator]) -> list[tuple[Indicator, int]]:
    """Indicators depth-first by (order, code), each with its depth (0 for the top)."""
    items = list(indicators)
    ids = {item.pk for item in items}
    children: dict[int | None, list[Indicator]] = defaultdict(list)
    for item in items:
        parent = item.parent_id if item.parent_id in ids else None
        children[parent].append(item)
    for siblings in children.values():
        siblings.sort(key=lambda i: (i.order, i.code))
    ordered: list[tuple[Indicator, int]] = []
    stack: list[tuple[Indicator, int]] = [(i, 0) for i in reversed(children[None])]
    while stack:
        item, depth = stack.pop()
        ordered.append((item, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(item.pk, [])))
    return ordered


def owner_lines(*, user: Any, assignments: Iterable[Assignment]) -> list[OwnerLine]:
    """Assignments with the contact flag: phones only for lead units in the user's own scope."""
    scope = data_scope(user)
    return [OwnerLine(a, scope.everything or a.lead_unit_id in scope.unit_ids) for a in assignments]


def catalogue_for(*, user: Any, plan: Plan, filters: CatalogueFilters) -> Catalogue:
    """The plan's indicator tree for the user, filtered; a constant number of queries."""
    indicators = list(
        Indicator.objects.for_user(user)
        .filter(plan=plan)
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related(
                    "lead_unit", "responsible_leader", "responsible_person"
                ).order_by("lead_unit__path"),
            )
        )
    )
    ordered = tree_order(indicators)
    parents = {i.parent_id for i in indicators if i.parent_id}
    by_id = {i.pk: i for i in indicators}
    lead_units: dict[int, Unit] = {}
    matched_ids: set[int] = set()
    for indicator in indicators:
        assignments = list(indicator.assignments.all())
        for a in assignments:
            lead_units.setdefault(a.lead_unit_id, a.lead_unit)
        if filters.matches(indicator, {a.lead_unit_id for a in assignments}):
            matched_ids.add(indicator.pk)
    shown = set(matched_ids)
    if filters.active:
        for pk in matched_ids:
            parent_id = by_id[pk].parent_id
            while parent_id and parent_id in by_id and parent_id not in shown:
                shown.add(parent_id)
                parent_id = by_id[parent_id].parent_id
    rows = [
        CatalogueRow(
            indicator=indicator,
            depth=depth,
            matched=indicator.pk in matched_ids,
            has_children=indicator.pk in parents,
            show_source=indicator.parent_id not in by_id
            or by_id[indicator.parent_id].source_level != indicator.source_level,
            owners=owner_lines(user=user, assignments=indicator.assignments.all()),
        )
        for indicator, depth in ordered
        if indicator.pk in shown
    ]
    return Catalogue(
        rows=rows,
        total=len(indicators),
        matched=len(matched_ids),
        lead_units=sorted(lead_units.values(), key=lambda u: u.path),
    )
