# One-command entry points. `make test` and `make demo` bootstrap .venv from the repo's own files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS := export,openvino,cluster,bench,train,dev
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

java-test:
	mvn -q -B -f opensearch-plugin/pom.xml verify

test: $(STAMP)
	$(MAKE) lint
	$(MAKE) java-test
	$(PY) -m pytest -q -rs

demo: $(STAMP)
	bash scripts/demo.sh

clean:
	rm -rf $(VENV) build *.egg-info opensearch-plugin/target
