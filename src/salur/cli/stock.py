"""`salur stock`: record warehouse papers, and show stock on hand and the shortage against needs.

Heavy modules are imported inside the commands, so `salur --help` answers at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from salur.cli.common import friendly, open_store, out
from salur.i18n import t

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from salur.norms.loader import LoadedNorm
    from salur.stock.service import RecordReport
    from salur.uow import UnitOfWork

    UseCase = Callable[[UnitOfWork, Path, LoadedNorm], RecordReport]

app = typer.Typer(
    help="Warehouse stock: receipts (BTTB), sortir-lipat, claims, stock on hand, shortage.",
    no_args_is_help=True,
)
claim_app = typer.Typer(
    help="Replacement claims to suppliers and the deliveries that settle them.",
    no_args_is_help=True,
)
app.add_typer(claim_app, name="claim")

FileArg = Annotated[Path, typer.Argument(help="CSV file (UTF-8, header row).", exists=True)]
NormOpt = Annotated[str, typer.Option("--norm", help="Norm id or file")]
RegionOpt = Annotated[str, typer.Option("--region", help="Regency code, e.g. 14.10")]
FormatOpt = Annotated[str, typer.Option("--format", help="table|csv|xlsx")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="File to write")]


@app.command("receive")
@friendly
def receive(file: FileArg, norm: NormOpt = "pemilu-2024") -> None:
    """Record delivery notes: regency, supplier, note_number, date, item, dapil, quantity."""
    from salur.stock import service

    _recorded(_run(service.receive, file, norm))


@app.command("sortir")
@friendly
def sortir(file: FileArg, norm: NormOpt = "pemilu-2024") -> None:
    """Record sortir-lipat: regency, reference, date, item, dapil, good, damaged."""
    from salur.stock import service

    _recorded(_run(service.record_sortir, file, norm))


@claim_app.command("open")
@friendly
def claim_open(file: FileArg, norm: NormOpt = "pemilu-2024") -> None:
    """Record claims: regency, supplier, claim_number, date, reason (damaged|short), item, dapil,
    quantity."""
    from salur.stock import service

    _recorded(_run(service.open_claims, file, norm))


@claim_app.command("arrive")
@friendly
def claim_arrive(file: FileArg, norm: NormOpt = "pemilu-2024") -> None:
    """Record replacement deliveries: regency, supplier, claim_number, note_number, date, item,
    dapil, quantity."""
    from salur.stock import service

    _recorded(_run(service.record_replacements, file, norm))


@claim_app.command("list")
@friendly
def claim_list(region: RegionOpt) -> None:
    """Claims of a region with what each asked and what has arrived against it."""
    from rich.table import Table

    from salur.stock import repository as repo
    from salur.uow import UnitOfWork

    table = Table(title=t("stock.claims_title", region=region))
    for column in ("regency", "supplier", "claim_number", "date", "reason", "item"):
        table.add_column(column)
    for column in ("claimed", "replaced"):
        table.add_column(column, justify="right")
    with UnitOfWork(open_store()) as uow:
        for claim in repo.claims(uow.session, region):
            for key, (claimed, replaced) in repo.claim_balance(uow.session, claim.id).items():
                table.add_row(
                    claim.regency_code,
                    claim.supplier,
                    claim.number,
                    claim.doc_date.isoformat(),
                    claim.reason or "",
                    key.label(),
                    str(claimed),
                    str(replaced),
                )
    out.print(table)


@app.command("show")
@friendly
def show(region: RegionOpt, fmt: FormatOpt = "table", out_file: OutOpt = None) -> None:
    """Stock on hand per regency, item, ballot type and dapil, with every movement kind."""
    from salur.stock.service import stock_on_hand
    from salur.uow import UnitOfWork

    with UnitOfWork(open_store()) as uow:
        frame = stock_on_hand(uow.session, region)
    _emit(frame, fmt, out_file, t("stock.show_title", region=region), f"stock-{region}")


@app.command("shortage")
@friendly
def shortage(
    region: RegionOpt,
    fmt: FormatOpt = "table",
    out_file: OutOpt = None,
    norm: NormOpt = "pemilu-2024",
) -> None:
    """Needs (TPS kits + PSU reserve) minus usable stock, per item, ballot type and dapil."""
    from salur.norms.loader import load_norm
    from salur.stock.service import shortage as compute_shortage
    from salur.uow import UnitOfWork

    loaded = load_norm(norm)
    with UnitOfWork(open_store()) as uow:
        report = compute_shortage(uow.session, region, loaded)
    title = t("stock.shortage_title", region=f"{report.name} ({region})")
    _emit(report.frame(), fmt, out_file, title, f"shortage-{region}")
    source = (
        t("stock.needs_from_run", run=str(report.run_id))
        if report.run_id is not None
        else t("stock.needs_computed")
    )
    out.print(source)


def _run(use_case: UseCase, file: Path, norm: str) -> RecordReport:
    from salur.norms.loader import load_norm
    from salur.uow import UnitOfWork

    loaded = load_norm(norm)
    with UnitOfWork(open_store()) as uow:
        return use_case(uow, file, loaded)


def _recorded(report: RecordReport) -> None:
    out.print(
        t(
            "stock.recorded",
            recorded=len(report.recorded),
            movements=report.movements,
            already=len(report.already),
        )
    )


def _emit(frame: pd.DataFrame, fmt: str, out_file: Path | None, title: str, stem: str) -> None:
    from salur.needs.export import Format, to_table, write

    if fmt not in ("table", "csv", "xlsx"):
        raise typer.BadParameter("table|csv|xlsx", param_hint="--format")
    if fmt == "table" and out_file is None:
        out.print(to_table(frame, title))
        return
    chosen: Format = "csv" if fmt == "table" else fmt  # type: ignore[assignment]
    path = out_file or Path(f"{stem}.{chosen}")
    write(frame, chosen, path)
    out.print(t("stock.written", path=str(path)))
