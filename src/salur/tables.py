"""Imports every feature's tables, so `Base.metadata` (and Alembic) sees the whole schema."""

from salur.custody import models as custody_models
from salur.geo import models as geo_models
from salur.identity import models as identity_models
from salur.incidents import models as incidents_models
from salur.kits import models as kits_models
from salur.ledger import models as ledger_models
from salur.needs import models as needs_models
from salur.planning import models as planning_models
from salur.service import models as service_models
from salur.stock import models as stock_models

__all__ = [
    "custody_models",
    "geo_models",
    "identity_models",
    "incidents_models",
    "kits_models",
    "ledger_models",
    "needs_models",
    "planning_models",
    "service_models",
    "stock_models",
]
