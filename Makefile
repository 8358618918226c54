# finetracker: `make run` serves the register on http://127.0.0.1:8000; `make test` runs the suite.
.DEFAULT_GOAL := run
SHELL := /bin/bash

VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# The first Python >= 3.12 found: on PATH, then in pyenv's versions. PYTHON=... overrides.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 python \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.*/bin/python 2>/dev/null | sort -rV); do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v "$$p"; break; }; done)

.PHONY: run test install migrate register sample worker beat clean bench

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "finetracker needs Python 3.12 or newer, and none was found (tried python3.14 … python3, and pyenv)."; \
		echo "Install one (e.g. 'pyenv install 3.12') or point to it: make PYTHON=/path/to/python3.12 ..."; \
		exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed

migrate: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input

register: migrate
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_register

# The sample import source: a press feed this site serves itself (static/sample/), read by the worker.
# A server listening on every address is fetched on the loopback one.
SITE := http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)

# Not fatal: the site runs without its sample.
sample: register
	-DEBUG=$${DEBUG:-1} $(BIN)/python manage.py sample_source --site $(SITE)

# Site, Celery worker and beat together; Ctrl-C stops all three. Without REDIS_URL the broker is
# a folder under var/broker/ and needs no server. The sample's first import is queued as soon as the
# site answers, rather than when beat first looks for due sources, five minutes after it starts.
run: sample
	@export DEBUG=$${DEBUG:-1}; \
	$(BIN)/celery -A finetracker worker --loglevel=INFO --concurrency=2 > var/worker.log 2>&1 & worker=$$!; \
	$(BIN)/celery -A finetracker beat --loglevel=INFO > var/beat.log 2>&1 & beat=$$!; \
	$(BIN)/python manage.py sample_source --site $(SITE) --queue-first-import > var/sample.log 2>&1 & sample=$$!; \
	trap 'kill $$worker $$beat $$sample 2>/dev/null; wait' EXIT INT TERM; \
	echo "Worker and beat are running (logs: var/worker.log, var/beat.log, var/sample.log)."; \
	echo "finetracker: http://$(HOST):$(PORT)/  (editors: http://$(HOST):$(PORT)/admin/)"; \
	$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var/*

# The benchmark (bench/run.py; never part of `make test`): SCALE synthetic decisions in a database of
# their own (BENCH_DATABASE_URL, dropped and recreated), the same rows in Datasette, DURATION seconds of
# load per URL. Its own environment, so that Datasette never enters the site's dependencies.
BENCH_VENV := var/bench/venv
SCALE ?= 1000000
DURATION ?= 10

$(BENCH_VENV)/bin/python:
	@if [ -z "$(PYTHON)" ]; then echo "The benchmark needs Python 3.12 or newer: make PYTHON=/path/to/python3.12 bench"; exit 1; fi
	$(PYTHON) -m venv $(BENCH_VENV)

$(BENCH_VENV)/.installed: $(BENCH_VENV)/bin/python pyproject.toml bench/requirements.txt
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e . -r bench/requirements.txt
	@touch $@

# wrk comes from Debian; installed here when missing and we may (root), else the run says how.
bench: $(BENCH_VENV)/.installed
	@command -v wrk >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1 || \
		{ echo "Installing wrk (Debian)"; export DEBIAN_FRONTEND=noninteractive; \
		  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }
	$(BENCH_VENV)/bin/python bench/run.py --scale $(SCALE) --duration $(DURATION)
