"""Every reason a plan can give for a TPS reads as a sentence in both languages."""

from __future__ import annotations

import pytest

from salur.i18n import LANGUAGES, catalogue, t
from salur.planning.schedule import BLOCKED_REASON

PARAMS = {
    "site": "14.05.10",
    "to": "14.05.10",
    "origin": "14-S12",
    "travel_class": "water",
    "deadline": "H-14 18:00",
    "arrival": "H-13 09:00",
}
EMITTED = {
    "plan.reason.no_path",
    "plan.reason.no_vehicle",
    "plan.reason.kit_too_big",
    "plan.reason.unreachable",
    "plan.reason.fleet_too_small",
    "plan.reason.no_departure",
    "plan.reason.village_without_point",
    "plan.reason.ppk_without_point",
    "plan.reason.warehouse_without_point",
    *(f"plan.reason.{key}" for key in BLOCKED_REASON.values()),
    *(
        f"plan.late.{key}"
        for key in ("no_vehicle_free", "escort_roster_full", "too_far", "upstream_late")
    ),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_reason_the_planner_emits_is_translated(lang: str) -> None:
    """No reason falls back to its key, and each fills in from the issue's parameters."""
    for key in sorted(EMITTED):
        assert key in catalogue(lang), key
        assert "{" not in t(key, lang, **PARAMS), key
