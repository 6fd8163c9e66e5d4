"""`salur demo`: the main job, a whole distribution season on the embedded default database
(or SALUR_DATABASE_URL), with a progress bar per phase and a short summary at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salur.cli.common import friendly, out
from salur.i18n import t

# Heavy modules are imported inside the command, so `salur --help` answers at once.


@friendly
def demo(
    region: Annotated[
        str, typer.Option("--region", help="Province or regency code (default: Riau)")
    ] = "14",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulated season")] = 2024,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the season's files")] = Path(
        "out"
    ),
    fresh: Annotated[
        bool,
        typer.Option("--fresh", help="Start over if the database already holds a season."),
    ] = False,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Planner seconds per sub-problem")
    ] = None,
) -> None:
    """Run a whole season: stock, kits, plan, the field through the real API, voting day,
    the return; writes the season report, BAST PDFs and receipts to --out."""
    from salur.cli.progress import RichProgress
    from salur.season.run import Options, run_season

    out.rule(t("season.cli.title"))
    with RichProgress() as progress:
        result = run_season(
            Options(
                region=region,
                seed=seed,
                out=out_dir,
                fresh=fresh,
                plan_time_limit_s=time_limit,
            ),
            progress,
        )
    facts = result.facts
    out.print(t("season.cli.database", database=result.database))
    out.print(
        t(
            "season.cli.served",
            served=facts.delivered,
            tps=facts.tps,
            late=sum(r.late for r in facts.regencies),
        )
    )
    out.print(
        t(
            "season.cli.events",
            handovers=facts.events.get("handover", 0),
            incidents=len(facts.incidents),
            mismatches=len(facts.mismatches),
            replans=len(result.plan_ids) - 1,
        )
    )
    for log in facts.logs:
        out.print(
            t(
                "season.cli.log",
                origin=log.origin,
                size=log.size,
                cosigned=log.checkpoint_size,
                witnesses=", ".join(log.cosigners) or "-",
            )
        )
    out.print(t("season.cli.receipts", ok=result.receipts_verified, total=result.receipts_checked))
    out.print(t("season.cli.report", path=str(result.report)))
    out.print(t("season.cli.done", seconds=round(result.elapsed_s)))
    out.print(t("season.cli.dashboard", database=result.database))
