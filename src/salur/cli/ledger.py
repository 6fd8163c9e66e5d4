"""`salur ledger`, `salur verify` and `salur witness`: the public custody log from the command line.

Commands that print log data (keys, checkpoints, entries, proofs, receipts) write exact bytes to
stdout and nothing else, so they can be piped and hashed; people-facing messages go to stderr.
A receipt that does not verify, or a checkpoint a witness refuses, exits 1; usage errors exit 2.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from salur.cli.common import err, friendly, open_store
from salur.errors import SalurError
from salur.i18n import t
from salur.ledger import cosigning, service
from salur.ledger.audit import audit_log
from salur.ledger.checkpoint import parse_checkpoint
from salur.ledger.errors import ReceiptRejectedError, WitnessRefusedError
from salur.ledger.keyfile import key_dir, log_key_path
from salur.ledger.note import parse_note
from salur.ledger.verify import check_receipt
from salur.ledger.witness import Witness, parse_add_checkpoint, parse_proof, witness_dir
from salur.uow import UnitOfWork

app = typer.Typer(
    help="The public custody log: entries, checkpoints, proofs.", no_args_is_help=True
)
witness_app = typer.Typer(
    help="A witness (Bawaslu, observers): cosign checkpoints only while the log grows.",
    no_args_is_help=True,
)

Origin = Annotated[
    str | None, typer.Option("--origin", help="The log's origin line; needed if there are several.")
]


def _say(message: str, *, alert: str | None = None) -> None:
    """A message for people on stderr, never wrapped; `alert` is a red prefix such as TIDAK SAH."""
    text = escape(message) if alert is None else f"[bold red]{escape(alert)}:[/] {escape(message)}"
    err.print(text, highlight=False, soft_wrap=True)


def _emit(data: bytes | str) -> None:
    typer.echo(data.encode("utf-8") if isinstance(data, str) else data, nl=False)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        raise SalurError("ledger.file_unreadable", path=str(path)) from None


def _key_text(value: str) -> str:
    """A vkey given inline or as the path of a file holding it."""
    path = Path(value)
    return _read(path).decode("utf-8").strip() if "+" not in value and path.is_file() else value


@app.command("init")
@friendly
def init(
    election: Annotated[str, typer.Option("--election", help="Election id, e.g. pemilu-2024.")],
    province: Annotated[str, typer.Option("--province", help="Province code, e.g. 14.")],
    origin: Origin = None,
) -> None:
    """Create the log of one election in one province and its private key file."""
    with UnitOfWork(open_store()) as uow:
        log = service.create_log(uow, election=election, province_code=province, origin=origin)
    _say(t("ledger.created", origin=log.origin, path=str(_key_path(log.origin))))
    _emit(log.vkey + "\n")


def _key_path(origin: str) -> Path:
    return log_key_path(key_dir(), origin)


@app.command("key")
@friendly
def key(origin: Origin = None) -> None:
    """Print the log's verifier key (publish it: every receipt is checked against it)."""
    with UnitOfWork(open_store()) as uow:
        _emit(service.find_log(uow.session, origin).vkey + "\n")


@app.command("sign")
@friendly
def sign(origin: Origin = None) -> None:
    """Sign a checkpoint for the log's current size and print it."""
    with UnitOfWork(open_store()) as uow:
        log = service.find_log(uow.session, origin)
        checkpoint = service.sign_checkpoint(uow, log)
        _say(t("ledger.signed", size=checkpoint.size))
        _emit(checkpoint.note)


@app.command("checkpoint")
@friendly
def checkpoint(origin: Origin = None) -> None:
    """Print the latest signed checkpoint, exactly, with every stored witness cosignature."""
    with UnitOfWork(open_store()) as uow:
        log = service.find_log(uow.session, origin)
        _emit(service.checkpoint_note(uow.session, service.latest_checkpoint(uow.session, log)))


@app.command("entry")
@friendly
def entry(
    index: Annotated[int, typer.Argument(help="Entry index, from 0.")], origin: Origin = None
) -> None:
    """Print the exact bytes of one entry (RFC 8785 canonical JSON)."""
    with UnitOfWork(open_store()) as uow:
        _emit(service.entry_bytes(uow.session, service.find_log(uow.session, origin), index))


