"""Child process of the crash test: appends custody events and their leaves until it is killed.

Each transaction writes 1 to 5 events, each with its log entry, and now and then the writer
signs a checkpoint; after each commit it reports how many events it has committed. The test
forks it (so it starts without re-importing everything); it also runs on its own as
`python -m tests.integration.ledger.crash_appender URL ORIGIN KEY_DIR SEED`.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, Text, insert
from sqlalchemy.orm import Session

from salur.db import make_engine
from salur.ledger import service
from salur.uow import UnitOfWork

EVENTS = Table(
    "test_custody_event",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("log_index", BigInteger, nullable=False, unique=True),
    Column("payload", Text, nullable=False),
)


def append_forever(
    url: str, origin: str, keys: Path, seed: int, report: Callable[[int], None]
) -> None:
    """Append until killed, on an engine of its own; `report` gets the events committed so far."""
    engine = make_engine(url)
    rng = random.Random(seed)
    with Session(engine) as session:
        log = service.find_log(session, origin)
    committed = 0
    while True:
        with UnitOfWork(engine) as uow:
            batch = rng.randint(1, 5)
            for _ in range(batch):
                payload = {"event": "serah-terima", "seed": seed, "n": committed, "r": rng.random()}
                index, _ = service.append_entry(uow.session, log, payload)
                uow.session.execute(
                    insert(EVENTS).values(log_index=index, payload=json.dumps(payload))
                )
            uow.commit()
        committed += batch
        report(committed)
        if rng.random() < 0.05:
            with UnitOfWork(engine) as uow:
                service.sign_checkpoint(uow, log, keys=keys)


if __name__ == "__main__":
    append_forever(
        sys.argv[1],
        sys.argv[2],
        Path(sys.argv[3]),
        int(sys.argv[4]),
        lambda n: print(n, flush=True),
    )
