"""`salur custody`: signing devices, signed custody events, receipts and the BAST.

Events travel as JSON files `{"event": ..., "signatures": [...]}`: a device (or `custody sign`)
signs, `custody record` checks and logs them, then signs a checkpoint for the batch and writes
the receipt. Messages for people go to stderr; data (keys, pseudonyms, receipts) to stdout.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from salur.cli.common import err, friendly, open_store, out
from salur.errors import SalurError
from salur.i18n import t

app = typer.Typer(
    help="Chain of custody: devices, signed handovers, receipts and the BAST.",
    no_args_is_help=True,
)


def _say(message: str) -> None:
    err.print(escape(message), highlight=False, soft_wrap=True)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        raise SalurError("ledger.file_unreadable", path=str(path)) from None


@app.command("device-key")
@friendly
def device_key(
    device: Annotated[str, typer.Option("--device", help="Device id, e.g. D-PPK-1410-01.")],
    out_file: Annotated[Path, typer.Option("--out", help="Private key file to create.")],
) -> None:
    """Create a device's signing key (owner-only file) and print its verifier key."""
    from salur.ledger.keyfile import write_key_file
    from salur.ledger.keys import Ed25519Signer

    try:
        signer = Ed25519Signer.generate(device)
    except ValueError:
        raise SalurError("custody.device_bad_id", device=device) from None
    write_key_file(out_file, signer.skey)
    _say(t("custody.cli.key_written", path=str(out_file)))
    typer.echo(signer.verifier().vkey)


@app.command("register-device")
@friendly
def register_device(
    vkey: Annotated[str, typer.Argument(help="The device's verifier key, or a file holding it.")],
    role: Annotated[str, typer.Option("--role", help="Holder role: ppk, pps, kpps, pkd, ...")],
    region: Annotated[str, typer.Option("--region", help="Region scope, e.g. 14.10.01.")],
    person: Annotated[str, typer.Option("--person", help="The holder's pseudonym (p-...).")],
) -> None:
    """Register a device to a pseudonymous person; the registration is logged."""
    from salur.custody import devices
    from salur.uow import UnitOfWork

    path = Path(vkey)
    if "+" not in vkey and path.is_file():
        vkey = _read(path).decode("utf-8").strip()
    with UnitOfWork(open_store()) as uow:
        device = devices.register_device(uow, vkey, role=role, region=region, person=person)
    _say(t("custody.cli.device_registered", device=device.id, key_id=device.key_id))


@app.command("revoke-device")
@friendly
def revoke_device(device: Annotated[str, typer.Argument(help="Device id.")]) -> None:
    """Refuse the device's signatures from now on (lost, stolen or handed back)."""
    from salur.custody import devices
    from salur.uow import UnitOfWork

    with UnitOfWork(open_store()) as uow:
        devices.revoke_device(uow, device)
    _say(t("custody.cli.device_revoked", device=device))


@app.command("pseudonym")
@friendly
def pseudonym(
    identity: Annotated[str, typer.Argument(help="NIK or staff number; never logged.")],
    secret_file: Annotated[Path, typer.Option("--secret-file", help="The office's secret.")],
) -> None:
    """Print the pseudonym that stands for a person in the log."""
    from salur.custody.signing import pseudonym as make

    try:
        typer.echo(make(_read(secret_file).strip(), identity))
    except ValueError:
        raise SalurError("custody.cli.secret_short", path=str(secret_file)) from None


@app.command("sign")
@friendly
def sign(
    file: Annotated[Path, typer.Argument(help="Event file; the signature is added to it.")],
    key: Annotated[Path, typer.Option("--key", help="The device's private key file.")],
    party: Annotated[str, typer.Option("--as", help="giver, receiver, by, reporter, witness.")],
) -> None:
    """Sign an event file as one of its parties with a device key."""
    from salur.custody.events import body_dict, parse_submission
    from salur.custody.signing import sign as sign_body
    from salur.ledger.keyfile import read_key_file
    from salur.ledger.keys import Ed25519Signer

    data = json.loads(_read(file))
    submission = parse_submission(data)
    try:
        signer = Ed25519Signer.from_skey(read_key_file(key))
    except ValueError:
        raise SalurError("ledger.key_unreadable", path=str(key)) from None
    signature = sign_body(signer, body_dict(submission.event), party, dt.datetime.now(dt.UTC))
    data.setdefault("signatures", []).append(signature)
    file.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _say(t("custody.cli.signed", device=signer.name, party=party))


