# The two set-up commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app collab
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install translations db demo bench browser-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the package metadata changed.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

translations: install
	$(FLASK) translate compile

db: install
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo --if-empty

run: translations demo
	COLLAB_SCHEDULER_AUTOSTART=true $(FLASK) run --host 127.0.0.1 --port 5000

# pytest-xdist workers: one per core, at most 4 (TEST_WORKERS=0: a single process).
# PYTEST_ARGS come last, so e.g. PYTEST_ARGS="-n 1 -k booking" wins over these.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ "$$n" -gt 4 ] && n=4; echo $$n)

test: translations
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
