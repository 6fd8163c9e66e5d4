"""`salur users`: add, list and disable the people who sign in to the service.

Passwords are read from the terminal (twice), or from stdin with `--password-stdin` for
scripts; they are never taken as an argument, which would leave them in the shell history.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from salur.cli.common import friendly, open_store, out
from salur.errors import SalurError
from salur.i18n import t

app = typer.Typer(help="Users of the service: add, list, disable.", no_args_is_help=True)


@app.command("add")
@friendly
def add(
    username: Annotated[str, typer.Argument(help="Login name, e.g. ppk.tebingtinggi.")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="kpu_province, kpu_regency, ppk, pps, kpps, police_escort or bawaslu.",
        ),
    ],
    region: Annotated[str, typer.Option("--region", help="Region scope, e.g. 14.10.01.")],
    name: Annotated[str, typer.Option("--name", help="Full name (never shown publicly).")],
    phone: Annotated[str | None, typer.Option("--phone", help="Phone (never public).")] = None,
    person: Annotated[
        str | None, typer.Option("--person", help="Pseudonym p-... (default: a random one).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Add a user with a role and a region scope."""
    from salur.identity.passwords import Passwords
    from salur.identity.service import NewUser, add_user
    from salur.uow import UnitOfWork

    password = _password(password_stdin)
    new = NewUser(username, role, region, name, password, phone=phone, person=person)
    with UnitOfWork(open_store()) as uow:
        user = add_user(uow, new, passwords=Passwords())
    out.print(t("users.added", username=user.username, role=user.role, region=user.region_code))


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt(t("users.password"), hide_input=True)
    again = typer.prompt(t("users.password_again"), hide_input=True)
    if first != again:
        raise SalurError("users.password_mismatch")
    return str(first)


@app.command("list")
@friendly
def list_users(
    region: Annotated[str, typer.Option("--region", help="Only users scoped here.")] = "",
) -> None:
    """List users, by region scope."""
    from salur.identity.service import list_users as users_in
    from salur.uow import UnitOfWork

    columns = ("username", "role", "region", "name", "phone", "status", "created")
    table = Table(*(t(f"users.col_{c}") for c in columns))
    with UnitOfWork(open_store()) as uow:
        for user in users_in(uow.session, region):
            status = t("users.inactive") if user.disabled_at else t("users.active")
            table.add_row(
                user.username,
                user.role,
                user.region_code,
                user.name,
                user.phone or "",
                status,
                f"{user.created_at:%Y-%m-%d}",
            )
    if not table.rows:
        out.print(t("users.none"))
        return
    out.print(table)


@app.command("disable")
@friendly
def disable(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Disable a user: no more sign-ins, every session and token revoked."""
    from salur.identity.service import disable_user
    from salur.uow import UnitOfWork

    with UnitOfWork(open_store()) as uow:
        disable_user(uow, username)
    out.print(t("users.disabled", username=username))
