"""Who may do what, in one table: every access rule the routes declare.

Reading is scoped: a user reads what lies in their region. Logistics changes (needs runs,
stock papers, packing) belong to KPU; packages move only through signed custody events that
field devices upload. Bawaslu reads everything in its scope and changes no logistics: it files
findings and cosigns checkpoints. The public reads the geography, aggregate status and the log.
"""

from __future__ import annotations

from salur.identity.roles import DEVICE_ROLES, UPLOADS, Role
from salur.service.access import Rule
from salur.service.regions import (
    InPath,
    OfDevice,
    OfEntry,
    OfEvent,
    OfPackage,
    OfPlan,
    ProvinceInPath,
)

EVERYONE = frozenset(Role)
KPU = frozenset({Role.KPU_PROVINCE, Role.KPU_REGENCY})
COMMITTEES = frozenset({Role.PPK, Role.PPS, Role.KPPS})
LOGISTICS_READERS = KPU | COMMITTEES | {Role.BAWASLU}
PLAN_READERS = KPU | {Role.PPK, Role.POLICE_ESCORT, Role.BAWASLU}
DEVICE_HOLDERS = frozenset(role for role, names in DEVICE_ROLES.items() if names)
UPLOADERS = frozenset(role for role, kinds in UPLOADS.items() if kinds)

# Identity: signing in is public; the rest is the caller's own account.
SIGN_IN = Rule("auth.sign_in", None)
SIGN_OUT = Rule("auth.sign_out", EVERYONE, writes=True)
ME = Rule("me.read", EVERYONE)
REGISTER_DEVICE = Rule("devices.register", DEVICE_HOLDERS, writes=True)
REVOKE_DEVICE = Rule("devices.revoke", KPU, OfDevice(), writes=True)

# Reference data and aggregate progress are public.
GEOGRAPHY = Rule("geography.read", None)
GEOGRAPHY_REGION = Rule("geography.read", None, InPath())
STATUS = Rule("shipments.status", None, InPath())
META = Rule("meta.read", None)

NEEDS = Rule("needs.read", LOGISTICS_READERS, InPath())
COMPUTE_NEEDS = Rule("needs.compute", KPU, InPath(), writes=True)
STOCK = Rule("stock.read", KPU | {Role.BAWASLU}, InPath())
RECORD_STOCK = Rule("stock.record", KPU, InPath(), writes=True)
KITS = Rule("kits.read", LOGISTICS_READERS, InPath())
PACKAGE = Rule("kits.read_package", LOGISTICS_READERS, OfPackage())
PACK_KITS = Rule("kits.pack", KPU, InPath(), writes=True)
PLANS = Rule("plans.read", PLAN_READERS, InPath())
PLAN = Rule("plans.read_plan", PLAN_READERS, OfPlan())
PLAN_STOPS = Rule("plans.read_stops", PLAN_READERS | {Role.PPS}, InPath())
SHIPMENTS = Rule("shipments.read", EVERYONE, InPath())
HANDOVERS = Rule("handovers.read", EVERYONE, InPath())
EVENT = Rule("handovers.read_event", EVERYONE, OfEvent())
INCIDENTS = Rule("incidents.read", EVERYONE, InPath())
FINDINGS = Rule("findings.read", LOGISTICS_READERS, InPath())
FILE_FINDING = Rule("findings.file", {Role.BAWASLU}, InPath(), writes=True)
RECONCILIATION = Rule("reconciliation.read", LOGISTICS_READERS, InPath())
SUMMARY = Rule("reports.summary", EVERYONE, InPath())
NEEDS_REPORT = Rule("reports.needs", LOGISTICS_READERS, InPath())

# The log is public, except the exact entries (pseudonyms, device ids) and who may cosign.
LOG = Rule("log.read", None)
LOG_PROVINCE = Rule("log.read", None, ProvinceInPath())
RAW_ENTRY = Rule("log.read_raw", EVERYONE, OfEntry())
COSIGN = Rule("log.cosign", {Role.BAWASLU}, ProvinceInPath(), writes=True)
ADD_WITNESS = Rule("log.add_witness", {Role.KPU_PROVINCE}, ProvinceInPath(), writes=True)

# Offline sync: only through a device the caller owns.
SYNC = Rule("sync.upload", UPLOADERS, OfDevice(), writes=True, owner=True)
SYNC_STATE = Rule("sync.read", UPLOADERS, OfDevice(), owner=True)
