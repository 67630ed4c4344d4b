# One entry point for newcomers and CI. `make run` and `make test` are the two commands.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
RASA_FILES := --config bot/config.yml --domain bot/domain --data data
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONPATH := $(CURDIR)
# endpoints.yml reads these; bot/serve.py sets them for the servers it starts.
export ACTION_SERVER_URL ?= http://127.0.0.1:5055/webhook
export ACTION_SERVER_TOKEN ?=
export TRACKER_DB_DIALECT ?= sqlite
export TRACKER_DB ?= run/tracker.db
export TRACKER_DB_HOST ?=
export TRACKER_DB_USER ?=
export TRACKER_DB_PASSWORD ?=
export LOCK_STORE_TYPE ?= in_memory
export REDIS_HOST ?= 127.0.0.1
export REDIS_PORT ?= 6379
export REDIS_PASSWORD ?=
export REDIS_DB ?= 1

# Rasa 3.6 needs Python 3.10: take the first interpreter that really is 3.10.
PYTHON310_CANDIDATES := python3.10 $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10) \
	/usr/local/bin/python3.10 /usr/bin/python3.10
PYTHON310 = $(firstword $(foreach p,$(PYTHON310_CANDIDATES),$(shell $(p) -c \
	'import sys; sys.version_info[:2] == (3, 10) and print(sys.executable)' 2>/dev/null)))

.PHONY: help setup train run test validate pytest story-test replicas-test evaluate benchmark profile red-flags retention lint clean

help:
	@echo "make run        set up what is missing, train if stale, start the assistant on 127.0.0.1:5005"
	@echo "make test       validate the data, train if stale, run pytest and the rasa test stories"
	@echo "make replicas-test  two Rasa servers on real PostgreSQL + Redis (loopback): nothing lost or mixed up"
	@echo "make evaluate   train on data/, score the held-out tests/nlu set -> docs/evaluation.{md,json}"
	@echo "make benchmark  this assistant vs a plain rasa init bot, 1 and 20 clients -> figures for docs/performance.md"
	@echo "make profile    where the time of one message goes, stage by stage"
	@echo "make red-flags  red-flag recall and false alarms -> docs/red-flags.md"
	@echo "make retention  delete transcripts older than RETENTION_DAYS (180)"

$(VENV)/.synced: pyproject.toml uv.lock
	@python="$(PYTHON310)"; if [ -z "$$python" ]; then \
	  echo "error: Python 3.10 is required (Rasa 3.6 does not run on newer Pythons)." >&2; \
	  echo "Install it, e.g. 'pyenv install 3.10.13', and run make again." >&2; exit 1; fi; \
	command -v uv >/dev/null || python3 -m pip install --quiet uv; \
	uv sync --frozen --python "$$python"
	@touch $@

setup: $(VENV)/.synced

# `rasa train` compares fingerprints and only retrains what changed.
train: setup
	$(RASA) train $(RASA_FILES) --out models

run: train
	$(PY) -m bot.serve

validate: setup
	$(PY) -m bot.tools.validate

pytest: train
	$(PY) -m pytest

story-test: train
	$(RASA) test core --model models --stories tests/stories --endpoints endpoints.yml \
	  --fail-on-prediction-errors --out results/stories --no-plot

test: lint validate pytest story-test

# The replicated topology alone (pytest runs it too): PostgreSQL and Redis from Debian's packages.
replicas-test: train
	$(PY) -m pytest tests/e2e/test_replicated_servers.py

evaluate: setup
	$(PY) -m bot.evaluation

benchmark: train
	$(PY) -m bot.benchmark

profile: train
	$(PY) -m bot.tools.profile_messages

# Red-flag recall and false alarms on the held-out safety set -> docs/red-flags.md
red-flags: setup
	$(PY) -m bot.tools.red_flag_report

# Delete transcripts older than RETENTION_DAYS (default 180); run it daily (docs/privacy.md)
retention: setup
	$(PY) -m bot.retention

lint: setup
	$(VENV)/bin/ruff check bot actions tests

clean:
	rm -rf models results run .pytest_cache
