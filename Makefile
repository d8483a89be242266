# One-command entry points. `make test` and `make demo` bootstrap .venv from the repo's own files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS := export,openvino,cluster,bench,train,dev
JAVA_HOME ?= /usr/lib/jvm/java-17-openjdk-amd64
export JAVA_HOME
MAKEFLAGS += --no-print-directory
STARTED := $(shell date +%s)
ELAPSED = $$(( $$(date +%s) - $(STARTED) ))s

.PHONY: venv test lint java-test demo clean

$(STAMP): pyproject.toml requirements/constraints.txt
	@PYTHON="$(PYTHON)" VENV="$(VENV)" EXTRAS="$(EXTRAS)" bash scripts/setup_venv.sh
	@touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	@echo "== lint: ruff check, ruff format --check, mypy"
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy onnx_export plugin_bridge search_cluster rescore_cli training

java-test:
	@echo "== Java plugin: mvn verify (opensearch-plugin/)"
	@bash -o pipefail -c 'mvn -q -B -f opensearch-plugin/pom.xml verify 2>&1 | sed "s/\x1b\[[0-9;]*m//g"'  # Maven 3.8 prints colour resets even with -B

test: $(STAMP)
	@$(MAKE) lint
	@$(MAKE) java-test
	@echo "== pytest: unit and integration tests (they start their own bridges and OpenSearch nodes)"
	@$(PY) -m pytest -q -rs
	@echo "make test: passed in $(ELAPSED)"

demo: $(STAMP)
	@bash scripts/demo.sh
	@echo "make demo: done in $(ELAPSED)"

clean:
	rm -rf $(VENV) build *.egg-info opensearch-plugin/target
