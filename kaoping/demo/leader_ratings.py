"""The demo county's 2022 leader evaluation (领导评价), closed, with realistic ballots.

Every county leader (县领导) of 示范县 rates every unit of the 2022 county plan's groups
from 0 to 100; one highest and one lowest ballot of a unit are dropped (5 or more ballots).
The demo `leader` account (周晓峰) rates like the others; the other leaders get accounts
of their own (`leader-<pinyin>`, no usable password: nobody signs in as them).

Ballots are fictional but stable: a unit's standing and a leader's leniency come from
hashes of their names, so a second run computes the same figures. The round, keyed by plan
and name, is loaded once: when it exists and is closed nothing is written.
Everything goes through the appraisal services (the office's steps as the system, each
sheet as its leader), so the audit trail reads as if the office and leaders had done it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from decimal import Decimal

from django.db import transaction

from kaoping.appraisal import services
from kaoping.appraisal.models import LeaderRater, LeaderRatingResult, LeaderRatingRound
from kaoping.demo import data
from kaoping.org import services as org_services
from kaoping.org.models import Person, Role, RoleGrant, Unit, User
from kaoping.plans.models import Plan

YEAR = 2022
ROUND_NAME = "示范县2022年度县领导评价乡镇和县直部门"
DEMO_LEADER = "leader"  # data.DEMO_ACCOUNTS: 周晓峰, 副县长
USERNAMES = {
    "黄志远": "leader-huangzhiyuan",
    "陈立新": "leader-chenlixin",
    "李文华": "leader-liwenhua",
    "吴国平": "leader-wuguoping",
    "郑海燕": "leader-zhenghaiyan",
    "覃永明": "leader-qinyongming",
    "刘春梅": "leader-liuchunmei",
    "杨振宇": "leader-yangzhenyu",
}
COMMENTS = (
    "工作扎实，成效明显",
    "重点工作推进有力",
    "亮点突出，群众认可",
    "部分工作进度偏慢，需加强",
    "整改落实还需加力",
    "",
    "",
    "",
)


def _hash(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:12], 16)


def ballot_score(leader: str, unit_code: str) -> Decimal:
    """A stable, plausible score: the unit's standing (72–94), the leader's leniency
    (−3…+3) and a personal view (−6…+6), in half points, within 0–100."""
    standing = 72 + _hash("unit", unit_code) % 23
    leniency = _hash("leader", leader) % 7 - 3
    view = _hash("ballot", leader, unit_code) % 25 / 2 - 6
    value = Decimal(standing + leniency) + Decimal(str(view))
    return min(Decimal(100), max(Decimal(0), value))


def _comment(leader: str, unit_code: str) -> str:
    return COMMENTS[_hash("comment", leader, unit_code) % len(COMMENTS)]


def _leader_accounts(county: Unit, created: dict[str, int]) -> list[User]:
    """An account with the leader role for every county leader (the demo `leader` too)."""
    persons = {
        p.name: p
        for p in Person.objects.filter(unit=county, position=Person.Position.COUNTY_LEADER)
    }
    accounts: list[User] = []
    demo = User.objects.filter(username=DEMO_LEADER).first()
    if demo is not None:
        accounts.append(demo)
    for spec in data.COUNTY_LEADERS:
        username = USERNAMES.get(spec.name)
        person = persons.get(spec.name)
        if username is None or person is None:
            continue
        user = User.objects.filter(username=username).first()
        if user is None:
            user = org_services.user_create(
                actor=None,
                username=username,
                password=secrets.token_urlsafe(24) + "Aa1!",
                display_name=spec.name,
                person=person,
                must_change_password=False,
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            created["accounts"] += 1
        if not RoleGrant.objects.filter(user=user, role=Role.LEADER, unit=county).exists():
            org_services.role_grant(actor=None, user=user, role=Role.LEADER, unit=county)
        accounts.append(user)
    return accounts


@transaction.atomic
def load_leader_ratings() -> dict[str, int]:
    """Create the closed 2022 leader-evaluation round if it is missing; returns what this
    run created (all zero on a second run)."""
    created = dict.fromkeys(("accounts", "rounds", "raters", "ballots", "results"), 0)
    county = Unit.objects.filter(code=data.COUNTY).first()
    plan = (
        Plan.objects.filter(cycle__year=YEAR, owner=county, code=f"county-{YEAR}").first()
        if county is not None
        else None
    )
    if county is None or plan is None:
        return created
    round = LeaderRatingRound.objects.filter(plan=plan, name=ROUND_NAME).first()
    if round is not None and round.status == LeaderRatingRound.Status.CLOSED:
        return created
    leaders = _leader_accounts(county, created)
    if round is None:
        round = services.round_create(
            actor=None,
            plan=plan,
            name=ROUND_NAME,
            method=LeaderRatingRound.Method.SCORE,
            trim=True,
            trim_min_ballots=5,
            coverage=LeaderRatingRound.Coverage.PLAN_UNITS,
            opens_on=date(YEAR, 12, 20),
            closes_on=date(YEAR, 12, 30),
        )
        created["rounds"] += 1
    have = set(LeaderRater.objects.filter(round=round).values_list("user_id", flat=True))
    for leader in leaders:
        if leader.pk not in have:
            services.rater_assign(actor=None, round=round, user=leader)
            created["raters"] += 1
    if round.status == LeaderRatingRound.Status.DRAFT:
        services.round_open(actor=None, round=round)
    for sheet in LeaderRater.objects.filter(round=round, submitted_at__isnull=True).select_related(
        "user", "user__person", "round"
    ):
        person = sheet.user.person
        name = person.name if person is not None else sheet.user.username
        rated = set(sheet.ballots.values_list("unit_id", flat=True))
        entries = [
            services.BallotEntry(
                unit_id=unit.pk,
                score=ballot_score(name, unit.code),
                comment=_comment(name, unit.code),
            )
            for unit in sheet.units.all()
            if unit.pk not in rated
        ]
        written = services.sheet_save(actor=sheet.user, rater=sheet, entries=entries, submit=True)
        created["ballots"] += len(written)
    services.round_close(actor=None, round=round)
    created["results"] = LeaderRatingResult.objects.filter(round=round).count()
    return created
