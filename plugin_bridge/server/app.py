"""The FastAPI application: endpoints, limits, error mapping, readiness, metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import ArtifactError, BridgeError, InputError
from .auth import install_api_key_auth
from .batcher import Overloaded, ShuttingDown
from .engine import ModelEngine, ScoreOutcome
from .metrics import BridgeMetrics
from .schemas import (
    ChunkingOptions,
    ErrorBody,
    ModelCard,
    ModelList,
    RerankResponse,
    RerankV1Request,
    RerankV2Request,
    ScoresRequest,
    ScoresResponse,
    TeiRank,
    TeiRerankRequest,
)
from .settings import BridgeSettings

log = logging.getLogger("rescore_bridge.server")


class OrjsonResponse(JSONResponse):
    """orjson rendering (fast, numpy-aware, rejects NaN by emitting null)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)


class ApiError(HTTPException):
    """An error with an HTTP status and a machine-readable kind; an HTTPException so that FastAPI's
    body reader passes it through unchanged (the body limit raises it mid-read)."""

    def __init__(self, status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.status, self.kind, self.message = status, kind, message


class BodyLimit:
    """Refuse bodies over the limit with 413 before reading them whole (Content-Length or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int, metrics: BridgeMetrics) -> None:
        self.app, self.max_bytes, self.metrics = app, max_bytes, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise ApiError(413, "body_too_large", self._message())
            return message

        await self.app(scope, limited_receive, send)

    def _message(self) -> str:
        return f"request body exceeds the limit of {self.max_bytes} bytes"

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.metrics.errors.labels(kind="body_too_large").inc()
        response = OrjsonResponse({"error": self._message(), "kind": "body_too_large"}, status_code=413)
        await response(scope, receive, send)


class Bridge:
    """Holds the engines; loading happens in the background so /health answers at once."""

    def __init__(self, settings: BridgeSettings) -> None:
        self.settings = settings
        self.metrics = BridgeMetrics()
        self.engines: dict[str, ModelEngine] = {}
        self.load_error: str | None = None
        self.ready = asyncio.Event()

    @property
    def default_model(self) -> str:
        return self.settings.models[0].name

    async def load(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            for spec in self.settings.models:
                engine = await loop.run_in_executor(None, ModelEngine, spec, self.settings, self.metrics)
                await engine.start()
                self.engines[spec.name] = engine
                log.info(
                    "model %s ready (%s, %s)", spec.name, engine.reranker.variant.name, engine.reranker.model.provider
                )
            self.ready.set()
        except Exception as exc:
            self.load_error = str(exc)
            log.error("model loading failed: %s", exc)

    def engine(self, name: str | None) -> ModelEngine:
        if not self.ready.is_set():
            message = f"models failed to load: {self.load_error}" if self.load_error else "models are still loading"
            raise ApiError(503, "not_ready", message, {"Retry-After": "1"})
        wanted = name or self.default_model
        engine = self.engines.get(wanted)
        if engine is None:
            raise ApiError(404, "unknown_model", f"unknown model '{wanted}'; available: {', '.join(self.engines)}")
        return engine

    def check_size(self, documents: int) -> None:
        if documents > self.settings.max_documents:
            raise ApiError(
                413,
                "too_many_documents",
                f"{documents} documents exceed the limit of {self.settings.max_documents} per request",
            )

    async def score(
        self,
        model: str | None,
        query: str,
        documents: list[str],
        chunking: bool | ChunkingOptions,
        activation: Any = None,
        deadline_ms: int | None = None,
        started: float | None = None,
    ) -> tuple[ModelEngine, ScoreOutcome]:
        engine = self.engine(model)
        self.check_size(len(documents))
        options = chunking if isinstance(chunking, ChunkingOptions) else ChunkingOptions(enabled=bool(chunking))
        budget_ms = deadline_ms or self.settings.default_deadline_ms
        deadline = (started or time.monotonic()) + budget_ms / 1000 if budget_ms else None
        try:
            outcome = await engine.score(
                query,
                documents,
                chunking=options.enabled,
                aggregation=options.aggregation,
                activation=activation,
                deadline=deadline,
            )
        except Overloaded as exc:
            raise ApiError(429, "overloaded", str(exc), {"Retry-After": str(int(exc.retry_after + 0.999))}) from exc
        except ShuttingDown as exc:
            raise ApiError(503, "shutting_down", str(exc), {"Retry-After": "5"}) from exc
        except InputError as exc:
            raise ApiError(422, "invalid_input", str(exc)) from exc
        return engine, outcome


def _validation_message(exc: RequestValidationError) -> tuple[int, str, str]:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = next(e for e in errors if e.get("type") == "json_invalid")
        return 400, "malformed_json", f"malformed JSON body: {detail.get('ctx', {}).get('error', 'invalid JSON')}"
    parts = []
    for error in errors[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {error.get('msg')}")
    return 422, "invalid_request", "; ".join(parts)


def create_app(settings: BridgeSettings) -> FastAPI:
    bridge = Bridge(settings)
    metrics = bridge.metrics

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        loader = asyncio.create_task(bridge.load())
        yield
        loader.cancel()
        for engine in bridge.engines.values():
            await engine.close()

    # strict_content_type=False: curl users and some connectors omit the JSON content type
    app = FastAPI(
        title="rescore-bridge",
        version="0.1.0",
        lifespan=lifespan,
        default_response_class=OrjsonResponse,
        strict_content_type=False,
        description="Cross-encoder rerank bridge for OpenSearch. Scores are floats; "
        "`/v1/scores` returns null for documents left unscored by a deadline.",
    )
    app.state.bridge = bridge
    errors_doc: dict[int | str, dict[str, Any]] = {
        code: {"model": ErrorBody} for code in (400, 404, 413, 422, 429, 503)
    }

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> Response:
        metrics.errors.labels(kind=exc.kind).inc()
        return OrjsonResponse(
            {"error": exc.message, "kind": exc.kind}, status_code=exc.status, headers=dict(exc.headers or {})
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        status, kind, message = _validation_message(exc)
        metrics.errors.labels(kind=kind).inc()
        return OrjsonResponse({"error": message, "kind": kind}, status_code=status)

    @app.exception_handler(BridgeError)
    async def _bridge_error(_request: Request, exc: BridgeError) -> Response:
        kind = "artifact" if isinstance(exc, ArtifactError) else "inference"
        metrics.errors.labels(kind=kind).inc()
        return OrjsonResponse({"error": str(exc), "kind": kind}, status_code=500)

    @app.middleware("http")
    async def _observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        metrics.in_flight.inc()
        started = time.perf_counter()
        request.state.started = time.monotonic()
        try:
            return await call_next(request)
        finally:
            metrics.in_flight.dec()
            route = request.scope.get("route")
            endpoint = getattr(route, "path", "unmatched")
            metrics.request_seconds.labels(endpoint=endpoint).observe(time.perf_counter() - started)

    @app.get("/health", summary="Process is alive")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", summary="Models loaded and warmed", responses={503: {"model": ErrorBody}})
    async def ready() -> Response:
        if bridge.ready.is_set():
            return OrjsonResponse({"status": "ready", "models": list(bridge.engines)})
        message = f"models failed to load: {bridge.load_error}" if bridge.load_error else "loading"
        return OrjsonResponse({"error": message, "kind": "not_ready"}, status_code=503, headers={"Retry-After": "1"})

    @app.get("/v1/models", response_model=ModelList, summary="Served models")
    async def models() -> Response:
        cards = []
        for name, engine in bridge.engines.items():
            manifest = engine.reranker.artifact.manifest
            cards.append(
                ModelCard(
                    id=name,
                    default=name == bridge.default_model,
                    max_length=engine.reranker.max_length,
                    provider=engine.reranker.model.provider,
                    engine=engine.reranker.variant.engine,
                    variant=engine.reranker.variant.name,
                    variant_source=engine.choice.source,
                    precision=engine.reranker.variant.precision,
                    pairs_per_s=engine.choice.pairs_per_s,
                    quantization=engine.reranker.artifact.quantization_mode(engine.reranker.variant),
                    manifest_digest=engine.digest,
                    source=str(manifest.get("source", {}).get("reference", "")),
                ).model_dump()
            )
        return OrjsonResponse({"object": "list", "data": cards})

    @app.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    async def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.post(
        "/v1/scores",
        response_model=ScoresResponse,
        responses=errors_doc,
        summary="Scores in input order (native call of the OpenSearch rescorer)",
    )
    async def scores(body: ScoresRequest, request: Request) -> Response:
        engine, outcome = await bridge.score(
            body.model,
            body.query,
            body.documents,
            body.chunking,
            body.activation,
            body.deadline_ms,
            request.state.started,
        )
        return OrjsonResponse(
            {
                "scores": outcome.scores,
                "model": engine.name,
                "took_ms": round((time.monotonic() - request.state.started) * 1000, 3),
                "scored": len(outcome.scores) - len(outcome.unscored),
                "unscored": outcome.unscored,
                "truncated": outcome.truncated,
                "chunked": outcome.chunked,
                "cached": outcome.cached,
            }
        )

    async def _cohere(body: RerankV1Request, request: Request, version: str) -> Response:
        texts = body.texts()
        engine, outcome = await bridge.score(
            body.model, body.query, texts, body.chunking, started=request.state.started
        )
        order = sorted(range(len(texts)), key=lambda i: (-(outcome.scores[i] or 0.0), i))[: body.top_n]
        results = []
        for i in order:
            item: dict[str, Any] = {"index": i, "relevance_score": outcome.scores[i]}
            if body.return_documents:
                item["document"] = {"text": texts[i]}
            results.append(item)
        return OrjsonResponse(
            {
                "id": str(uuid.uuid4()),
                "results": results,
                "model": engine.name,
                "meta": {
                    "api_version": {"version": version},
                    "billed_units": {"search_units": 1},
                    "truncated": outcome.truncated,
                    "chunked": outcome.chunked,
                },
            }
        )

    @app.post("/v1/rerank", response_model=RerankResponse, responses=errors_doc, summary="Cohere v1 / Jina rerank")
    async def rerank_v1(body: RerankV1Request, request: Request) -> Response:
        return await _cohere(body, request, "1")

    @app.post("/v2/rerank", response_model=RerankResponse, responses=errors_doc, summary="Cohere v2 rerank")
    async def rerank_v2(body: RerankV2Request, request: Request) -> Response:
        return await _cohere(body, request, "2")

    @app.post("/rerank", response_model=list[TeiRank], responses=errors_doc, summary="TEI rerank")
    async def rerank_tei(body: TeiRerankRequest, request: Request) -> Response:
        engine, outcome = await bridge.score(
            body.model,
            body.query,
            body.texts,
            False,
            activation="none" if body.raw_scores else "sigmoid",
            started=request.state.started,
        )
        if outcome.truncated and not body.truncate:
            raise ApiError(
                413,
                "input_too_long",
                f"texts {outcome.truncated[:10]} exceed {engine.reranker.max_length} tokens with the "
                "query; send truncate=true to cut them",
            )
        order = sorted(range(len(body.texts)), key=lambda i: (-(outcome.scores[i] or 0.0), i))
        return OrjsonResponse(
            [
                {"index": i, "score": outcome.scores[i], **({"text": body.texts[i]} if body.return_text else {})}
                for i in order
            ]
        )

    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes, metrics=metrics)
    install_api_key_auth(app, settings.api_key_file, settings.public_metrics, metrics)  # outermost: before any body
    return app
