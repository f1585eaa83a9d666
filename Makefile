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

# pytest exits 5 when it collects no test; make stops on any non-zero exit, so an empty run fails.
test: $(VENV)/.installed-test
	$(PYTHON) -m pytest

# The lessons' tour comes with the lessons; until then the tour is the engine's gradient check.
tour: $(VENV)/.installed
	@if $(GLASSNET) tour --help >/dev/null 2>&1; then \
		$(GLASSNET) tour; \
	else \
		echo "glassnet tour: the lessons are not written yet; running glassnet gradcheck"; \
		$(GLASSNET) gradcheck; \
	fi

bench: $(VENV)/.installed-test
	$(GLASSNET) bench