@app.command("proof")
@friendly
def proof(
    index: Annotated[int | None, typer.Option("--index", help="Inclusion proof of entry.")] = None,
    old_size: Annotated[
        int | None, typer.Option("--old-size", help="Consistency proof from this size.")
    ] = None,
    size: Annotated[
        int | None, typer.Option("--size", help="Tree size (default: latest checkpoint).")
    ] = None,
    origin: Origin = None,
) -> None:
    """Print an inclusion proof (`index I`, hashes) or a consistency proof (`old N`, hashes)."""
    if (index is None) == (old_size is None):
        raise SalurError("ledger.proof_needs_one")
    with UnitOfWork(open_store()) as uow:
        s = uow.session
        log = service.find_log(s, origin)
        if size is None:
            size = service.latest_checkpoint(s, log).size
        if index is not None:
            head, hashes = f"index {index}", service.inclusion_proof(s, log, index, size)
        else:
            assert old_size is not None
            head, hashes = f"old {old_size}", service.consistency_proof(s, log, old_size, size)
    lines = [head, *(base64.b64encode(h).decode("ascii") for h in hashes)]
    _emit("".join(f"{line}\n" for line in lines))


@app.command("receipt")
@friendly
def receipt(
    index: Annotated[int, typer.Argument(help="Entry index, from 0.")],
    out_file: Annotated[Path | None, typer.Option("--out", help="File to write")] = None,
    origin: Origin = None,
) -> None:
    """Write the offline receipt (c2sp.org/tlog-proof, entry included) for one entry."""
    with UnitOfWork(open_store()) as uow:
        data = service.receipt_for(uow.session, service.find_log(uow.session, origin), index)
    if out_file is None:
        _emit(data.to_bytes())
        return
    out_file.write_bytes(data.to_bytes())
    _say(t("ledger.receipt_written", index=index, path=str(out_file)))


@app.command("add-witness")
@friendly
def add_witness(
    vkey: Annotated[str, typer.Argument(help="Witness vkey, or a file with it.")],
) -> None:
    """Accept and hand out this witness's cosignatures."""
    with UnitOfWork(open_store()) as uow:
        witness = cosigning.register_witness(uow, _key_text(vkey))
    _say(t("ledger.witness_added", name=witness.name))


@app.command("add-cosignature")
@friendly
def add_cosignature(
    file: Annotated[Path, typer.Argument(help="A checkpoint cosigned by registered witnesses.")],
    origin: Origin = None,
) -> None:
    """Store the cosignatures a witness returned, so receipts carry them."""
    note = _read(file)
    with UnitOfWork(open_store()) as uow:
        log = service.find_log(uow.session, origin)
        checkpoint, names = cosigning.add_cosigned_note(uow, log, note)
    _say(t("ledger.cosignatures_added", size=checkpoint.size, names=", ".join(names)))


@app.command("audit")
@friendly
def audit(origin: Origin = None) -> None:
    """Recompute the whole tree from the entries and check every stored row and signature."""
    with UnitOfWork(open_store()) as uow:
        report = audit_log(uow.session, service.find_log(uow.session, origin))
    if report.ok:
        _say(
            t(
                "ledger.audit_ok",
                entries=report.entries,
                nodes=report.nodes,
                checkpoints=report.checkpoints,
            )
        )
        return
    _say(t("ledger.audit_failed", count=len(report.problems)))
    for problem in report.problems:
        _say(f"  - {problem}")
    raise typer.Exit(1)


