# memory_stack: every target that needs the environment runs `setup` first (idempotent).
VENV ?= .venv
PY := $(VENV)/bin/python
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup interfaces demo test test-fast bench lint mutation freeze clean

setup:
	@bash scripts/setup.sh

interfaces: setup

demo: setup
	$(VENV)/bin/memstack demo --out demo_out

test: setup
	$(PY) -m pytest -n 2 --durations=15

test-fast: setup
	$(PY) -m pytest -n 2 -m "not slow"

bench: setup
	$(VENV)/bin/memstack bench ingest --json
	$(VENV)/bin/memstack bench query --json
	$(VENV)/bin/memstack bench eqa --json

lint: setup
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

# mutmut over the transaction, replay-skip and negative-evidence code, then the hand mutants of the decorated
# transaction code mutmut cannot reach (docs/BENCHMARKS.md "Break it on purpose"; results kept in mutants/)
mutation: setup
	bash scripts/mutation.sh
	nice -n 10 $(PY) scripts/hand_mutants.py

freeze: setup
	$(PY) scripts/freeze_requirements.py

clean:
	rm -rf build $(VENV) demo_out bench_out .pytest_cache
