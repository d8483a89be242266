"""Secrets for a local node the supported way: its keystore (`bin/opensearch-keystore`) and a reload.

Secure settings never go into cluster state: they live in `config/opensearch.keystore`, and a plugin
that registers them as reloadable picks up a changed value on `POST _nodes/reload_secure_settings`,
without a node restart. The value is handed to the tool on stdin, so it never shows in a process list.
A keystore holding a setting that no installed plugin registers stops the node from starting, so only
add settings the installed plugins know.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx

from search_cluster.node import OpenSearchNode


class KeystoreError(RuntimeError):
    """The keystore tool or the reload failed; the message never holds a secret value."""


def _tool(node: OpenSearchNode, *args: str, stdin: str | None = None) -> None:
    tool = node.home / "bin" / "opensearch-keystore"
    if not tool.is_file():
        raise KeystoreError(f"{tool} not found: lay out the node first")
    result = subprocess.run(
        [str(tool), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=node._env(),  # the node's own Java and config directory
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        tail = " | ".join((result.stdout + result.stderr).strip().splitlines()[-3:])
        raise KeystoreError(f"opensearch-keystore {args[0]} failed (exit {result.returncode}): {tail}")


def keystore_path(node: OpenSearchNode) -> Path:
    return node.home / "config" / "opensearch.keystore"


def set_secure_setting(node: OpenSearchNode, name: str, value: str) -> None:
    """Add or replace `name` in the node's keystore (created when missing)."""
    if not value or "\n" in value:
        raise KeystoreError(f"the value of secure setting [{name}] must be one non-empty line")
    if not keystore_path(node).is_file():
        _tool(node, "create")
    _tool(node, "add", "--stdin", "--force", name, stdin=value + "\n")


def remove_secure_setting(node: OpenSearchNode, name: str) -> None:
    _tool(node, "remove", name)


def reload_secure_settings(node_url: str) -> dict[str, Any]:
    """`POST _nodes/reload_secure_settings`; raises when any node reports a reload exception."""
    try:
        response = httpx.post(f"{node_url}/_nodes/reload_secure_settings", json={}, timeout=60.0)
    except httpx.HTTPError as exc:
        raise KeystoreError(f"cannot reach OpenSearch at {node_url}: {exc}") from exc
    if response.status_code != 200:
        raise KeystoreError(f"reload_secure_settings answered HTTP {response.status_code}: {response.text[:300]}")
    body: dict[str, Any] = response.json()
    for node_id, node in body.get("nodes", {}).items():
        if node.get("reload_exception"):
            reason = node["reload_exception"].get("reason", node["reload_exception"])
            raise KeystoreError(f"node {node_id} could not reload its secure settings: {reason}")
    return body
