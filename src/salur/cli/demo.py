"""`salur demo`: the main job on the embedded default database.

For now (Foundation) it creates the store, loads Riau, computes the needs of the region and
writes the needs report; the later issues extend it into the whole distribution season.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from salur.cli.common import friendly, out
from salur.i18n import t

# Heavy modules are imported inside the command, so `salur --help` answers at once.


@friendly
def demo(
    region: Annotated[str, typer.Option("--region", help="Region code (default: Riau)")] = "14",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulated season")] = 2024,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for reports")] = Path("out"),
) -> None:
    """Run the main job: load Riau, compute needs, write reports to --out."""
    del seed  # used by the season simulation (issue 7); accepted now so the command is stable
    from sqlalchemy.engine import make_url

    from salur.cli.common import open_store
    from salur.cli.progress import RichProgress
    from salur.config import database_url
    from salur.geo.repository import names_in_region
    from salur.geo.service import load_reference, resolve_folder
    from salur.needs.export import write
    from salur.needs.rollup import rollup
    from salur.needs.service import compute_needs
    from salur.norms.loader import DEFAULT_NORM, load_norm
    from salur.reports.needs_report import write_report
    from salur.uow import UnitOfWork

    started = time.monotonic()
    url = make_url(database_url()).render_as_string(hide_password=True)
    out.rule(t("cli.demo_title"))
    out.print(t("cli.db", url=url))
    engine = open_store()
    norm = load_norm(DEFAULT_NORM)
    with RichProgress() as progress:
        with UnitOfWork(engine) as uow:
            load_reference(uow, resolve_folder("riau"), progress)
        with UnitOfWork(engine) as uow:
            result = compute_needs(uow, region, norm, progress)
            names = names_in_region(uow.session, region)
        progress.phase("phase.report", 3)
        write(rollup(result, "ppk"), "csv", out_dir / "needs-ppk.csv")
        progress.advance()
        write(rollup(result, "regency"), "xlsx", out_dir / "needs-regency.xlsx")
        progress.advance()
        report = write_report(result, names, out_dir / "needs.html", url, "riau")
        progress.advance()
    out.print(t("cli.report_written", path=str(report)))
    out.print(t("cli.demo_done", seconds=round(time.monotonic() - started), path=str(report)))
