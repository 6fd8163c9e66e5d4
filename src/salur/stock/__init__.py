"""Regency warehouse stock: receipts, sortir-lipat, replacement claims, on hand and shortage."""
