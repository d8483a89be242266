"""Download Maven Central artifacts into a local cache, verified against the published checksums.

A file only counts as cached once its checksum matched: it is written under a temporary name and
renamed into place after verification, so an interrupted download is never mistaken for a good one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx

from search_cluster.versions import MAVEN_REPOSITORY, MavenArtifact

# Strongest first: the first checksum the repository publishes is the one we verify.
_CHECKSUMS = ("sha512", "sha1")
_CHUNK = 1 << 20


class ArtifactError(RuntimeError):
    """An artifact could not be fetched or did not verify."""


def cache_root() -> Path:
    """$RESCORE_BRIDGE_CACHE, else ~/.cache/rescore-bridge."""
    env = os.environ.get("RESCORE_BRIDGE_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "rescore-bridge"


def artifact_url(artifact: MavenArtifact, repository: str = MAVEN_REPOSITORY) -> str:
    return f"{repository.rstrip('/')}/{artifact.path}"


def _published_checksum(client: httpx.Client, url: str, pinned_sha512: str | None) -> tuple[str, str]:
    """(algorithm, hex digest) of the strongest checksum the repository serves for `url`.

    A digest pinned in versions.py (for files served without checksum files) takes precedence.
    """
    if pinned_sha512:
        return "sha512", pinned_sha512.lower()
    for algorithm in _CHECKSUMS:
        response = client.get(f"{url}.{algorithm}")
        if response.status_code == 200:
            # Some checksum files carry "digest  filename"; the digest is the first token.
            tokens = response.text.split()
            if tokens:
                return algorithm, tokens[0].strip().lower()
        elif response.status_code != 404:
            raise ArtifactError(f"checksum {url}.{algorithm}: HTTP {response.status_code}")
    raise ArtifactError(f"no published checksum (.sha512/.sha1) and no pinned digest for {url}")


def fetch(
    artifact: MavenArtifact,
    cache: Path | None = None,
    repository: str = MAVEN_REPOSITORY,
    progress: Callable[[str], None] | None = None,
    timeout: float = 120.0,
) -> Path:
    """Return the verified local copy of `artifact`, downloading it if it is not cached yet."""
    target = (cache or cache_root()) / "maven" / artifact.path
    if target.is_file():
        return target
    url = artifact_url(artifact, repository)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            algorithm, expected = _published_checksum(client, url, artifact.sha512)
            if progress:
                progress(f"downloading {artifact} ({algorithm} verified)")
            digest = hashlib.new(algorithm)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{artifact.filename}.", suffix=".part", dir=target.parent)
            tmp = Path(tmp_name)
            try:
                with os.fdopen(fd, "wb") as out, client.stream("GET", url) as response:
                    if response.status_code != 200:
                        raise ArtifactError(f"{artifact}: HTTP {response.status_code} for {url}")
                    for chunk in response.iter_bytes(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                actual = digest.hexdigest()
                if actual != expected:
                    raise ArtifactError(f"{artifact}: {algorithm} mismatch (expected {expected}, got {actual})")
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
    except httpx.HTTPError as exc:
        raise ArtifactError(f"{artifact}: download failed from {url}: {exc}") from exc
    return target
