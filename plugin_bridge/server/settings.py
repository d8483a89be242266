"""One typed settings object for the bridge: defaults < config file < environment < CLI flags."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

ENV_PREFIX = "RESCORE_BRIDGE_"


class ModelSpec(BaseModel):
    name: str
    path: Path
    variant: str | None = None


def parse_model_spec(text: str) -> ModelSpec:
    """`NAME=DIR` or just `DIR` (named after the folder)."""
    name, sep, path = text.partition("=")
    if not sep:
        return ModelSpec(name=Path(text).name or "default", path=Path(text))
    if not name or not path:
        raise ValueError(f"model spec '{text}' must be NAME=DIR or DIR")
    return ModelSpec(name=name, path=Path(path))


class BridgeSettings(BaseSettings):
    """Every knob of `rescore-bridge serve`; each is also `RESCORE_BRIDGE_<NAME>` and a config-file key."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    models: Annotated[list[ModelSpec], NoDecode] = Field(
        default_factory=list, description="First one is the default model."
    )
    host: str = "127.0.0.1"
    port: int = 8080
    provider: Literal["cpu", "cuda", "auto"] = "cpu"
    intra_op_threads: int = Field(0, ge=0, description="0 = onnxruntime decides (all cores).")
    activation: Literal["sigmoid", "none"] = "sigmoid"
    max_batch_tokens: int | None = Field(
        None,
        ge=64,
        description="Padded tokens per inference batch; default 512 on CPU (stays in cache), 16384 on CUDA.",
    )
    max_batch_size: int = Field(64, ge=1)
    max_queue_pairs: int = Field(4_096, ge=1, description="Pairs waiting for inference before 429.")
    max_documents: int = Field(1_000, ge=1, description="Documents per request (413 above).")
    max_request_bytes: int = Field(8 * 1024 * 1024, ge=1024, description="Request body size (413 above).")
    max_chunks_per_document: int = Field(16, ge=1)
    chunk_stride: int = Field(32, ge=0)
    cache_entries: int = Field(50_000, ge=0, description="Score cache size; 0 disables it.")
    default_deadline_ms: int | None = Field(None, ge=1)
    remeasure: bool = Field(
        True, description="Measure the variants again when the manifest's speeds come from another CPU."
    )
    graceful_shutdown_s: float = 30.0
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    config_file: Path | None = None
    api_key_file: Path | None = Field(
        None, description="Keys accepted as 'Authorization: Bearer <key>', one per line; re-read on change/SIGHUP."
    )
    public_metrics: bool = Field(False, description="Serve /metrics without a key (only /health is always open).")
    tls_cert: Path | None = Field(None, description="PEM certificate (chain) to serve HTTPS; needs tls_key.")
    tls_key: Path | None = Field(None, description="PEM private key of tls_cert (unencrypted).")

    @field_validator("models", mode="before")
    @classmethod
    def _parse_models(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if isinstance(value, dict):
            return [{"name": k, "path": v} for k, v in value.items()]
        if isinstance(value, list):
            return [parse_model_spec(v) if isinstance(v, str) else v for v in value]
        return value

    def check_tls_pair(self) -> None:
        """Checked on the merged settings (not per source: the certificate may come from the file and the
        key from the environment)."""
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together: give both to serve HTTPS, or neither")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings


def load_settings(config_file: Path | None, overrides: dict[str, Any]) -> BridgeSettings:
    """Merge a TOML config file, the environment, and explicit (CLI) overrides, in rising priority."""
    import os

    path = config_file or (Path(os.environ[ENV_PREFIX + "CONFIG"]) if os.environ.get(ENV_PREFIX + "CONFIG") else None)
    from_file: dict[str, Any] = {}
    if path is not None:
        try:
            from_file = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ValueError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"config file {path} is not valid TOML: {exc}") from exc
        from_file["config_file"] = path
    env_only = BridgeSettings().model_dump(exclude_unset=True)
    merged = {**from_file, **env_only, **{k: v for k, v in overrides.items() if v is not None and v != ()}}
    settings = BridgeSettings(**merged)
    settings.check_tls_pair()
    return settings
