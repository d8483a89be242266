# One-shot exporter (torch + optimum): docker run -v $PWD/models:/models rescore-bridge:export MODEL --out /models/NAME
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements ./requirements
COPY onnx_export ./onnx_export
COPY plugin_bridge ./plugin_bridge
COPY rescore_cli ./rescore_cli
RUN pip install -c requirements/constraints.txt ".[export,openvino]"
ENTRYPOINT ["rescore-bridge", "export"]
