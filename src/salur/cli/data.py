"""`salur data load` and `salur dpt import`: reference data and official voter counts.

Heavy modules are imported inside the commands, so `salur --help` answers at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salur.cli.common import friendly, open_store, out
from salur.i18n import t

app = typer.Typer(help="Reference data: geography, TPS, dapil, warehouses.", no_args_is_help=True)
dpt_app = typer.Typer(help="Voters per TPS (DPT).", no_args_is_help=True)


@app.command("load")
@friendly
def load(
    source: Annotated[
        str, typer.Argument(help="'riau', 'indonesia', or a folder in the same format.")
    ],
) -> None:
    """Load a reference-data folder; a second run changes nothing, a bad file writes nothing."""
    from salur.cli.progress import RichProgress
    from salur.geo.service import load_reference, resolve_folder
    from salur.uow import UnitOfWork

    engine = open_store()
    with UnitOfWork(engine) as uow, RichProgress() as progress:
        report = load_reference(uow, resolve_folder(source), progress)
    tables = report.tables.values()
    out.print(
        t(
            "load.done",
            folder=source,
            inserted=sum(c.inserted for c in tables),
            updated=sum(c.updated for c in tables),
            unchanged=sum(c.unchanged for c in tables),
            dpt_changed=report.dpt_changed,
        )
    )


@dpt_app.command("import")
@friendly
def dpt_import(
    file: Annotated[Path, typer.Argument(help="CSV with columns tps_code, dpt.", exists=True)],
) -> None:
    """Import official DPT per TPS; other TPS of the same regency are re-estimated to match."""
    from salur.uow import UnitOfWork
    from salur.voters.service import import_dpt

    engine = open_store()
    with UnitOfWork(engine) as uow:
        report = import_dpt(uow, file)
    out.print(t("dpt.imported", count=report.imported, changed=report.estimates_changed))
