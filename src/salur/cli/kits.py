"""`salur kits` and `salur seals`: pack TPS kits from stock, print labels, keep the seal registry.

Heavy modules are imported inside the commands, so `salur --help` answers at once.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from salur.cli.common import friendly, open_store, out
from salur.i18n import t

if TYPE_CHECKING:
    from salur.kits.sealing import SealAction

app = typer.Typer(help="TPS kits: packing from stock and label sheets.", no_args_is_help=True)
seals_app = typer.Typer(
    help="Seal registry: issue, apply, check and break numbered seals.", no_args_is_help=True
)

RegionOpt = Annotated[str, typer.Option("--region", help="Region code: 14.10, 14.10.01 ...")]
ActorOpt = Annotated[str, typer.Option("--by", help="Who acts (default: the login name)")]
SealsOpt = Annotated[list[int] | None, typer.Option("--seal", help="Seal number (repeatable)")]
PackageOpt = Annotated[str | None, typer.Option("--package", help="Package id")]
FileOpt = Annotated[
    Path | None,
    typer.Option("--file", help="CSV with columns package_id, seal (and optional note)"),
]


@app.command("pack")
@friendly
def pack(
    region: Annotated[str, typer.Option("--region", help="Regency code, e.g. 14.10")],
    norm: Annotated[str, typer.Option("--norm", help="Norm id or file")] = "pemilu-2024",
) -> None:
    """Pack a kit for every TPS of a regency that has none, taking the goods from its stock."""
    from salur.kits.service import pack_regency
    from salur.norms.loader import load_norm
    from salur.uow import UnitOfWork

    loaded = load_norm(norm)
    with UnitOfWork(open_store()) as uow:
        report = pack_regency(uow, region, loaded)
    out.print(
        t(
            "kits.packed",
            packed=report.packed,
            packages=report.packages,
            regency=region,
            already=report.already,
        )
    )


@app.command("labels")
@friendly
def labels(
    region: RegionOpt,
    out_file: Annotated[Path, typer.Option("--out", help="PDF file to write")],
) -> None:
    """A4 label sheets (8 a page) for every package packed at or below a region."""
    from salur.kits.labels import render_labels
    from salur.kits.service import labels as gather
    from salur.uow import UnitOfWork

    with UnitOfWork(open_store()) as uow:
        records = gather(uow.session, region)
    pages = render_labels(records, out_file)
    out.print(t("kits.labels_written", labels=len(records), pages=pages, path=str(out_file)))


@seals_app.command("issue")
@friendly
def issue(
    regency: Annotated[str, typer.Option("--regency", help="Regency code, e.g. 14.10")],
    first: Annotated[int, typer.Option("--from", help="First seal number")],
    last: Annotated[int, typer.Option("--to", help="Last seal number")],
    by: ActorOpt = "",
) -> None:
    """Issue the seal numbers from..to to a regency."""
    from salur.kits.sealing import issue_seals
    from salur.uow import UnitOfWork

    with UnitOfWork(open_store()) as uow:
        count = issue_seals(uow, regency, first, last, _actor(by))
    out.print(
        t("kits.seals_issued", count=count, regency=regency, first=str(first), last=str(last))
    )


@seals_app.command("apply")
@friendly
def apply(
    package: PackageOpt = None,
    seal: SealsOpt = None,
    file: FileOpt = None,
    by: ActorOpt = "",
) -> None:
    """Apply seals to a package (--package ID --seal N ...) or from a CSV file (--file)."""
    _act("apply", package, seal, file, by, "")


@seals_app.command("check")
@friendly
def check(
    package: PackageOpt = None,
    seal: SealsOpt = None,
    file: FileOpt = None,
    by: ActorOpt = "",
) -> None:
    """Record seals found intact on their package."""
    _act("check", package, seal, file, by, "")


@seals_app.command("break")
@friendly
def break_(
    seal: SealsOpt = None,
    package: PackageOpt = None,
    file: FileOpt = None,
    note: Annotated[str, typer.Option("--note", help="Why the seal was broken")] = "",
    by: ActorOpt = "",
) -> None:
    """Record seals broken (opened or damaged); a broken seal is never used again."""
    _act("break", package, seal, file, by, note)


@seals_app.command("show")
@friendly
def show(number: Annotated[int, typer.Argument(help="Seal number")]) -> None:
    """A seal's state, package and history."""
    from salur.kits.sealing import seal_status
    from salur.uow import UnitOfWork

    with UnitOfWork(open_store()) as uow:
        status = seal_status(uow, number)
    out.print(
        t(
            "kits.seal_status",
            seal=str(status.number),
            state=status.state,
            regency=status.regency,
            package=status.package_id or "-",
        )
    )
    for event in status.history:
        note = f" ({event.note})" if event.note else ""
        package = f" {event.package_id}" if event.package_id else ""
        out.print(f"  {event.at:%Y-%m-%d %H:%M} {event.action}{package} {event.actor}{note}")


def _act(
    action: str,
    package: str | None,
    seals: list[int] | None,
    file: Path | None,
    by: str,
    note: str,
) -> None:
    from salur.kits import sealing
    from salur.uow import UnitOfWork

    actions: list[SealAction] = [sealing.SealAction(n, package, note) for n in seals or []]
    if file is not None:
        actions.extend(sealing.read_actions(file))
    if not actions:
        raise typer.BadParameter("--seal N or --file FILE", param_hint="--seal")
    use_case = {"apply": sealing.apply_seals, "check": sealing.check_seals}.get(
        action, sealing.break_seals
    )
    with UnitOfWork(open_store()) as uow:
        count = use_case(uow, actions, _actor(by))
    out.print(t(f"kits.seals_{action}", count=count))


def _actor(by: str) -> str:
    """Who acts: --by, else the login name (empty when the system cannot tell)."""
    if by:
        return by
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""
