"""The one place that pins which OpenSearch artifacts a node is built from.

Plugin versions must match the core version exactly (OpenSearch refuses to load a plugin built for
another release), so every pin is keyed by the core version. Only versions whose artifacts were
checked to exist on Maven Central are listed.
"""

from __future__ import annotations

from dataclasses import dataclass

MAVEN_REPOSITORY = "https://repo1.maven.org/maven2"

# The newest release on which the node, k-NN and the rescorer all run (the demo's whole stack).
DEFAULT_VERSION = "3.6.0"


@dataclass(frozen=True)
class MavenArtifact:
    """A Maven coordinate `group:artifact:version` with its file extension."""

    group: str
    artifact: str
    version: str
    extension: str = "jar"
    # Pinned digest, for files the repository serves without a .sha512/.sha1 beside them.
    sha512: str | None = None

    @property
    def filename(self) -> str:
        return f"{self.artifact}-{self.version}.{self.extension}"

    @property
    def path(self) -> str:
        """Path of the file relative to the repository root."""
        return f"{self.group.replace('.', '/')}/{self.artifact}/{self.version}/{self.filename}"

    def with_extension(self, extension: str) -> MavenArtifact:
        return MavenArtifact(self.group, self.artifact, self.version, extension, None)

    def __str__(self) -> str:
        return f"{self.group}:{self.artifact}:{self.version}@{self.extension}"


@dataclass(frozen=True)
class JarModule:
    """A module that Maven Central serves only as a jar: we lay out its folder ourselves.

    `jar_version` may differ from the core version where the exact one was never published
    (search-pipeline-common has no 2.19.1 release on Maven Central); the descriptor still names the
    core version, which is safe for patch releases of one minor line.
    """

    name: str
    jar_version: str
    classname: str
    description: str
    extended_plugins: tuple[str, ...] = ()
    security_policy: str | None = None

    def artifact(self) -> MavenArtifact:
        return MavenArtifact("org.opensearch.plugin", self.name, self.jar_version, "jar")


@dataclass(frozen=True)
class JavaRange:
    """The Java feature releases a node of one release line runs on (inclusive; None = no upper bound)."""

    minimum: int
    maximum: int | None = None

    def fits(self, feature: int) -> bool:
        return feature >= self.minimum and (self.maximum is None or feature <= self.maximum)

    def __str__(self) -> str:
        if self.maximum is None:
            return f"Java {self.minimum} or newer"
        return f"Java {self.minimum} to {self.maximum}"


# 2.x enforces plugin policies with the Java security manager, which Java 24 removed; 3.x ships Java 21
# bytecode and replaced the security manager with a Java agent.
JAVA_2X = JavaRange(17, 23)
JAVA_3X = JavaRange(21)


def release_line(version: str) -> int:
    """The major version (2 or 3), or a ValueError for anything this project cannot build for."""
    parts = version.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or not (parts[:2] == ["2", "19"] or parts[0] == "3"):
        raise ValueError(f"OpenSearch {version!r}: the rescorer builds for 2.19.x and 3.x releases (X.Y.Z)")
    return int(parts[0])


def java_for(version: str) -> JavaRange:
    """The Java a node of `version` runs on (and the plugin for it builds with)."""
    return JAVA_2X if release_line(version) == 2 else JAVA_3X


@dataclass(frozen=True)
class Distribution:
    """Everything needed to lay out one node for a core version.

    `knn_plugin` is None where Maven Central serves no k-NN zip for the release (the node then starts
    without it); `ml_plugins` is empty where ml-commons/neural-search are not served. `not_served`
    names the coordinates that were tried and are missing, for the messages that say why.
    """

    version: str
    core: MavenArtifact
    modules: tuple[JarModule, ...]
    knn_plugin: MavenArtifact | None
    ml_plugins: tuple[MavenArtifact, ...]  # install order matters: dependencies first
    not_served: tuple[str, ...] = ()

    @property
    def java(self) -> JavaRange:
        return java_for(self.version)

    def knn_note(self) -> str:
        """Why a node of this release has no k-NN plugin ('' when it has one)."""
        if self.knn_plugin is not None:
            return ""
        return f"OpenSearch {self.version} has no k-NN plugin here: {_knn(self.version)} is not served by Maven Central"

    def ml_note(self) -> str:
        """Why --with-ml cannot be honoured for this release ('' when it can)."""
        if self.ml_plugins:
            return ""
        tried = ", ".join(str(a) for a in _ml(self.version, {}))
        return f"OpenSearch {self.version}: ml-commons/neural-search are not served by Maven Central (tried {tried})"


