"""Voters per TPS (DPT): imported official figures, or an openly labelled estimate."""
