"""Fixtures of the stock tests: a fresh Meranti store per test on each backend."""

from tests.integration.stock.meranti import meranti, meranti_folder, meranti_template

__all__ = ["meranti", "meranti_folder", "meranti_template"]
