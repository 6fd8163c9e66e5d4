"""salur: election logistics, from the KPU warehouse to every TPS and back, on a verifiable log."""

__version__ = "0.1.0"
