"""The picture of one region at one moment, read from the store: every TPS's kit against the
plan in force and the custody deadlines, its child regions, curves and late risks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from salur.custody.config import CustodyRules
from salur.custody.states import HOPS
from salur.planning.models import PlanRow
from salur.web import plans
from salur.web import repository as repo
from salur.web.progress import (
    ECHELONS,
    Curve,
    Deadlines,
    LateRisk,
    RegionProgress,
    TpsStatus,
    by_child,
    curves,
    late_risks,
    village_states,
)


@dataclass(frozen=True)
class Overview:
    """Everything the progress sections of a page show for `region` at `now`."""

    region: str
    now: dt.datetime
    deadlines: Deadlines
    plans: tuple[PlanRow, ...]
    statuses: tuple[TpsStatus, ...]
    total: RegionProgress
    children: tuple[RegionProgress, ...]

    @property
    def plan_ids(self) -> list[int]:
        return [p.id for p in self.plans]

    def curves(self) -> list[Curve]:
        return curves(self.statuses, self.deadlines)

    def late_risks(self) -> list[LateRisk]:
        return late_risks(self.statuses, self.now, self.deadlines)

    def villages(self) -> dict[str, tuple[str, int, int]]:
        return village_states(self.statuses, self.now, self.deadlines)


def deadlines(rules: CustodyRules) -> Deadlines:
    """The custody rules' arrival deadline of each outbound hop."""
    return Deadlines(tuple(rules.deadline(HOPS[hop]) for hop in ECHELONS))


def overview(session: Session, region: str, rules: CustodyRules, now: dt.datetime) -> Overview:
    """Read and assemble the progress of every TPS at or below `region`."""
    in_force = plans.plans_for(session, region)
    plan_ids = [p.id for p in in_force]
    kits = repo.kit_custody(session, region)
    arrived = repo.arrivals(session, region)
    planned = plans.planned_arrivals(session, plan_ids, region)
    issues = plans.plan_issues(session, plan_ids, region)
    statuses = []
    for tps, village in repo.tps_in_region(session, region):
        reached, moving, packages = kits.get(tps, (-1, False, 0))
        times: list[dt.datetime | None] = []
        for hop in ECHELONS:
            at, count = arrived.get((tps, hop), (None, 0))
            times.append(at if at is not None and count >= packages > 0 else None)
        statuses.append(
            TpsStatus(
                tps,
                village,
                reached,
                moving,
                tuple(times),
                tuple(planned.get((tps, i)) for i in range(len(ECHELONS))),
                issues.get(tps),
            )
        )
    rules_deadlines = deadlines(rules)
    total, children = by_child(region, statuses, now, rules_deadlines)
    return Overview(
        region, now, rules_deadlines, tuple(in_force), tuple(statuses), total, tuple(children)
    )
