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

# The plugin's unit tests and zip, once per release line (one source tree; see opensearch-plugin/pom.xml):
# 2.19 on Java 17-23, 3.x on Java 21+, each JDK found by search_cluster.jdk (stdlib only, no venv needed).
JAVA_TEST_RELEASES := 2.19.1 3.6.0

java-test:
	@echo "== Java plugin: mvn verify (opensearch-plugin/) for OpenSearch $(JAVA_TEST_RELEASES)"
	@set -e; for release in $(JAVA_TEST_RELEASES); do \
		jdk=$$($(PYTHON) -m search_cluster.jdk $$release); \
		echo "mvn verify for OpenSearch $$release on $$jdk"; \
		JAVA_HOME=$$jdk bash -o pipefail -c "mvn -q -B -f opensearch-plugin/pom.xml verify -Dopensearch.version=$$release 2>&1 | sed 's/\x1b\[[0-9;]*m//g'"; \
	done  # sed: Maven 3.8 prints colour resets even with -B

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