@friendly
def verify(
    receipt_file: Annotated[Path, typer.Argument(help="The .tlog-proof receipt.")],
    key: Annotated[str, typer.Option("--key", help="The log's vkey, or a file with it.")],
    witness: Annotated[
        list[str] | None, typer.Option("--witness", help="A witness vkey (or file) to require.")
    ] = None,
    quorum: Annotated[
        int | None, typer.Option("--quorum", help="How many witnesses must have cosigned.")
    ] = None,
    entry_file: Annotated[
        Path | None, typer.Option("--entry", help="The entry's bytes, if not in the receipt.")
    ] = None,
    origin: Annotated[str | None, typer.Option("--origin", help="Expected origin.")] = None,
) -> None:
    """Verify a receipt fully offline: exit 0 if it proves the entry is in the log, else 1."""
    try:
        checked = check_receipt(
            _read(receipt_file),
            log_vkey=_key_text(key),
            witness_vkeys=[_key_text(w) for w in witness or []],
            quorum=quorum,
            entry=_read(entry_file) if entry_file is not None else None,
            origin=origin,
            now=int(time.time()),
        )
    except ReceiptRejectedError as rejected:
        _say(str(rejected), alert=t("ledger.verify_failed"))
        raise typer.Exit(1) from None
    witnesses = ", ".join(checked.witnesses) or t("ledger.verify_none")
    _say(
        t(
            "ledger.verify_ok",
            index=checked.index,
            origin=checked.origin,
            size=checked.size,
            witnesses=witnesses,
        )
    )


@witness_app.command("init")
@friendly
def witness_init(
    name: Annotated[str, typer.Option("--name", help="Witness name, e.g. bawaslu.go.id/w1.")],
) -> None:
    """Create this witness's key and empty state in SALUR_WITNESS_DIR (default ./var/witness)."""
    witness = Witness.create(witness_dir(), name)
    _say(t("ledger.witness_created", name=name, path=str(witness.directory)))
    _emit(witness.vkey + "\n")


@witness_app.command("key")
@friendly
def witness_key() -> None:
    """Print the witness's verifier key (logs and receipt holders configure it)."""
    _emit(Witness(witness_dir()).vkey + "\n")


@witness_app.command("trust")
@friendly
def witness_trust(
    vkey: Annotated[str, typer.Argument(help="The log's vkey, or a file with it.")],
    origin: Annotated[str | None, typer.Option("--origin", help="Default: the key's name.")] = None,
) -> None:
    """Accept checkpoints of one log, signed by this key."""
    trusted = Witness(witness_dir()).trust(_key_text(vkey), origin)
    _say(t("ledger.witness_trusted", origin=trusted))


@witness_app.command("status")
@friendly
def witness_status() -> None:
    """Show, per trusted log, the size this witness last cosigned."""
    for origin, state in Witness(witness_dir()).logs().items():
        if state.root is None:
            _say(t("ledger.witness_status_never", origin=origin))
        else:
            _say(t("ledger.witness_status", origin=origin, size=state.size))


@witness_app.command("cosign")
@friendly
def witness_cosign(
    checkpoint_file: Annotated[
        Path | None, typer.Argument(help="Signed checkpoint, or a whole add-checkpoint request.")
    ] = None,
    proof_file: Annotated[
        Path | None, typer.Option("--proof", help="`old N` and proof hashes (salur ledger proof).")
    ] = None,
    from_db: Annotated[
        bool, typer.Option("--from-db", help="Cosign the latest checkpoint in SALUR_DATABASE_URL.")
    ] = False,
    origin: Origin = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="File to write")] = None,
) -> None:
    """Cosign a checkpoint only if it extends the last one this witness cosigned; else exit 1."""
    witness = Witness(witness_dir())
    try:
        if from_db:
            with UnitOfWork(open_store()) as uow:
                log = service.find_log(uow.session, origin)
                cp, _ = cosigning.cosign_latest(uow, witness, log)
                cosigned = service.checkpoint_note(uow.session, cp)
        elif checkpoint_file is not None:
            data = _read(checkpoint_file)
            if proof_file is not None:
                request = parse_proof(_read(proof_file).decode("ascii", "replace")), data
            elif data.startswith(b"old "):
                request = parse_add_checkpoint(data)
            else:
                raise SalurError("ledger.witness_needs_input")
            cosigned = witness.cosign(request[1], request[0])
        else:
            raise SalurError("ledger.witness_needs_input")
    except WitnessRefusedError as refused:
        _say(str(refused), alert=t("ledger.witness_refused"))
        raise typer.Exit(1) from None
    signed = parse_checkpoint(parse_note(cosigned).text)
    _say(t("ledger.witness_cosigned", origin=signed.origin, size=signed.size))
    if out_file is None:
        _emit(cosigned)
    else:
        out_file.write_bytes(cosigned)
