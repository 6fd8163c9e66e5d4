"""Scale-out: regency sub-problems fanned out to a Dask cluster give the very same plan."""

from __future__ import annotations

from distributed import LocalCluster
from plan_helpers import FAST

from salur.planning.config import PlanningData
from salur.planning.inputs import PlanningInputs
from salur.planning.plan import Plan
from salur.planning.planner import plan_region
from salur.planning.service import PlanRequest, executor_for


def test_a_plan_made_on_a_two_worker_dask_cluster_is_the_same_plan(
    meranti_plan: Plan, meranti_inputs: PlanningInputs, planning_data: PlanningData
) -> None:
    """`salur plan --dask ADDRESS` path: a LocalCluster of 2 worker processes, reached by its
    scheduler address, returns routes identical to planning in this process."""
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        request = PlanRequest("14.10", dask_address=cluster.scheduler_address)
        with executor_for(request, tasks=1) as executor:
            assert executor is not None
            again = plan_region(meranti_inputs, planning_data, FAST, executor=executor)
    assert again.content() == meranti_plan.content()