@app.command("record")
@friendly
def record(
    files: Annotated[list[Path], typer.Argument(help="Signed event files, recorded in order.")],
    receipts_dir: Annotated[
        Path | None, typer.Option("--receipts", help="Folder for one receipt per event.")
    ] = None,
) -> None:
    """Check and log signed events, then sign a checkpoint and write their receipts."""
    from salur.custody import receipts, service
    from salur.uow import UnitOfWork

    engine = open_store()
    recorded = []
    for file in files:
        with UnitOfWork(engine) as uow:
            done = service.record_event(uow, _read(file))
        recorded.append(done)
        _say(
            t(
                "custody.cli.recorded",
                file=file.name,
                event=str(done.event_id),
                index=str(done.log_index),
            )
        )
        if done.late:
            _say(t("custody.cli.late"))
        if done.findings:
            _say(t("custody.cli.incident", reasons=service.describe(done.findings)))
    if receipts_dir is None or not recorded:
        return
    with UnitOfWork(engine) as uow:
        issued = receipts.sign_receipts(uow, [r.event_id for r in recorded])
    receipts_dir.mkdir(parents=True, exist_ok=True)
    for done in recorded:
        path = receipts_dir / f"event-{done.event_id}.tlog-proof"
        path.write_bytes(issued[done.event_id].to_bytes())
    _say(t("custody.cli.receipts_written", count=len(recorded), path=str(receipts_dir)))


@app.command("receipt")
@friendly
def receipt(
    event: Annotated[int, typer.Option("--event", help="Event id.")],
    out_file: Annotated[Path | None, typer.Option("--out", help="File to write.")] = None,
) -> None:
    """Write an event's receipt (c2sp.org/tlog-proof, entry included)."""
    from salur.custody import receipts
    from salur.uow import UnitOfWork

    with UnitOfWork(open_store()) as uow:
        data = receipts.receipt_for_event(uow.session, event).to_bytes()
    if out_file is None:
        typer.echo(data, nl=False)
        return
    out_file.write_bytes(data)
    _say(t("ledger.receipt_written", index=str(event), path=str(out_file)))


@app.command("bast")
@friendly
def bast(
    event: Annotated[int, typer.Option("--event", help="Event id of a handover.")],
    out_file: Annotated[Path, typer.Option("--out", help="PDF file to write.")],
    names: Annotated[
        Path | None,
        typer.Option("--names", help="CSV person,name: names printed on paper, never logged."),
    ] = None,
) -> None:
    """Write the BAST (berita acara serah terima) of a handover as PDF, with its receipt."""
    from salur.custody import documents
    from salur.uow import UnitOfWork

    people = _names(names) if names else {}
    with UnitOfWork(open_store()) as uow:
        pdf = documents.bast_pdf(uow, event, names=people)
    out_file.write_bytes(pdf)
    _say(t("custody.cli.bast_written", event=str(event), path=str(out_file)))


def _names(path: Path) -> dict[str, str]:
    text = _read(path).decode("utf-8-sig")
    rows = list(csv.DictReader(text.splitlines()))
    if rows and not {"person", "name"} <= set(rows[0]):
        raise SalurError("custody.cli.names_columns", path=str(path))
    return {row["person"].strip(): row["name"].strip() for row in rows}


@app.command("history")
@friendly
def history(package: Annotated[str, typer.Argument(help="Package id.")]) -> None:
    """Every event and incident of one package, oldest first."""
    from salur.custody import receipts
    from salur.uow import UnitOfWork

    with UnitOfWork(open_store()) as uow:
        lines = receipts.package_history(uow.session, package.strip().upper())
    if not lines:
        raise SalurError("custody.cli.no_history", package=package)
    table = Table(*(t(f"custody.cli.col_{c}") for c in ("event", "index", "kind", "at", "late")))
    for line in lines:
        kind = " ".join(x for x in (line.kind, line.hop or line.category or "") if x)
        late = t("custody.cli.yes") if line.late else ""
        table.add_row(
            str(line.event_id), str(line.log_index), kind, f"{line.at:%Y-%m-%d %H:%M}Z", late
        )
    out.print(table)


@app.command("reconcile")
@friendly
def reconcile(region: Annotated[str, typer.Option("--region", help="Region code.")]) -> None:
    """Ballot reconciliation of returned kotak: issued = used + unused + damaged, used = voters."""
    from salur.custody import receipts, service
    from salur.uow import UnitOfWork

    with UnitOfWork(open_store()) as uow:
        report = receipts.reconciliation(uow.session, region)
    columns = ("tps", "ballot", "issued", "used", "unused", "damaged", "voters", "status")
    table = Table(*(t(f"custody.cli.col_{c}") for c in columns))
    for tally, findings in report:
        status = service.describe(findings) if findings else t("custody.cli.balanced")
        figures = (tally.issued, tally.used, tally.unused, tally.damaged, tally.voters)
        table.add_row(tally.tps_code, tally.ballot_type, *(str(n) for n in figures), status)
    out.print(table)
    bad = sum(1 for _, findings in report if findings)
    _say(t("custody.cli.reconciled", count=len(report), mismatched=bad))
