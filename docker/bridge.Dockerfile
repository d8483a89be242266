# CPU bridge: serving dependencies only (onnxruntime, OpenVINO, tokenizers, FastAPI) - no torch.
# Build from the repo root:  docker build -f docker/bridge.Dockerfile -t rescore-bridge:cpu .
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements ./requirements
COPY onnx_export ./onnx_export
COPY plugin_bridge ./plugin_bridge
COPY rescore_cli ./rescore_cli
COPY docker/bridge-entrypoint.sh ./docker/bridge-entrypoint.sh
RUN pip install -c requirements/constraints.txt ".[openvino]" && useradd --system --uid 10001 bridge
USER bridge
EXPOSE 8080
VOLUME ["/models"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s CMD curl -fsS http://127.0.0.1:8080/ready || exit 1
ENTRYPOINT ["/app/docker/bridge-entrypoint.sh"]
