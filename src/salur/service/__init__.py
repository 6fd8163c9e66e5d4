"""The salur service: a role- and region-scoped HTTP API over the store, with offline sync."""
