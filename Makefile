# artsearch: the two Quickstart commands are `make serve` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
INDEX ?= var/index
CORPUS ?= corpus
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: setup browser index serve test lint bench-tools clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	# Real crawls for tests/test_archives.py: the sample WARC files pywb ships (wget, wpull and
	# browser crawls of iana.org and example.com); the wheel is read as a zip, not installed.
	$(PY) -m pip download --quiet --no-deps --dest $(VENV)/warc-samples pywb==2.10.0
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
browser:
	@test -x /usr/bin/chromium || scripts/install-chromium

index: setup
	$(VENV)/bin/artsearch index $(CORPUS) --index $(INDEX)

serve: index
	$(VENV)/bin/artsearch serve --index $(INDEX) --host $(HOST) --port $(PORT)

test: setup browser
	$(PY) -m pytest

# What the scripts in bench/ need beyond the test setup: the bench extra and Debian's wrk.
bench-tools: setup
	$(PY) -m pip install --quiet -e '.[test,bench]'
	@command -v wrk >/dev/null || apt-get install -y wrk

lint: setup
	$(VENV)/bin/ruff check indexer search web tests bench scripts
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
