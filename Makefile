# The two set-up commands of the README: `make demo` and `make test`. Each makes its own .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck pytest system-deps screenshots build clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

system-deps:
	@sh scripts/ensure-system-deps.sh

demo: system-deps $(BIN)/.installed
	$(BIN)/acero demo

test: system-deps $(BIN)/.installed lint typecheck pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed
	$(BIN)/mypy

pytest: $(BIN)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The PyInstaller one-folder build (docs/install.md): dist/acero/acero.
build: system-deps $(BIN)/.installed
	$(BIN)/pyinstaller --noconfirm build.spec
	dist/acero/acero --selftest

clean:
	rm -rf $(VENV) build dist *.egg-info