_PAINLESS_POLICY = """grant {
  // Painless compiles scripts to classes at run time.
  permission java.lang.RuntimePermission "createClassLoader";
  // ...and looks up allow-listed classes through their loaders.
  permission java.lang.RuntimePermission "getClassLoader";
};
"""


_PLUGIN_GROUP = "org.opensearch.plugin"
_ML_PLUGINS = ("opensearch-job-scheduler", "opensearch-ml-plugin", "neural-search")


def _knn(version: str, sha512: str | None = None) -> MavenArtifact:
    return MavenArtifact(_PLUGIN_GROUP, "opensearch-knn", f"{version}.0", "zip", sha512)


def _ml(version: str, sha512: dict[str, str]) -> tuple[MavenArtifact, ...]:
    return tuple(MavenArtifact(_PLUGIN_GROUP, name, f"{version}.0", "zip", sha512.get(name)) for name in _ML_PLUGINS)


def _core(version: str) -> MavenArtifact:
    return MavenArtifact("org.opensearch.distribution.integ-test-zip", "opensearch", version, "zip")


def _distribution_2x(
    version: str, plugin_version: str, pipeline_common_version: str, ml_sha512: dict[str, str]
) -> Distribution:
    """2.19.x: the integ-test-zip has only transport-netty4, so the modules are assembled from jars."""
    plugin_group = _PLUGIN_GROUP
    return Distribution(
        version=version,
        core=_core(version),
        modules=(
            JarModule(
                name="lang-painless",
                jar_version=version,
                classname="org.opensearch.painless.PainlessPlugin",
                description="An easy, safe and fast scripting language for OpenSearch",
                security_policy=_PAINLESS_POLICY,
            ),
            JarModule(
                name="analysis-common",
                jar_version=version,
                classname="org.opensearch.analysis.common.CommonAnalysisPlugin",
                description='Adds "built in" analyzers to OpenSearch.',
                extended_plugins=("lang-painless",),
            ),
            JarModule(
                name="search-pipeline-common",
                jar_version=pipeline_common_version,
                classname="org.opensearch.search.pipeline.common.SearchPipelineCommonModulePlugin",
                description="Module for search pipeline processors that do not require additional security"
                " permissions or have large dependencies and resources",
            ),
        ),
        knn_plugin=MavenArtifact(plugin_group, "opensearch-knn", plugin_version, "zip"),
        ml_plugins=_ml(version, ml_sha512),
    )


def _distribution_3x(version: str, knn_sha512: str | None, ml_sha512: dict[str, str] | None) -> Distribution:
    """3.x: the integ-test-zip carries every module (painless, analysis-common, search-pipeline-common,
    transport-grpc...) and the Java agent that enforces plugin policies, so only plugins are added.
    `knn_sha512` / `ml_sha512` None: that plugin zip is not served for the release."""
    not_served = []
    if knn_sha512 is None:
        not_served.append(str(_knn(version)))
    if ml_sha512 is None:
        not_served += [str(a) for a in _ml(version, {})]
    return Distribution(
        version=version,
        core=_core(version),
        modules=(),
        knn_plugin=_knn(version, knn_sha512 or None) if knn_sha512 is not None else None,
        ml_plugins=_ml(version, ml_sha512) if ml_sha512 is not None else (),
        not_served=tuple(not_served),
    )


