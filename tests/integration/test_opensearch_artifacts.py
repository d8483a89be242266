"""The artifact downloader against a real local HTTP repository: checksums and partial downloads."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from search_cluster.artifacts import ArtifactError, fetch
from search_cluster.versions import MavenArtifact

ARTIFACT = MavenArtifact("org.example", "thing", "1.0", "zip")


@pytest.fixture()
def repository(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "repo"
    (root / "org/example/thing/1.0").mkdir(parents=True)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()


def _publish(root: Path, payload: bytes, sha1: str | None = None, sha512: str | None = None) -> None:
    folder = root / "org/example/thing/1.0"
    (folder / "thing-1.0.zip").write_bytes(payload)
    if sha1 is not None:
        (folder / "thing-1.0.zip.sha1").write_text(sha1)
    if sha512 is not None:
        (folder / "thing-1.0.zip.sha512").write_text(f"{sha512}  thing-1.0.zip\n")


def test_verified_download_is_cached_and_reused(repository: tuple[str, Path], tmp_path: Path) -> None:
    url, root = repository
    payload = b"payload" * 1000
    _publish(root, payload, sha512=hashlib.sha512(payload).hexdigest())
    cache = tmp_path / "cache"
    path = fetch(ARTIFACT, cache, repository=url)
    assert path.read_bytes() == payload
    (root / "org/example/thing/1.0/thing-1.0.zip").unlink()  # a cached file needs no repository
    assert fetch(ARTIFACT, cache, repository=url) == path


def test_checksum_mismatch_leaves_nothing_cached(repository: tuple[str, Path], tmp_path: Path) -> None:
    url, root = repository
    _publish(root, b"tampered", sha1=hashlib.sha1(b"original").hexdigest())
    cache = tmp_path / "cache"
    with pytest.raises(ArtifactError, match="sha1 mismatch"):
        fetch(ARTIFACT, cache, repository=url)
    assert [p for p in cache.rglob("*") if p.is_file()] == []  # no partial or bad file left behind


def test_missing_checksum_is_refused_unless_pinned(repository: tuple[str, Path], tmp_path: Path) -> None:
    url, root = repository
    payload = b"unsigned"
    _publish(root, payload)
    with pytest.raises(ArtifactError, match="no published checksum"):
        fetch(ARTIFACT, tmp_path / "a", repository=url)
    pinned = MavenArtifact("org.example", "thing", "1.0", "zip", hashlib.sha512(payload).hexdigest())
    assert fetch(pinned, tmp_path / "b", repository=url).read_bytes() == payload
    wrong = MavenArtifact("org.example", "thing", "1.0", "zip", hashlib.sha512(b"other").hexdigest())
    with pytest.raises(ArtifactError, match="mismatch"):
        fetch(wrong, tmp_path / "c", repository=url)


def test_missing_artifact_is_a_clear_error(repository: tuple[str, Path], tmp_path: Path) -> None:
    url, root = repository
    (root / "org/example/thing/1.0/thing-1.0.zip.sha1").write_text("0" * 40)
    with pytest.raises(ArtifactError, match="HTTP 404"):
        fetch(ARTIFACT, tmp_path / "cache", repository=url)
