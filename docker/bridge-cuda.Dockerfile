# CUDA bridge: onnxruntime-gpu on the CUDA/cuDNN runtime; selects the CUDA execution provider.
# Build from the repo root:  docker build -f docker/bridge-cuda.Dockerfile -t rescore-bridge:cuda .
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_BREAK_SYSTEM_PACKAGES=1
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements ./requirements
COPY onnx_export ./onnx_export
COPY plugin_bridge ./plugin_bridge
COPY rescore_cli ./rescore_cli
COPY docker/bridge-entrypoint.sh ./docker/bridge-entrypoint.sh
# onnxruntime-gpu replaces the CPU wheel (the two must not be installed together)
RUN pip install . && pip uninstall -y onnxruntime && pip install "onnxruntime-gpu==1.32.0" \
    && useradd --system --uid 10001 bridge
USER bridge
ENV RESCORE_BRIDGE_PROVIDER=cuda
EXPOSE 8080
VOLUME ["/models"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=90s CMD curl -fsS http://127.0.0.1:8080/ready || exit 1
ENTRYPOINT ["/app/docker/bridge-entrypoint.sh"]
