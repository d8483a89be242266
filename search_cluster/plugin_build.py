"""Build the `rescore-bridge` OpenSearch plugin zip for one OpenSearch release, with a JDK that fits it.

A plugin only loads on the exact release its descriptor names, so there is one zip per release:
Maven builds it in `opensearch-plugin/target/opensearch-<version>/` (releases side by side) from the
one source tree (the POM picks the release line's few version-specific classes). Any 2.19.x or 3.x
release whose core jar Maven Central serves can be built, not only the releases this project runs
nodes for: that is how an operator gets the zip for a cluster the project did not start.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

from search_cluster.jdk import JdkError, find_jdk
from search_cluster.versions import java_for, release_line

PLUGIN_NAME = "rescore-bridge"
PLUGIN_PROJECT = Path(__file__).resolve().parents[1] / "opensearch-plugin"


class PluginBuildError(RuntimeError):
    """The plugin zip could not be built."""


def descriptor(zip_path: Path) -> dict[str, str]:
    """The key=value pairs of a plugin zip's plugin-descriptor.properties."""
    try:
        with zipfile.ZipFile(zip_path) as archive:
            text = archive.read("plugin-descriptor.properties").decode()
    except (KeyError, zipfile.BadZipFile, OSError) as exc:
        raise PluginBuildError(f"{zip_path}: not an OpenSearch plugin zip ({exc})") from exc
    pairs = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.lstrip().startswith("#"):
            pairs[key.strip()] = value.strip()
    return pairs


def build_dir(opensearch_version: str, project: Path = PLUGIN_PROJECT) -> Path:
    return project / "target" / f"opensearch-{opensearch_version}"


def built_zip(opensearch_version: str, project: Path = PLUGIN_PROJECT) -> Path | None:
    """The zip Maven left for `opensearch_version`, if there is exactly one."""
    zips = sorted(build_dir(opensearch_version, project).glob(f"{PLUGIN_NAME}-*-opensearch-{opensearch_version}.zip"))
    return zips[-1] if len(zips) == 1 else None


def _newest_source_mtime(project: Path) -> float:
    files = [project / "pom.xml", *(p for p in (project / "src" / "main").rglob("*") if p.is_file())]
    return max(p.stat().st_mtime for p in files)


def _up_to_date(zip_path: Path, opensearch_version: str, project: Path) -> bool:
    return descriptor(zip_path).get(
        "opensearch.version"
    ) == opensearch_version and zip_path.stat().st_mtime >= _newest_source_mtime(project)


def build_plugin_zip(
    opensearch_version: str, project: Path = PLUGIN_PROJECT, force: bool = False, out_dir: Path | None = None
) -> Path:
    """The zip for `opensearch_version`, built with Maven (tests skipped) unless an up-to-date one exists.

    With `out_dir` the zip is also copied there and that copy's path is returned.
    """
    try:
        release_line(opensearch_version)
    except ValueError as exc:
        raise PluginBuildError(str(exc)) from exc
    existing = built_zip(opensearch_version, project)
    if existing is not None and not force and _up_to_date(existing, opensearch_version, project):
        zip_path = existing
    else:
        zip_path = _maven_package(opensearch_version, project)
    if out_dir is None:
        return zip_path
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / zip_path.name
    shutil.copy2(zip_path, target)
    return target


def _maven_package(opensearch_version: str, project: Path) -> Path:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise PluginBuildError("Maven (`mvn`) is not installed: it is needed to build the plugin zip")
    try:
        jdk = find_jdk(java_for(opensearch_version), f"building the plugin for OpenSearch {opensearch_version}")
    except JdkError as exc:
        raise PluginBuildError(str(exc)) from exc
    env = {**os.environ, "JAVA_HOME": str(jdk.home)}
    env["PATH"] = f"{jdk.home / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    cmd = [mvn, "-q", "-B", "-f", str(project / "pom.xml"), "clean", "package", "-DskipTests"]
    cmd.append(f"-Dopensearch.version={opensearch_version}")
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        missing = [line for line in output if "Could not find artifact org.opensearch:opensearch:" in line]
        if missing:
            raise PluginBuildError(
                f"OpenSearch {opensearch_version}: org.opensearch:opensearch:{opensearch_version} (the core jar to "
                "compile against) is not served by the Maven repository"
            )
        tail = " | ".join([line for line in output if line.startswith("[ERROR]")][:6] or output[-6:])
        code = result.returncode
        raise PluginBuildError(f"mvn package for OpenSearch {opensearch_version} failed (exit {code}): {tail}")
    zip_path = built_zip(opensearch_version, project)
    if zip_path is None:
        raise PluginBuildError(f"mvn package left no {PLUGIN_NAME}-*.zip in {build_dir(opensearch_version, project)}")
    return zip_path
