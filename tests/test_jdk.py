"""JDK discovery for OpenSearch releases, on fake JDK homes (a `release` file and a `bin/java`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from search_cluster import jdk
from search_cluster.versions import JAVA_2X, JAVA_3X, java_for, release_line


def fake_jdk(root: Path, name: str, version: str) -> Path:
    home = root / name
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").write_text("#!/bin/sh\nexit 1\n")
    (home / "release").write_text(f'IMPLEMENTOR="Test"\nJAVA_VERSION="{version}"\n')
    return home


@pytest.fixture()
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An install folder with Java 17, 21 and 25, and no JDK anywhere else."""
    folder = tmp_path / "jvm"
    for name, version in (("jdk-17", "17.0.15"), ("jdk-21", "21.0.4"), ("jdk-25", "25.0.3")):
        fake_jdk(folder, name, version)
    monkeypatch.setattr(jdk, "INSTALL_FOLDERS", (str(folder),))
    monkeypatch.setattr(jdk.shutil, "which", lambda _name: None)
    monkeypatch.delenv("OPENSEARCH_JAVA_HOME", raising=False)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    return folder


def test_release_lines_need_their_java() -> None:
    assert java_for("2.19.1") == JAVA_2X and java_for("3.6.0") == JAVA_3X
    assert JAVA_2X.fits(17) and JAVA_2X.fits(21) and not JAVA_2X.fits(25)  # no security manager after 23
    assert JAVA_3X.fits(21) and JAVA_3X.fits(25) and not JAVA_3X.fits(17)
    for bad in ("2.18.0", "1.3.0", "3.6", "3.x.0"):
        with pytest.raises(ValueError, match=r"2\.19\.x and 3\.x"):
            release_line(bad)


def test_version_strings() -> None:
    assert [jdk.feature_version(v) for v in ("17.0.15", "1.8.0_392", "25", "21-ea")] == [17, 8, 25, 21]


def test_the_lowest_fitting_installed_jdk_is_taken(machine: Path) -> None:
    assert jdk.find_jdk(JAVA_2X, "x").home == machine / "jdk-17"
    assert jdk.find_jdk(JAVA_3X, "x").home == machine / "jdk-21"


def test_env_vars_win_when_they_fit_and_are_skipped_when_not(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(machine / "jdk-25"))
    assert jdk.find_jdk(JAVA_3X, "x").home == machine / "jdk-25"
    assert jdk.find_jdk(JAVA_2X, "x").home == machine / "jdk-17"  # Java 25 cannot run 2.x
    monkeypatch.setenv("OPENSEARCH_JAVA_HOME", str(machine / "jdk-21"))
    assert jdk.find_jdk(JAVA_3X, "x").home == machine / "jdk-21"


def test_no_fitting_jdk_names_the_java_needed_and_where_it_looked(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("jdk-21", "jdk-25"):
        (machine / name / "release").unlink()
        (machine / name / "bin" / "java").unlink()
    monkeypatch.setenv("JAVA_HOME", str(machine / "jdk-17"))
    with pytest.raises(jdk.JdkError) as error:
        jdk.find_jdk(JAVA_3X, "OpenSearch 3.6.0")
    message = str(error.value)
    assert "OpenSearch 3.6.0 needs Java 21 or newer" in message
    assert f"$JAVA_HOME={machine / 'jdk-17'} (Java 17)" in message
    assert f"{machine / 'jdk-21'} (no JDK)" in message
    assert "$OPENSEARCH_JAVA_HOME unset" in message
    assert "\n" not in message
