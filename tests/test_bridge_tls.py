"""HTTPS on a real bridge process with a certificate from a throwaway test CA (trustme)."""

from __future__ import annotations

import secrets
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import trustme
from bridge_process import BridgeProcess

from plugin_bridge.server.run import preflight
from plugin_bridge.server.settings import BridgeSettings

KEY = secrets.token_hex(20)
SCORES = {"query": "capital of france", "documents": ["paris is the capital of france", "cats sleep", "blue sky"]}


@dataclass(frozen=True)
class Pki:
    ca_file: Path
    cert: Path
    key: Path
    other_key: Path  # the key of another certificate: does not match `cert`


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1", "localhost")
    other = ca.issue_cert("other.invalid")
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    (folder / "bridge.pem").write_bytes(b"".join(blob.bytes() for blob in issued.cert_chain_pems))
    issued.private_key_pem.write_to_path(str(folder / "bridge.key"))
    other.private_key_pem.write_to_path(str(folder / "other.key"))
    return Pki(folder / "ca.pem", folder / "bridge.pem", folder / "bridge.key", folder / "other.key")


@pytest.fixture(scope="module")
def tls_bridge(tiny_artifact: Path, pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BridgeProcess]:
    """HTTPS, an API key (from the environment this time) and a public /metrics."""
    folder = tmp_path_factory.mktemp("tls-bridge")
    (folder / "keys").write_text(KEY + "\n")
    args = ["--tls-cert", str(pki.cert), "--tls-key", str(pki.key), "--public-metrics"]
    env = {"RESCORE_BRIDGE_API_KEY_FILE": str(folder / "keys")}
    bridge = BridgeProcess([("default", tiny_artifact)], folder, args, env=env, api_key=KEY, ca_file=pki.ca_file)
    with bridge:
        yield bridge


@pytest.mark.integration
def test_https_round_trip_verified_by_the_test_ca(tls_bridge: BridgeProcess, pki: Pki) -> None:
    assert tls_bridge.url.startswith("https://")
    trusted = ssl.create_default_context(cafile=pki.ca_file)
    with httpx.Client(base_url=tls_bridge.url, verify=trusted) as client:
        response = client.post("/v1/scores", json=SCORES, headers={"Authorization": f"Bearer {KEY}"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["scores"]) == 3 and body["scored"] == 3
        assert response.extensions["network_stream"].get_extra_info("ssl_object").version() in ("TLSv1.2", "TLSv1.3")
        # auth still applies over TLS; /metrics is public on this bridge, /health always
        assert client.post("/v1/scores", json=SCORES).status_code == 401
        assert client.get("/v1/models").status_code == 401
        metrics = client.get("/metrics")
        assert metrics.status_code == 200 and "rescore_bridge_request_seconds" in metrics.text
        assert client.get("/health").status_code == 200
    with httpx.Client(base_url=tls_bridge.url.replace("127.0.0.1", "localhost"), verify=trusted) as client:
        assert client.get("/health").status_code == 200  # the certificate names both


@pytest.mark.integration
def test_clients_that_do_not_trust_the_ca_or_speak_plain_http_get_nothing(tls_bridge: BridgeProcess) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(tls_bridge.url + "/health")  # the system trust store does not know the test CA
    with pytest.raises(httpx.HTTPError):
        httpx.get(tls_bridge.url.replace("https://", "http://") + "/health", timeout=5)
    assert tls_bridge.process is not None and tls_bridge.process.poll() is None


def test_unusable_tls_files_are_refused_before_serving(pki: Pki, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="tls_cert and tls_key go together"):
        preflight(BridgeSettings(tls_cert=pki.cert))
    with pytest.raises(ValueError, match=r"cannot use TLS certificate .*bridge\.pem with key .*other\.key"):
        preflight(BridgeSettings(tls_cert=pki.cert, tls_key=pki.other_key))
    with pytest.raises(ValueError, match="cannot use TLS certificate"):
        preflight(BridgeSettings(tls_cert=tmp_path / "missing.pem", tls_key=pki.key))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    with pytest.raises(ValueError, match="cannot use TLS certificate"):
        preflight(BridgeSettings(tls_cert=garbage, tls_key=pki.key))
    preflight(BridgeSettings(tls_cert=pki.cert, tls_key=pki.key))  # the good pair passes