DISTRIBUTIONS: dict[str, Distribution] = {
    # opensearch-knn, -ml-plugin and neural-search are published for 2.19.1.0 only in the 2.19 line;
    # search-pipeline-common skips 2.19.1 (2.19.0 and 2.19.2 exist).
    # The three ML zips are served without checksum files, so their SHA-512 is pinned here (recorded
    # at first download; the plugin descriptors inside name opensearch.version=2.19.1).
    "2.19.1": _distribution_2x(
        "2.19.1",
        "2.19.1.0",
        "2.19.0",
        {
            "opensearch-job-scheduler": "781b3f4fcb5c713e492b146bf648fb111a507fb968c780e21efd8385e409064932a"
            "a9df96d96976cc254fb037e3568399c027cbf5253985c7b7fc8f51a5e6283",
            "opensearch-ml-plugin": "0c4cf91c9c9a0442244acdca468a1745ba9936c2cac9125196a7ffc6b270e376f5e5"
            "9286241c59735b85c640538a73362041a792877339edec685a80fb6da9c5",
            "neural-search": "d55a01237c89f42adcf94742d2aaaa339d174d5e24bf3027e5899bde38342e1363d4367d19"
            "383e1a8da5072e871d0689d132331ed44b287d27d27a975802d605",
        },
    ),
    # 3.6.0: the newest 3.x release with the whole stack on Maven Central (node, k-NN, job-scheduler,
    # ml-commons, neural-search; checked 2026-12-01). Its plugin zips are served without checksum files:
    # SHA-512 pinned at first download (the descriptors inside name opensearch.version=3.6.0, java 21).
    "3.6.0": _distribution_3x(
        "3.6.0",
        knn_sha512="fc5152c44729e636e0efc31c97f339f18bc8401376f1ac0a404016b654ff5372"
        "c2af01b37d537f234e9c132c0c39d576f02afc5da2bc0c38fa0c82c2cb47bb42",
        ml_sha512={
            "opensearch-job-scheduler": "1472f24835591bd8f9227820e493dbee1b08b2cb64c4b04cc8ff4d946111f1ef"
            "423517b69241edffe8dba4f68acc6694301d5d7cd6698b8160ec85c6d3fd1481",
            "opensearch-ml-plugin": "b88f244d98ffaca978a07324aaa49ab75f77b3b5219fab59c62891b572d90540"
            "b4b00f0e657f4ed0ea80d3b757a03158cf7f8593c4959fc34dab703044009c9e",
            "neural-search": "50f64822417ea5aac14c1fe3a12f592a9354a8264240b62c58bc58c7eb94f8ff"
            "a7c6e7bd8fa9dd176251c4ca297611ecd935bf008f67b79d8b1fa1d0ccbe80ba",
        },
    ),
    # 3.8.0: the newest 3.x whose node zip is served; opensearch-knn 3.8.0.0 and the ML zips are not, so
    # its node runs without k-NN (BM25 and the rescorer work; `search --mode knn` says why it cannot).
    # 3.9.0 has a core jar (the plugin builds for it) but no integ-test-zip: no node.
    "3.8.0": _distribution_3x("3.8.0", knn_sha512=None, ml_sha512=None),
}


# Releases asked about that have no node here, with the coordinate that is missing (checked 2026-12-01).
NOT_SERVED: dict[str, str] = {
    "3.9.0": "org.opensearch.distribution.integ-test-zip:opensearch:3.9.0@zip is not served by Maven Central",
}


def distribution(version: str) -> Distribution:
    """The pinned artifacts for `version`, or a ValueError naming the supported ones (and, for a release
    known to lack artifacts, the coordinate that is missing)."""
    try:
        return DISTRIBUTIONS[version]
    except KeyError:
        supported = ", ".join(sorted(DISTRIBUTIONS))
        why = f" ({NOT_SERVED[version]})" if version in NOT_SERVED else ""
        raise ValueError(f"no node for OpenSearch {version!r}{why}; node releases: {supported}") from None
