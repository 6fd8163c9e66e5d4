"""Election norms as data: one validated file per election type (quantities, reserves, weights)."""
