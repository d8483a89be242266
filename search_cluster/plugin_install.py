"""Install the native `cross_encoder` rescorer plugin into a local node and point it at a bridge.

The plugin zip is built by Maven from opensearch-plugin/ (`search_cluster.plugin_build`, for exactly
the node's OpenSearch version: a plugin only loads on the release it names), installed with the node's
own plugin tool (the node is restarted when it was running), and the bridge URL is stored in the
persistent cluster setting `rescore_bridge.endpoints`, so search requests never carry URLs.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import click
import httpx

from search_cluster.layout import LayoutError, plugin_name
from search_cluster.node import NodeError, OpenSearchNode, default_install_root
from search_cluster.plugin_build import PluginBuildError, build_plugin_zip, descriptor
from search_cluster.versions import DEFAULT_VERSION, DISTRIBUTIONS

STATS_PATH = "/_plugins/rescore_bridge/stats"
ENDPOINTS_SETTING = "rescore_bridge.endpoints"
TIMEOUT_SETTING = "rescore_bridge.timeout_ms"
API_KEY_SETTING = "rescore_bridge.api_key"  # secure (keystore) setting, reloadable; see docs/rescore-plugin.md


class PluginInstallError(RuntimeError):
    """The plugin could not be built, installed or configured."""


@dataclass(frozen=True)
class InstallResult:
    plugin: str
    zip_path: Path
    installed: bool  # False when the same build was already installed
    bridge_url: str | None


def validate_bridge_url(url: str) -> str:
    """`http(s)://host[:port][/prefix]` without query; returns it without a trailing slash."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise PluginInstallError(f"bridge URL {url!r} must look like http://127.0.0.1:8080")
    return url.strip().rstrip("/")


def _same_build_installed(node: OpenSearchNode, zip_path: Path) -> bool:
    """True when home/plugins/<name>/ holds exactly the files of `zip_path`."""
    target = node.home / "plugins" / plugin_name(zip_path)
    if not target.is_dir():
        return False
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            installed = target / info.filename
            if not installed.is_file() or installed.read_bytes() != archive.read(info):
                return False
    return True


def _running(node: OpenSearchNode) -> bool:
    return node.status().running


def configure_bridge(node_url: str, bridge_url: str, timeout_ms: int | None = None) -> dict[str, object]:
    """Store the bridge endpoint (and default timeout) as persistent cluster settings; returns the stats."""
    settings: dict[str, object] = {ENDPOINTS_SETTING: [bridge_url]}
    if timeout_ms is not None:
        settings[TIMEOUT_SETTING] = timeout_ms
    try:
        response = httpx.put(f"{node_url}/_cluster/settings", json={"persistent": settings}, timeout=30.0)
        if response.status_code != 200:
            raise PluginInstallError(f"setting {ENDPOINTS_SETTING} failed: HTTP {response.status_code} {response.text}")
        stats = httpx.get(f"{node_url}{STATS_PATH}", timeout=30.0)
    except httpx.HTTPError as exc:
        raise PluginInstallError(f"cannot reach OpenSearch at {node_url}: {exc}") from exc
    if stats.status_code != 200:
        raise PluginInstallError(f"{STATS_PATH} answered HTTP {stats.status_code}: is the plugin loaded?")
    body: dict[str, object] = stats.json()
    return body


def install_plugin(
    node: OpenSearchNode,
    zip_path: Path | None,
    bridge_url: str | None,
    timeout_ms: int | None = None,
    start_timeout: float = 240.0,
    api_key: str | None = None,
) -> InstallResult:
    """Build (if no zip is given) and install the plugin, restart a running node, set the bridge URL.

    A node that was stopped stays stopped unless a bridge URL must be stored (that needs it running).
    Installing the very build that is already there is skipped, so re-runs do not restart the node.
    """
    url = validate_bridge_url(bridge_url) if bridge_url else None
    try:
        if zip_path is None:
            zip_path = build_plugin_zip(node.version)
        zip_path = Path(zip_path).resolve()
        if not zip_path.is_file():
            raise PluginInstallError(f"plugin zip not found: {zip_path}")
        built_for = descriptor(zip_path).get("opensearch.version")
    except PluginBuildError as exc:
        raise PluginInstallError(str(exc)) from exc
    if built_for != node.version:
        raise PluginInstallError(
            f"{zip_path.name} was built for OpenSearch {built_for}, the node runs {node.version}: "
            f"get the right one with `rescore-bridge opensearch build-plugin --version {node.version}`"
        )
    installed = False
    try:
        if not _same_build_installed(node, zip_path):
            node.install_plugin(zip_path)  # stops and restarts the node if it was running
            installed = True
        elif zip_path not in node.extra_plugins:
            # Keep the node object's wanted layout equal to what is on disk, or its next start()
            # would lay the home out again without the plugin.
            node.extra_plugins.append(zip_path)
        if url is not None:
            if not _running(node):
                node.start(timeout=start_timeout)
            configure_bridge(node.url, url, timeout_ms)
        if api_key is not None:
            store_api_key(node, api_key)
    except (NodeError, LayoutError) as exc:
        raise PluginInstallError(str(exc)) from exc
    return InstallResult(plugin=plugin_name(zip_path), zip_path=zip_path, installed=installed, bridge_url=url)


