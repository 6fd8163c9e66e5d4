"""`salur needs`: quantities per TPS and their roll-ups, as a table, CSV or Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salur.cli.common import friendly, open_store, out
from salur.i18n import t


@friendly
def needs(
    region: Annotated[str, typer.Option("--region", help="Region code: 14, 14.05, 14.05.10 ...")],
    level: Annotated[str, typer.Option("--level", help="tps|pps|ppk|regency|province")] = "regency",
    fmt: Annotated[str, typer.Option("--format", help="table|csv|xlsx")] = "table",
    out_file: Annotated[Path | None, typer.Option("--out", help="File to write")] = None,
    norm: Annotated[str, typer.Option("--norm", help="Norm id or file")] = "pemilu-2024",
) -> None:
    """Compute and store the needs of a region under a norm, then show or write them."""
    from salur.cli.progress import RichProgress
    from salur.needs.export import Format, to_table, write
    from salur.needs.rollup import rollup
    from salur.needs.service import compute_needs
    from salur.norms.loader import load_norm
    from salur.uow import UnitOfWork

    if level not in ("tps", "pps", "ppk", "regency", "province"):
        raise typer.BadParameter("tps|pps|ppk|regency|province", param_hint="--level")
    if fmt not in ("table", "csv", "xlsx"):
        raise typer.BadParameter("table|csv|xlsx", param_hint="--format")
    loaded = load_norm(norm)
    engine = open_store()
    with UnitOfWork(engine) as uow, RichProgress() as progress:
        result = compute_needs(uow, region, loaded, progress)
    frame = rollup(result, level)  # type: ignore[arg-type]
    share = 100 * result.tps_estimated / max(len(result.tps), 1)
    banner = t(
        "dpt.banner",
        estimated=result.tps_estimated,
        total=len(result.tps),
        share=f"{share:.1f}",
    )
    if fmt == "table" and out_file is None:
        out.print(to_table(frame, f"{result.region_name} ({region}) · {loaded.norm.name}"))
        out.print(banner)
        return
    chosen: Format = "csv" if fmt == "table" else fmt  # type: ignore[assignment]
    path = out_file or Path(f"needs-{region or 'ID'}-{level}.{chosen}")
    write(frame, chosen, path)
    out.print(banner)
    out.print(t("cli.needs_written", path=str(path)))
