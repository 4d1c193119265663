# The two set-up commands of the README: `make demo` and `make test`.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV_VERSION := 0.13.9
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pagg
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: install browser demo test lint audit messages

install:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv==$(UV_VERSION)
	uv sync --frozen --python $(PYTHON)

# Embedded default: SQLite, Celery eager, demo data, development server. DEBUG is off
# (pagg/settings.py), so people meet the Spanish 403/404/500 pages; whitenoise serves
# the static files. DEBUG=1 make demo brings Django's debug pages back.
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  PAGG Municipal is running at http://$(HOST):$(PORT)/"
	@echo ""
	@$(PY) manage.py run_scheduler --interval 60 & SCHED=$$!; \
		trap "kill $$SCHED" EXIT INT TERM; \
		$(PY) manage.py runserver $(HOST):$(PORT)

# End-to-end tests drive Debian's Chromium (no browser download works here).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
		else echo "Install Debian's chromium package (sudo apt-get install chromium) for the browser tests." >&2; exit 1; fi; \
	fi

# The whole suite, against the machine's PostgreSQL and Redis.
test: install browser
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(VENV)/bin/pytest -p no:cacheprovider

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# Known vulnerabilities in the locked dependencies (PyPI's advisory data, through
# pip-audit). --strict: a package that cannot be checked is a failure, not a pass.
audit: install
	uv export --frozen --format requirements-txt --all-groups --no-emit-project --quiet \
		> $(VENV)/audit-requirements.txt
	$(VENV)/bin/pip-audit --strict --disable-pip --require-hashes --progress-spinner off \
		-r $(VENV)/audit-requirements.txt

messages: install
	$(PY) manage.py makemessages -l es --ignore=.venv --no-obsolete
	$(PY) manage.py compilemessages -l es --ignore=.venv
