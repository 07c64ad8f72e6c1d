# The two commands a newcomer needs: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint typecheck check pytest test-deps translations bench-district clean

$(VENV)/.installed: requirements.lock requirements-build.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-build.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-build-isolation --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-build-isolation --no-deps -e .
	@touch $@

install: $(VENV)/.installed

## make run: install, migrate, load the demo region, serve it and print the demo logins.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compile_translations
	$(PY) manage.py demo
	$(PY) bin/serve --host $(HOST) --port $(PORT)

## make test: linters, type checks, Django checks, migrations check and the whole pytest suite.
test: install lint typecheck check test-deps pytest

lint:
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

typecheck:
	$(PY) -m mypy parta bench

check:
	$(PY) bin/ensure-database
	$(PY) manage.py compile_translations --check
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run

test-deps:
	@$(PY) bin/test-deps

pytest:
	$(PY) bin/pytest-with-db

## Extra: regenerate translation catalogues after changing strings (needs GNU gettext).
translations: install
	$(PY) manage.py makemessages --all --no-location --ignore=.venv --ignore=node_modules --ignore=bench --ignore=var --ignore=build --ignore="*.egg-info"
	$(PY) manage.py compile_translations

bench-district: install
	$(PY) bench/generate_district.py

.PHONY: bench-pages bench-confirmation bench-journal
## Load benchmark of the journal (granian + wrk, district data): see bench/README.md.
bench-journal: install
	$(PY) bench/journal.py

bench-pages: install
	$(PY) bench/pages.py

bench-confirmation: install
	$(PY) bench/confirmation.py

clean:
	rm -rf $(VENV) var node_modules
