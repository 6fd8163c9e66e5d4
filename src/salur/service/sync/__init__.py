"""Offline sync: batches of signed custody events from devices, applied exactly once."""
