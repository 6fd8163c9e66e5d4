# The two commands a newcomer needs (see README.md): `make demo` and `make test`.
# Everything else here is what they depend on.

PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv

.PHONY: demo test bench lint env

demo: env  ## The main job: a whole Riau season on the embedded SQLite store (var/salur.sqlite), files in out/
	$(VENV)/bin/salur demo --fresh

test: env  ## The whole test suite (SQLite and PostgreSQL at 127.0.0.1:5432)
	scripts/ensure-tools
	scripts/ensure-postgres
	$(VENV)/bin/pytest -q

bench: env  ## Benchmarks: one table each (needs, routing, ledger, Riau plan)
	$(VENV)/bin/python benchmarks/needs_national.py
	$(VENV)/bin/python benchmarks/routing_instances.py
	$(VENV)/bin/python benchmarks/ledger_bench.py
	$(VENV)/bin/python benchmarks/plan_riau.py
	$(VENV)/bin/python benchmarks/replan_riau.py
	$(VENV)/bin/python benchmarks/service_bench.py
	$(VENV)/bin/python benchmarks/season_riau.py

lint: env
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy

env: $(VENV)/.synced

# uv lives in its own small environment so that `uv sync` (which makes .venv match the lock file
# exactly) never removes uv itself.
$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv>=0.5"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@
