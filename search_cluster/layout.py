"""Lay out an OpenSearch home folder from Maven artifacts: core zip, jar-only modules, plugin zips.

The 2.19 integ-test-zip carries only the transport module, so there the modules this product needs
are assembled from their jars, their direct runtime dependencies (read from the published POM) and a
plugin descriptor written to match the core version. The 3.x integ-test-zip carries every module and
the Java agent, so a 3.x distribution lists no jar modules.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

from search_cluster.artifacts import fetch
from search_cluster.versions import Distribution, JarModule, MavenArtifact

_POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}
_RUNTIME_SCOPES = {"compile", "runtime"}


class LayoutError(RuntimeError):
    """The home folder could not be laid out."""


def runtime_dependencies(pom: Path) -> list[MavenArtifact]:
    """Direct compile/runtime dependencies named in a POM (OpenSearch POMs pin explicit versions)."""
    root = ElementTree.parse(pom).getroot()
    deps: list[MavenArtifact] = []
    for dep in root.findall("m:dependencies/m:dependency", _POM_NS):

        def text(tag: str, element: ElementTree.Element = dep) -> str | None:
            node = element.find(f"m:{tag}", _POM_NS)
            return node.text.strip() if node is not None and node.text else None

        if (text("scope") or "compile") not in _RUNTIME_SCOPES or text("optional") == "true":
            continue
        group, artifact, version = text("groupId"), text("artifactId"), text("version")
        if not (group and artifact and version) or "${" in version:
            raise LayoutError(f"{pom.name}: dependency {group}:{artifact} has no explicit version")
        deps.append(MavenArtifact(group, artifact, version, text("type") or "jar"))
    return deps


def descriptor_text(name: str, version: str, classname: str, description: str, extended: tuple[str, ...]) -> str:
    return (
        f"description={description}\n"
        f"version={version}\n"
        f"name={name}\n"
        f"classname={classname}\n"
        "java.version=11\n"
        f"opensearch.version={version}\n"
        f"extended.plugins={','.join(extended)}\n"
        "has.native.controller=false\n"
    )


def assemble_module(module: JarModule, core_version: str, modules_dir: Path, cache: Path | None) -> Path:
    """Build modules/<name>/ from the module jar, its runtime dependencies and a descriptor."""
    target = modules_dir / module.name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    jar = module.artifact()
    pom = fetch(jar.with_extension("pom"), cache)
    for artifact in [jar, *runtime_dependencies(pom)]:
        shutil.copy2(fetch(artifact, cache), target / artifact.filename)
    (target / "plugin-descriptor.properties").write_text(
        descriptor_text(module.name, core_version, module.classname, module.description, module.extended_plugins)
    )
    if module.security_policy:
        (target / "plugin-security.policy").write_text(module.security_policy)
    return target


def extract_core(core_zip: Path, home: Path) -> None:
    """Unpack the core zip's single top folder into `home`, restoring the bin scripts' exec bits."""
    if home.exists():
        shutil.rmtree(home)
    staging = home.with_name(home.name + ".staging")
    if staging.exists():
        shutil.rmtree(staging)
    with zipfile.ZipFile(core_zip) as archive:
        archive.extractall(staging)
        for info in archive.infolist():
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                (staging / info.filename).chmod(mode)
    tops = [p for p in staging.iterdir() if p.is_dir()]
    if len(tops) != 1:
        raise LayoutError(f"{core_zip.name}: expected one top-level folder, found {len(tops)}")
    tops[0].rename(home)
    shutil.rmtree(staging)
    for script in (home / "bin").iterdir():
        if not script.suffix:
            script.chmod(0o755)


def plugin_name(plugin_zip: Path) -> str:
    """The `name=` of a plugin zip's descriptor."""
    try:
        with zipfile.ZipFile(plugin_zip) as archive:
            text = archive.read("plugin-descriptor.properties").decode()
    except (KeyError, zipfile.BadZipFile) as exc:
        raise LayoutError(f"{plugin_zip}: not an OpenSearch plugin zip ({exc})") from exc
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "name" and value.strip():
            return value.strip()
    raise LayoutError(f"{plugin_zip}: plugin descriptor has no name")


def install_plugin_zip(home: Path, plugin_zip: Path, env: dict[str, str]) -> str:
    """Install (or replace) a plugin zip with the distribution's own plugin tool; returns its name."""
    name = plugin_name(plugin_zip)
    tool = str(home / "bin" / "opensearch-plugin")
    if (home / "plugins" / name).exists():
        _run([tool, "remove", name], env)
    _run([tool, "install", "--batch", plugin_zip.resolve().as_uri()], env)
    return name


def _run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise LayoutError(f"{' '.join(cmd[1:3])} failed (exit {result.returncode}): {' | '.join(tail)}")


def lay_out(
    dist: Distribution,
    home: Path,
    with_ml: bool,
    extra_plugins: list[Path],
    env: dict[str, str],
    cache: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> None:
    """Create a complete home folder: core + modules + k-NN where served (+ ML plugins) + extra plugins."""
    say = progress or (lambda _msg: None)
    extract_core(fetch(dist.core, cache, progress=say), home)
    for module in dist.modules:
        say(f"assembling module {module.name}")
        assemble_module(module, dist.version, home / "modules", cache)
    knn = [dist.knn_plugin] if dist.knn_plugin is not None else []
    plugins = [*knn, *(dist.ml_plugins if with_ml else ())]
    for artifact in plugins:
        zip_path = fetch(artifact, cache, progress=say)
        say(f"installing plugin {artifact.artifact}")
        install_plugin_zip(home, zip_path, env)
    for zip_path in extra_plugins:
        say(f"installing plugin {zip_path.name}")
        install_plugin_zip(home, zip_path, env)
