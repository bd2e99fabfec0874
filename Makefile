# qotd — `make run` plays the bot in your terminal, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test soak bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("qotd needs Python 3.11 or newer, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/qotd run

test: $(STAMP)  ## one worker per core (pytest-xdist); the month-long soak starts first
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

soak: $(STAMP)  ## the month-long soak at full size (500 channels, 2,000 members) on SQLite too (PostgreSQL plays it in every test run)
	QOTD_SOAK_CHANNELS=500 $(BIN)/python -m pytest tests/test_soak.py $(PYTEST_ARGS)

bench: $(STAMP)  ## the benchmarks with their targets; writes benchmarks/results/<date>.{json,md} (PostgreSQL too with TEST_DATABASE_URL)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache
