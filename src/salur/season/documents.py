"""What a season leaves for people to read and check: a sample of handover receipts with the
keys to verify them offline (verified here as `salur verify` does), BAST PDFs printed through the
service, and the risk table of the report."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from salur.i18n import t
from salur.ledger import service as ledger
from salur.ledger.verify import check_receipt
from salur.ledger.witness import Witness
from salur.risk.service import RiskAssessment
from salur.season.client import Api

SAMPLE_RECEIPTS = 12
SAMPLE_BAST = 6
RISK_ROWS = 10


def receipts(
    api: Api,
    token: str,
    engine: Engine,
    handovers: list[int],
    witness: Witness,
    out: Path,
) -> tuple[int, int]:
    """A sample of handover receipts fetched after the last cosignature, written to out/ with
    the keys, and verified offline as `salur verify` does; returns (checked, verified)."""
    folder = out / "receipts"
    folder.mkdir(parents=True, exist_ok=True)
    with Session(engine) as s:
        log = ledger.find_log(s)
    (folder / "log.vkey").write_text(log.vkey + "\n", encoding="utf-8")
    (folder / "bawaslu.vkey").write_text(witness.vkey + "\n", encoding="utf-8")
    sample = _spread(handovers, SAMPLE_RECEIPTS)
    verified = 0
    for event_id in sample:
        data = api.receipt(token, event_id)
        (folder / f"handover-{event_id}.tlog-proof").write_bytes(data)
        try:
            check_receipt(data, log_vkey=log.vkey, witness_vkeys=[witness.vkey])
            verified += 1
        except Exception:
            continue
    return len(sample), verified


def basts(api: Api, token: str, handovers: list[int], out: Path) -> list[tuple[str, str]]:
    """BAST PDFs of a sample of handovers, through the service as an office prints them."""
    folder = out / "bast"
    folder.mkdir(parents=True, exist_ok=True)
    documents = [
        ("plan/map.html", "Peta rencana distribusi / distribution plan map"),
        ("needs.html", "Kebutuhan logistik / logistics needs"),
    ]
    for event_id in _spread(handovers, SAMPLE_BAST):
        pdf = api.http.get(
            f"/events/{event_id}/bast.pdf", headers={"Authorization": f"Bearer {token}"}
        )
        if pdf.status_code == 200:
            name = f"bast/bast-{event_id}.pdf"
            (out / name).write_bytes(pdf.content)
            documents.append((name, f"BAST {event_id}"))
    return documents


def risk_rows(risk: RiskAssessment) -> tuple[list[str], list[list[object]]]:
    """The TPS most likely to miss H-1, with the causes of their score."""
    header = [
        "TPS",
        t("season.report.risk_place"),
        t("season.report.risk_score"),
        t("season.report.risk_p_miss"),
        t("season.report.risk_delay"),
        t("season.report.risk_causes"),
    ]
    top = sorted(risk.tps, key=lambda r: (-r.p_miss, -r.score.total, r.tps))[:RISK_ROWS]
    rows: list[list[object]] = [
        [
            r.tps,
            risk.names.get(r.district, r.district),
            round(r.score.total),
            f"{r.p_miss:.1%}",
            f"{r.p90_delay_h:.1f} h",
            ", ".join(
                f"{cause} {points:.0f}"
                for cause, points in sorted(r.score.points.items(), key=lambda kv: -kv[1])[:3]
                if points > 0
            ),
        ]
        for r in top
    ]
    return header, rows


def _spread(items: list[int], count: int) -> list[int]:
    """`count` items spread evenly over the list (first to last)."""
    if len(items) <= count:
        return list(items)
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]
