"""How hard the planner searches: the seed and the budget of every routing problem."""

from __future__ import annotations

from dataclasses import dataclass

from salur.errors import SalurError


@dataclass(frozen=True)
class PlanParams:
    """Search settings of a plan.

    Without ``time_limit_s`` each routing problem stops after a number of iterations that grows
    with its size (``iterations_per_client`` per client, within ``min_iterations`` and
    ``max_iterations``), so the same seed gives the same plan on any machine. A time limit (for
    the whole plan, shared in proportion to TPS) bounds the run time instead, at the cost of
    that reproducibility.
    """

    seed: int = 0
    time_limit_s: float | None = None
    iterations_per_client: int = 20
    min_iterations: int = 100
    max_iterations: int = 1500
    regency_time_limit_s: float | None = None
    """At most this many seconds of search in each regency (a national plan): every routing
    problem runs its usual iterations but stops at its share of the budget, so no regency holds
    a worker for long; a regency whose searches end within it plans as without it."""

    def __post_init__(self) -> None:
        for limit in (self.time_limit_s, self.regency_time_limit_s):
            if limit is not None and not limit > 0:
                raise SalurError("plan.bad_time_limit", value=limit)
        if not 0 < self.min_iterations <= self.max_iterations:
            raise SalurError(
                "plan.bad_iterations", low=self.min_iterations, high=self.max_iterations
            )
