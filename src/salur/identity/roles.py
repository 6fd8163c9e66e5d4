"""Who is who: the roles of salur's users, the region levels each may be scoped to, the device
roles they sign custody events under, and the events each may upload.

Role names here are the API's; custody names the same people by their place in the chain
(`custody/rules/election.toml`), so devices carry the custody name.
"""

from __future__ import annotations

from enum import StrEnum

from salur.identity.regions import RegionLevel


class Role(StrEnum):
    """A user's role. The anonymous public has no role and no user."""

    KPU_PROVINCE = "kpu_province"
    KPU_REGENCY = "kpu_regency"
    PPK = "ppk"
    PPS = "pps"
    KPPS = "kpps"
    POLICE_ESCORT = "police_escort"
    BAWASLU = "bawaslu"


# The levels a role's scope may name: KPU offices and committees each have one; police escort
# from Polda, Polres or Polsek; Bawaslu supervises at every level down to the TPS (PTPS).
SCOPE_LEVELS: dict[Role, frozenset[RegionLevel]] = {
    Role.KPU_PROVINCE: frozenset({RegionLevel.PROVINCE}),
    Role.KPU_REGENCY: frozenset({RegionLevel.REGENCY}),
    Role.PPK: frozenset({RegionLevel.DISTRICT}),
    Role.PPS: frozenset({RegionLevel.VILLAGE}),
    Role.KPPS: frozenset({RegionLevel.TPS}),
    Role.POLICE_ESCORT: frozenset(
        {RegionLevel.PROVINCE, RegionLevel.REGENCY, RegionLevel.DISTRICT}
    ),
    Role.BAWASLU: frozenset(
        {
            RegionLevel.PROVINCE,
            RegionLevel.REGENCY,
            RegionLevel.DISTRICT,
            RegionLevel.VILLAGE,
            RegionLevel.TPS,
        }
    ),
}

# Custody roles a user's device may sign as (the first is the default).
DEVICE_ROLES: dict[Role, tuple[str, ...]] = {
    Role.KPU_PROVINCE: (),
    Role.KPU_REGENCY: ("kpu_kab",),
    Role.PPK: ("ppk",),
    Role.PPS: ("pps",),
    Role.KPPS: ("kpps",),
    Role.POLICE_ESCORT: ("polisi",),
    Role.BAWASLU: ("bawaslu_kab", "panwascam", "pkd", "ptps"),
}
# Bawaslu's custody role follows the level of its scope (Panwascam, PKD, PTPS).
BAWASLU_DEVICE_ROLE: dict[RegionLevel, str] = {
    RegionLevel.PROVINCE: "bawaslu_kab",
    RegionLevel.REGENCY: "bawaslu_kab",
    RegionLevel.DISTRICT: "panwascam",
    RegionLevel.VILLAGE: "pkd",
    RegionLevel.TPS: "ptps",
}

PACKAGE_EVENTS = ("dispatch", "handover", "receipt", "seal_check", "opening", "sealed_return")
# Custody events a role's devices may upload: holders move packages; an escort reports
# incidents on the road; Bawaslu files findings through the API instead and uploads nothing.
UPLOADS: dict[Role, frozenset[str]] = {
    Role.KPU_PROVINCE: frozenset(),
    Role.KPU_REGENCY: frozenset({*PACKAGE_EVENTS, "incident"}),
    Role.PPK: frozenset({*PACKAGE_EVENTS, "incident"}),
    Role.PPS: frozenset({*PACKAGE_EVENTS, "incident"}),
    Role.KPPS: frozenset({*PACKAGE_EVENTS, "incident"}),
    Role.POLICE_ESCORT: frozenset({"incident"}),
    Role.BAWASLU: frozenset(),
}


def default_device_role(role: Role, level: RegionLevel) -> str | None:
    """The custody role a new device of this user signs as, if the role has devices."""
    if role is Role.BAWASLU:
        return BAWASLU_DEVICE_ROLE[level]
    choices = DEVICE_ROLES[role]
    return choices[0] if choices else None