def store_api_key(node: OpenSearchNode, api_key: str) -> None:
    """The bridge key goes into the node's keystore and is reloaded: never into cluster state.

    Only when the running plugin registers the setting (its stats list it): a keystore entry that no
    plugin knows would stop the node from starting again.
    """
    from search_cluster.keystore import KeystoreError, reload_secure_settings, set_secure_setting

    if not node.status().running:
        node.start()
    try:
        settings = httpx.get(f"{node.url}{STATS_PATH}", timeout=30.0).json().get("settings", {})
    except (httpx.HTTPError, ValueError) as exc:
        raise PluginInstallError(f"cannot read {STATS_PATH} on {node.url}: {exc}") from exc
    if API_KEY_SETTING not in settings:
        raise PluginInstallError(
            f"the installed plugin does not read [{API_KEY_SETTING}] from the keystore yet: "
            "the key was not stored (run the bridge without --api-key-file, or install a plugin build that has it)"
        )
    try:
        set_secure_setting(node, API_KEY_SETTING, api_key)
        reload_secure_settings(node.url)
    except KeystoreError as exc:
        raise PluginInstallError(str(exc)) from exc


def first_api_key(path: Path) -> str:
    """The first key of a bridge key file (the same format the bridge reads)."""
    from plugin_bridge.server.auth import ApiKeyFileError, first_key

    try:
        return first_key(path)
    except ApiKeyFileError as exc:
        raise PluginInstallError(str(exc)) from exc


def node_for_install_root(install_root: Path, port: int, version: str) -> OpenSearchNode:
    """The node object for an existing install root, keeping the ML plugins and extra plugins it was laid
    out with (`with_ml=None` makes the node read them from its layout stamp)."""
    return OpenSearchNode(install_root, port, with_ml=None, version=version)


@click.command("install-plugin")
@click.argument("plugin_zip", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bridge-url", default=None, help="Bridge base URL stored in rescore_bridge.endpoints.")
@click.option(
    "--timeout-ms",
    default=None,
    type=click.IntRange(1, 60_000),
    help="Default bridge deadline (rescore_bridge.timeout_ms); the plugin's default is 1000.",
)
@click.option(
    "--bridge-api-key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help=f"The bridge's key file: its first key goes into the node keystore as {API_KEY_SETTING} (then reloaded).",
)
@click.option("--port", default=9200, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--version",
    "version",
    default=DEFAULT_VERSION,
    show_default=True,
    type=click.Choice(sorted(DISTRIBUTIONS)),
)
@click.option(
    "--home",
    "home",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Install root (default: <cache>/nodes/opensearch-VERSION-PORT).",
)
def install_plugin_command(
    plugin_zip: Path | None,
    bridge_url: str | None,
    timeout_ms: int | None,
    bridge_api_key_file: Path | None,
    port: int,
    version: str,
    home: Path | None,
) -> None:
    """Install the cross_encoder rescorer (built with Maven when no PLUGIN_ZIP is given).

    A running node is restarted; with --bridge-url the node is started if needed and the URL stored.
    """
    node = node_for_install_root((home or default_install_root(version, port)).resolve(), port, version)
    try:
        api_key = first_api_key(bridge_api_key_file) if bridge_api_key_file else None
        result = install_plugin(node, plugin_zip, bridge_url, timeout_ms, api_key=api_key)
    except PluginInstallError as exc:
        raise click.ClickException(str(exc)) from exc
    state = "installed" if result.installed else "already installed"
    click.echo(f"{state}: plugin {result.plugin} from {result.zip_path}")
    if result.bridge_url:
        click.echo(f"{ENDPOINTS_SETTING} = [{result.bridge_url}] on {node.url}")
    if bridge_api_key_file:
        click.echo(f"{API_KEY_SETTING} stored in the keystore of {node.url} and reloaded")
