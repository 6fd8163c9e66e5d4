"""How an access rule finds the region a request touches: from a path parameter, or from the
package, custody event, log entry, device or plan the path names.

The region of a custody event is the smallest region holding all its packages' TPS (else its
findings', else the registered device's, else the parties'), so an event spanning two desa is
no single desa's to read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from salur.custody.events import parse_entry
from salur.custody.models import CustodyDevice, CustodyEvent, CustodyFinding, CustodyItem
from salur.errors import NotFoundError
from salur.geo.models import Tps
from salur.identity.errors import IdentityInputError
from salur.identity.regions import common_region, is_region
from salur.kits.models import Kit, KitPackage
from salur.ledger import repository as ledger_repo
from salur.ledger.models import LedgerLog
from salur.planning.models import PlanRow

PROVINCE = re.compile(r"^[0-9]{2}$")
NUMBER = re.compile(r"^[0-9]{1,19}$")
MAX_ID = 2**62


class RegionSource(Protocol):
    """Finds the region of a request from its path parameters."""

    def resolve(self, session: Session, params: Mapping[str, str]) -> str: ...


@dataclass(frozen=True)
class Nowhere:
    """The request touches no region (the caller's own account, the list of logs)."""

    def resolve(self, session: Session, params: Mapping[str, str]) -> str:
        return self.from_path(params)

    def from_path(self, params: Mapping[str, str]) -> str:
        return ""


@dataclass(frozen=True)
class InPath:
    """A region code in the path (dotted, or a 13-digit TPS code)."""

    name: str = "region"

    def resolve(self, session: Session, params: Mapping[str, str]) -> str:
        return self.from_path(params)

    def from_path(self, params: Mapping[str, str]) -> str:
        value = params.get(self.name, "")
        if not is_region(value):
            raise IdentityInputError("service.bad_region", field=self.name, value=value[:40])
        return value


@dataclass(frozen=True)
class ProvinceInPath:
    """A province code in the path (the province's log)."""

    name: str = "province"

    def resolve(self, session: Session, params: Mapping[str, str]) -> str:
        return self.from_path(params)

    def from_path(self, params: Mapping[str, str]) -> str:
        value = params.get(self.name, "")
        if not PROVINCE.fullmatch(value):
            raise IdentityInputError("service.bad_province", field=self.name, value=value[:40])
        return value


@dataclass(frozen=True)
class OfPackage:
    """The TPS of the kit package named in the path."""

    name: str = "package_id"

    def resolve(self, session: Session, params: Mapping[str, str]) -> str:
        package = params.get(self.name, "")
        query = (
            select(Tps.code)
            .join(Kit, Kit.tps_id == Tps.id)
            .join(KitPackage, KitPackage.kit_id == Kit.id)
            .where(KitPackage.id == package[:32])
        )
        code = session.scalar(query)
        if code is None:
            raise NotFoundError("custody.package_unknown", package=package[:40])
        return str(code)


@dataclass(frozen=True)
class OfEvent:
    """The region of the custody event whose id is in the path."""

    name: str = "event_id"

    def resolve(self, session: Session, params: Mapping[str, str]) -> str:
        event_id = _number(params, self.name)
        event = session.get(CustodyEvent, event_id)
        if event is None:
            raise NotFoundError("custody.event_unknown", event=str(event_id))
        return event_region(session, event)


@dataclass(frozen=True)
class OfEntry:
    """The region of the custody event logged at the entry in the path (else the province)."""

    province: str = "province"
    index: str = "index"

    def resolve(self, session: Session, params: Mapping[str, str]) -> str:
        province = ProvinceInPath(self.province).resolve(session, params)
        index = _number(params, self.index)
        log = session.scalars(
            select(LedgerLog).where(LedgerLog.province_code == province).order_by(LedgerLog.id)
        ).first()
        if log is None or ledger_repo.entry_at(session, log.id, index) is None:
            raise NotFoundError("ledger.no_entry", index=index, origin=province)
        query = select(CustodyEvent).where(
            CustodyEvent.log_id == log.id, CustodyEvent.log_index == index
        )
        event = session.scalars(query).one_or_none()
        return province if event is None else event_region(session, event) or province


@dataclass(frozen=True)
class OfDevice:
    """The region a signing device is registered to act in."""

    name: str = "device_id"

    def resolve(self, session: Session, params: Mapping[str, str]) -> str:
        device_id = params.get(self.name, "")
        device = session.get(CustodyDevice, device_id[:40])
        if device is None:
            raise NotFoundError("custody.device_unknown", device=device_id[:40])
        return device.region_code


@dataclass(frozen=True)
class OfPlan:
    """The region a stored plan covers."""

    name: str = "plan_id"

    def resolve(self, session: Session, params: Mapping[str, str]) -> str:
        plan_id = _number(params, self.name)
        plan = session.get(PlanRow, plan_id)
        if plan is None:
            raise NotFoundError("plan.unknown", plan_id=plan_id)
        return plan.region_code


def event_region(session: Session, event: CustodyEvent) -> str:
    """The smallest region holding everything a custody event concerns."""
    tps = list(
        session.scalars(select(CustodyItem.tps_code).where(CustodyItem.event_id == event.id))
    )
    if not tps:
        tps = [
            code
            for code in session.scalars(
                select(CustodyFinding.tps_code).where(CustodyFinding.event_id == event.id)
            )
            if code
        ]
    if tps:
        return common_region(tps)
    device = session.scalars(
        select(CustodyDevice).where(CustodyDevice.event_id == event.id)
    ).first()
    if device is not None:
        return device.region_code
    if event.cause_event_id is not None:
        cause = session.get(CustodyEvent, event.cause_event_id)
        if cause is not None:
            return event_region(session, cause)
    entry = ledger_repo.entry_at(session, event.log_id, event.log_index)
    if entry is None:
        return ""
    body = parse_entry(bytes(entry.entry)).get("event", {})
    regions = [
        str(party["region"])
        for name in ("giver", "receiver", "by", "reporter")
        if isinstance(party := body.get(name), dict) and "region" in party
    ]
    return common_region(regions)


def _number(params: Mapping[str, str], name: str) -> int:
    value = params.get(name, "")
    if not NUMBER.fullmatch(value) or int(value) > MAX_ID:
        raise IdentityInputError("service.bad_number", field=name, value=value[:40])
    return int(value)


PATH_ONLY = (Nowhere, InPath, ProvinceInPath)
