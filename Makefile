# The README's two commands: `make run` and `make test`. Each sets everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
POT    := translations/intake.pot
PO     := translations/ko/LC_MESSAGES/intake.po
MO     := translations/ko/LC_MESSAGES/intake.mo

.PHONY: run test lint typecheck unit bench bench-stress extract translations package package-test clean

run: $(STAMP) $(MO)
	$(BIN)/intake-gui

test: $(STAMP) $(MO)
	$(BIN)/ruff check intake tests tools packaging
	$(BIN)/mypy
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q

# The figures (issue 17's table at the end). The stress loops (the audio player under
# spinning cores, the kill -9 loop) hold both cores for half an hour: `make bench-stress`.
STRESS := tests/perf/test_audio_player_loop.py tests/perf/test_kill_loop_perf.py

bench: $(STAMP) $(MO)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q -s -m perf -o faulthandler_timeout=3600 -o timeout=3000 tests/perf \
	  $(addprefix --ignore=,$(STRESS)) \
	  tests/security/test_adversary_review_16.py::test_duress_unlock_takes_as_long_as_a_real_one

bench-stress: $(STAMP) $(MO)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q -s -m perf -o faulthandler_timeout=3600 -o timeout=3000 $(STRESS)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "intake needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
	  { echo "Could not create $(VENV): on Debian, apt-get install python3-venv"; exit 1; }

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# Compiled catalogs are build products, never committed.
translations $(MO): $(PO) | $(STAMP)
	$(BIN)/pybabel compile --statistics -d translations -D intake
	@touch $(MO)

# Regenerate the template from the sources and merge it into the Korean catalog.
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ -k ngettext:1,2 --sort-by-file \
	  --no-wrap --project=intake --copyright-holder="intake" -o $(POT) intake
	$(BIN)/pybabel update -i $(POT) -d translations -D intake --no-wrap --ignore-obsolete

# The one-folder app in dist/intake (packaging/intake.spec, notes in packaging/README.md).
PACKAGING := $(VENV)/.packaging

$(PACKAGING): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,package]'
	@touch $@

package: $(PACKAGING) $(MO)
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
	  packaging/intake.spec
	@dist/intake/intake --version
	@echo "built dist/intake ($$(du -sh dist/intake | cut -f1)); run dist/intake/intake"

# Builds the app if needed, starts it frozen and checks the unlock screen (tests/packaging).
package-test: package
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q -m package tests/packaging

# Every main screen in English and Korean at 1366×768, into docs/screenshots/ (a throwaway
# demo vault in a temporary home; tools/screenshots.py).
.PHONY: screenshots
screenshots: $(STAMP) $(MO)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots.py

clean:
	rm -rf $(VENV) build dist $(MO)
