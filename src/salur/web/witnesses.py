"""Witness codes: how a supervisor (Bawaslu's Panwascam, PKD, PTPS) or a police officer present at
a handover gets named in the event the field officer signs, without typing a pseudonym.

The code is `salur-saksi:v1:<custody role>:<region>:<pseudonym>`, shown as text and as a QR code
on the witness's own page; the field page scans or types it and lists the witness in the event
(a witness need not sign). It names a role, a region and a pseudonym: nothing personal.
"""

from __future__ import annotations

import segno
from markupsafe import Markup

from salur.identity.models import User
from salur.identity.regions import level_of
from salur.identity.roles import Role, default_device_role

PREFIX = "salur-saksi:v1"


def witness_role(user: User) -> str | None:
    """The custody role a user witnesses as: Bawaslu's by the level of its scope, the police's."""
    role = Role(user.role)
    if role not in (Role.BAWASLU, Role.POLICE_ESCORT):
        return None
    return default_device_role(role, level_of(user.region_code))


def witness_code(user: User) -> str | None:
    role = witness_role(user)
    if role is None:
        return None
    return f"{PREFIX}:{role}:{user.region_code}:{user.person}"


def qr_svg(text: str) -> Markup:
    """A QR code of `text` as inline SVG (error level M, 3 px modules)."""
    return Markup(segno.make(text, error="m", micro=False).svg_inline(scale=4, border=2))
