"""Entry point of the `salur` command: global options, then one sub-app per feature."""

from __future__ import annotations

from typing import Annotated

import typer

from salur.cli import custody as custody_cli
from salur.cli import data as data_cli
from salur.cli import demo as demo_cli
from salur.cli import incidents as incidents_cli
from salur.cli import kits as kits_cli
from salur.cli import ledger as ledger_cli
from salur.cli import needs as needs_cli
from salur.cli import plan as plan_cli
from salur.cli import replan as replan_cli
from salur.cli import risk as risk_cli
from salur.cli import serve as serve_cli
from salur.cli import stock as stock_cli
from salur.cli import users as users_cli
from salur.i18n import set_language

app = typer.Typer(
    name="salur",
    help="salur: election logistics from the KPU warehouse to every TPS, on a verifiable log.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main(
    lang: Annotated[
        str, typer.Option("--lang", help="Language of messages and reports: id or en.")
    ] = "",
) -> None:
    """Global options."""
    if lang:
        set_language(lang)


app.add_typer(data_cli.app, name="data")
app.add_typer(data_cli.dpt_app, name="dpt")
app.command("needs")(needs_cli.needs)
app.command("demo")(demo_cli.demo)
app.add_typer(ledger_cli.app, name="ledger")
app.add_typer(ledger_cli.witness_app, name="witness")
app.command("verify")(ledger_cli.verify)
app.add_typer(stock_cli.app, name="stock")
app.add_typer(kits_cli.app, name="kits")
app.add_typer(kits_cli.seals_app, name="seals")
app.command("plan")(plan_cli.plan)
app.command("plan-check")(plan_cli.plan_check)
app.add_typer(custody_cli.app, name="custody")
app.command("risk")(risk_cli.risk)
app.add_typer(incidents_cli.app, name="incidents")
app.add_typer(incidents_cli.psu_app, name="psu")
app.command("replan")(replan_cli.replan)
app.command("serve")(serve_cli.serve)
app.add_typer(users_cli.app, name="users")
