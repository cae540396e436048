.PHONY: install test lint format example bench

install:
	python3 -m venv .venv && .venv/bin/pip install -e ".[dev]"

test:
	.venv/bin/python -m pytest -q

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

example:
	.venv/bin/negoprep prepare cases/supplier-claim --replay

bench:
	.venv/bin/python scripts/bench_retrieval.py
