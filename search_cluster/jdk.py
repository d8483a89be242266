"""Find a JDK that fits an OpenSearch release: for running its node and for building the plugin for it.

OpenSearch 2.x needs Java 17-23 (it enforces plugin policies with the security manager, which Java 24
removed); 3.x needs Java 21+. A machine often has several JDKs and JAVA_HOME names only one, so the
search goes OPENSEARCH_JAVA_HOME, JAVA_HOME, then the usual install folders, and takes the first that
fits; when none does, the error names the Java needed and every place looked at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from search_cluster.versions import JavaRange

# Where JDKs are installed by distribution packages and common vendors' installers.
INSTALL_FOLDERS: tuple[str, ...] = (
    "/usr/lib/jvm",
    "/usr/java",
    "/opt/java",
    "/opt/jdk",
    "/Library/Java/JavaVirtualMachines",
)
_ENV_VARS = ("OPENSEARCH_JAVA_HOME", "JAVA_HOME")
_RELEASE_VERSION = re.compile(r'^JAVA_VERSION="([^"]+)"', re.MULTILINE)
_VERSION_OUTPUT = re.compile(r'version "([^"]+)"')


class JdkError(RuntimeError):
    """No JDK that fits the release was found."""


@dataclass(frozen=True)
class Jdk:
    home: Path
    feature: int  # 17, 21, 25...
    origin: str  # where it was found, for messages

    def __str__(self) -> str:
        return f"Java {self.feature} at {self.home} ({self.origin})"


def feature_version(version: str) -> int:
    """17 from '17.0.15', 8 from '1.8.0_392', 25 from '25'."""
    parts = version.split(".")
    major = parts[1] if parts[0] == "1" and len(parts) > 1 else parts[0]
    digits = re.match(r"\d+", major)
    if digits is None:
        raise ValueError(f"not a Java version: {version!r}")
    return int(digits.group())


def probe(home: Path) -> int | None:
    """The feature version of the JDK at `home` (from its `release` file, else `java -version`), or None."""
    java = home / "bin" / "java"
    if not java.is_file():
        return None
    try:
        match = _RELEASE_VERSION.search((home / "release").read_text())
    except OSError:
        match = None
    if match is None:
        try:
            result = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        match = _VERSION_OUTPUT.search(result.stderr + result.stdout)
    if match is None:
        return None
    try:
        return feature_version(match.group(1))
    except ValueError:
        return None


def candidates() -> list[tuple[Path, str]]:
    """JDK homes in search order, each with where it came from (duplicates by real path removed)."""
    found: list[tuple[Path, str]] = []
    for var in _ENV_VARS:
        value = os.environ.get(var)
        if value:
            found.append((Path(value), f"${var}"))
    for folder in INSTALL_FOLDERS:
        root = Path(folder)
        if root.is_dir():
            homes = sorted(p for p in root.iterdir() if p.is_dir())
            # macOS bundles keep the home under Contents/Home.
            found += [
                ((h / "Contents" / "Home" if (h / "Contents" / "Home").is_dir() else h).resolve(), folder)
                for h in homes
            ]
    java = shutil.which("java")
    if java:
        found.append((Path(java).resolve().parent.parent, "PATH"))
    seen: set[Path] = set()
    unique = []
    for home, origin in found:
        real = home.resolve()
        if real not in seen:
            seen.add(real)
            unique.append((home, origin))
    return unique


def find_jdk(wanted: JavaRange, purpose: str) -> Jdk:
    """The first JDK in search order that fits `wanted`; env vars win, then the lowest fitting version
    in the install folders (the one closest to what the release was built and tested with)."""
    looked: list[str] = []
    in_folders: list[Jdk] = []
    for home, origin in candidates():
        feature = probe(home)
        looked.append(f"{origin}={home} ({'no JDK' if feature is None else f'Java {feature}'})")
        if feature is None or not wanted.fits(feature):
            continue
        jdk = Jdk(home, feature, origin)
        if origin.startswith("$"):
            return jdk
        in_folders.append(jdk)
    if in_folders:
        return min(in_folders, key=lambda jdk: jdk.feature)
    unset = [f"${var} unset" for var in _ENV_VARS if not os.environ.get(var)]
    where = "; ".join(looked + unset) or "nothing found"
    raise JdkError(f"{purpose} needs {wanted}; none found (looked at: {where}): set OPENSEARCH_JAVA_HOME to one")


def main(argv: list[str]) -> int:
    """`python -m search_cluster.jdk VERSION` prints the JDK home for that OpenSearch release (the
    Makefile's java-test uses it, so Maven for 3.x runs on a 21+ JDK with no venv needed)."""
    from search_cluster.versions import java_for

    if len(argv) != 1:
        print("usage: python -m search_cluster.jdk OPENSEARCH_VERSION", file=sys.stderr)
        return 2
    try:
        print(find_jdk(java_for(argv[0]), f"OpenSearch {argv[0]}").home)
    except (JdkError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
