# One-command entry points. `make test` and `make demo` bootstrap .venv from the repo's own files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS := export,cluster,bench,train,dev
JAVA_HOME ?= /usr/lib/jvm/java-17-openjdk-amd64
export JAVA_HOME

.PHONY: venv test lint java-test demo clean

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e ".[$(EXTRAS)]"
	touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy onnx_export plugin_bridge search_cluster rescore_cli training

# The plugin's unit tests and zip, once per release line (one source tree; see opensearch-plugin/pom.xml):
# 2.19 on Java 17-23, 3.x on Java 21+, each JDK found by search_cluster.jdk (stdlib only, no venv needed).
JAVA_TEST_RELEASES := 2.19.1 3.6.0

java-test:
	@set -e; for release in $(JAVA_TEST_RELEASES); do \
		jdk=$$($(PYTHON) -m search_cluster.jdk $$release); \
		echo "mvn verify for OpenSearch $$release on $$jdk"; \
		JAVA_HOME=$$jdk mvn -q -B -f opensearch-plugin/pom.xml verify -Dopensearch.version=$$release; \
	done

test: $(STAMP)
	$(MAKE) lint
	$(MAKE) java-test
	$(PY) -m pytest -q -rs

demo: $(STAMP)
	bash scripts/demo.sh

clean:
	rm -rf $(VENV) build *.egg-info opensearch-plugin/target
