"""Needs: exact quantities per TPS per item, ballots by type and dapil, and their roll-ups."""
