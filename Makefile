# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run test install install-dev system-tools lint format e2e bench load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# What the tests call outside Python: GNU gettext (the French plural check), poppler (pages of the
# letters turned into images) and SoftHSM (a PKCS#11 token to sign with), from Debian's packages when missing.
system-tools:
	@command -v msgfmt >/dev/null && command -v pdftoppm >/dev/null && command -v softhsm2-util >/dev/null \
	  || (apt-get update -qq && apt-get install -y -qq gettext poppler-utils softhsm2)

# Development server on the embedded SQLite database, with the demo data, the task worker (letter batches,
# e-mails, the daily reminders) and a local SMTP server (aiosmtpd) that keeps every e-mail sent under
# var/mail/ (page « Courriels envoyés »).
MAIL_HOST ?= 127.0.0.1:8025
run: export DEBUG ?= 1
run: export EMAIL_URL ?= smtp://$(MAIL_HOST)
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py schedule_reminders
	@echo "Comptes : admin, caf-11, ddets-11, cdsf-11, caf-31, ddets-31, cdsf-31, caf-30, ddets-30, cdsf-30, prefecture-76 — mot de passe fipe-demo"
	@mkdir -p var
	$(BIN)/python -m aiosmtpd -n -l $(MAIL_HOST) -c aiosmtpd.handlers.Mailbox var/mail & \
	  SINK=$$!; \
	  $(BIN)/python manage.py db_worker --interval 1 & \
	  WORKER=$$!; trap "kill $$WORKER $$SINK 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST)

# The whole suite; uses DATABASE_URL when set (PostgreSQL), SQLite otherwise.
test: install-dev system-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Browser journeys and accessibility checks in Debian's Chromium (installed here when missing), two at a
# time, each starting from its own copy of the demo.
e2e: install-dev
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)
	$(BIN)/python -m pytest -m e2e -n 2 tests/e2e $(PYTEST_ARGS)

# Benchmarks: figures and ratios against a floor, written to bench/results.json.
bench: install-dev
	$(BIN)/python -m bench $(BENCH)

# Load test: gunicorn (2 workers) on PostgreSQL, wrk for 60 s at 20 connections (127.0.0.1 only).
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fipe_load
load: install-dev
	@command -v wrk >/dev/null || apt-get install -y -qq wrk
	@psql "$(dir $(LOAD_DATABASE_URL))postgres" -qtc "SELECT 1 FROM pg_database WHERE datname='$(notdir $(LOAD_DATABASE_URL))'" | grep -q 1 \
	  || psql "$(dir $(LOAD_DATABASE_URL))postgres" -qc "CREATE DATABASE $(notdir $(LOAD_DATABASE_URL))"
	DATABASE_URL=$(LOAD_DATABASE_URL) $(BIN)/python -m bench.load

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles var
