"""Chain of custody: who holds each package, every hop signed by devices and logged.

Pure core (no database, clock or framework): states (per-package state machine), tepat
(Bawaslu's right-target/type/quantity/time checks), reconcile (ballot balance at the TPS),
events (the signed event schemas and their canonical form), signing (device Ed25519
signatures), config (hop rules from data files). Storage and use cases: models, repository,
packages (what custody needs from kits), batch, seal_moves (an event's seals in the registry),
service; bast renders the paper handover record.
"""
