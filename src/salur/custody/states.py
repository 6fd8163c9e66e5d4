"""Where one package is in its chain of custody, and which moves its state allows.

A package starts held by its regency's warehouse, travels warehouse -> PPK -> PPS -> KPPS, is
opened at the TPS on voting day, sealed again after counting and travels back KPPS -> PPS ->
PPK -> warehouse. Each move either returns the next state or raises `CustodyRefusedError` with
a message key saying why it is impossible; whether the move is *right* (right TPS, right dapil,
on time) is `tepat`'s question, not this module's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from itertools import pairwise

from salur.errors import SalurError


class Level(StrEnum):
    """A link of the chain; its holder's region is a regency, kecamatan, desa or TPS code."""

    WAREHOUSE = "warehouse"
    PPK = "ppk"
    PPS = "pps"
    KPPS = "kpps"


class Phase(StrEnum):
    """Outbound until opened at the TPS; opened; resealed for the way back."""

    OUTBOUND = "outbound"
    OPENED = "opened"
    RESEALED = "resealed"


@dataclass(frozen=True, slots=True)
class Place:
    """A holder: a level of the chain and the code of its region."""

    level: Level
    region: str


@dataclass(frozen=True, slots=True)
class Hop:
    """A move between two adjacent levels; its id names its rule file (e.g. `ppk_pps`)."""

    giver: Level
    receiver: Level

    @property
    def id(self) -> str:
        return f"{self.giver.value}_{self.receiver.value}"


_CHAIN = (Level.WAREHOUSE, Level.PPK, Level.PPS, Level.KPPS)
OUTBOUND_HOPS = tuple(Hop(a, b) for a, b in pairwise(_CHAIN))
RETURN_HOPS = tuple(Hop(b, a) for a, b in reversed(list(pairwise(_CHAIN))))
HOPS = {hop.id: hop for hop in (*OUTBOUND_HOPS, *RETURN_HOPS)}


@dataclass(frozen=True, slots=True)
class PackageState:
    """Who is accountable for a package: its holder, and where it is heading if in transit."""

    phase: Phase
    holder: Place
    heading_to: Place | None = None

    @property
    def in_transit(self) -> bool:
        return self.heading_to is not None


@dataclass(frozen=True, slots=True)
class Dispatch:
    """The holder sends the package off towards `to` (it stays accountable until receipt)."""

    giver: Place
    to: Place


@dataclass(frozen=True, slots=True)
class Receive:
    """The addressee of a dispatch takes the package."""

    receiver: Place


@dataclass(frozen=True, slots=True)
class HandOver:
    """A BAST: the giver hands the package to the receiver in person."""

    giver: Place
    receiver: Place


@dataclass(frozen=True, slots=True)
class CheckSeals:
    """The holder checks the seals (the package stays where it is)."""

    by: Place


@dataclass(frozen=True, slots=True)
class Open:
    """KPPS open the package at the TPS; `voting_day_reached` is the caller's clock reading."""

    by: Place
    voting_day_reached: bool


@dataclass(frozen=True, slots=True)
class SealForReturn:
    """KPPS seal the package again after counting, for the way back."""

    by: Place


Move = Dispatch | Receive | HandOver | CheckSeals | Open | SealForReturn


class CustodyRefusedError(SalurError):
    """A move the package's custody state makes impossible."""

    code = "custody_refused"
    status = 409


def start(regency: str) -> PackageState:
    """A packed package, held by the warehouse of its regency."""
    return PackageState(Phase.OUTBOUND, Place(Level.WAREHOUSE, regency))


def next_state(state: PackageState, move: Move, package: str = "") -> PackageState:
    """The state after `move`, or CustodyRefusedError naming the package and why not."""
    match move:
        case Dispatch(giver, to):
            _held_by(state, giver, package)
            _check_hop(state, Hop(giver.level, to.level), package)
            return replace(state, heading_to=to)
        case HandOver(giver, receiver):
            if state.holder != giver:
                raise _refuse("custody.not_holder", state, package, who=giver.region)
            _check_hop(state, Hop(giver.level, receiver.level), package)
            if state.heading_to not in (None, receiver):
                raise _refuse("custody.not_addressee", state, package, who=receiver.region)
            return PackageState(state.phase, receiver)
        case Receive(receiver):
            if state.heading_to is None:
                raise _refuse("custody.receive_before_dispatch", state, package)
            if state.heading_to != receiver:
                raise _refuse("custody.not_addressee", state, package, who=receiver.region)
            return PackageState(state.phase, receiver)
        case CheckSeals(by):
            _held_by(state, by, package)
            if state.phase is Phase.OPENED:
                raise _refuse("custody.check_opened", state, package)
            return state
        case Open(by, reached):
            return _open(state, by, reached, package)
        case SealForReturn(by):
            _held_by(state, by, package)
            if state.phase is not Phase.OPENED:
                key = {
                    Phase.OUTBOUND: "custody.seal_before_opening",
                    Phase.RESEALED: "custody.already_resealed",
                }[state.phase]
                raise _refuse(key, state, package)
            return replace(state, phase=Phase.RESEALED)
    raise TypeError(f"not a custody move: {move!r}")  # pragma: no cover


def _open(state: PackageState, by: Place, reached: bool, package: str) -> PackageState:
    if state.phase is not Phase.OUTBOUND:
        raise _refuse("custody.already_opened", state, package)
    _held_by(state, by, package)
    if by.level is not Level.KPPS:
        raise _refuse("custody.open_not_at_tps", state, package)
    if not reached:
        raise _refuse("custody.open_before_voting_day", state, package)
    return replace(state, phase=Phase.OPENED)


def _held_by(state: PackageState, place: Place, package: str) -> None:
    if state.in_transit:
        raise _refuse("custody.in_transit", state, package)
    if state.holder != place:
        raise _refuse("custody.not_holder", state, package, who=place.region)


def _check_hop(state: PackageState, hop: Hop, package: str) -> None:
    if hop in OUTBOUND_HOPS:
        if state.phase is not Phase.OUTBOUND:
            raise _refuse("custody.outbound_after_opening", state, package)
    elif hop in RETURN_HOPS:
        if state.phase is Phase.OUTBOUND:
            raise _refuse("custody.return_before_opening", state, package)
        if state.phase is Phase.OPENED:
            raise _refuse("custody.return_before_sealing", state, package)
    else:
        raise _refuse("custody.no_such_hop", state, package, hop=hop.id)


def _refuse(key: str, state: PackageState, package: str, **params: str) -> CustodyRefusedError:
    return CustodyRefusedError(
        key,
        package=package,
        holder=f"{state.holder.level.value} {state.holder.region}",
        phase=state.phase.value,
        **params,
    )
