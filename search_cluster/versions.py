"""The one place that pins which OpenSearch artifacts a node is built from.

Plugin versions must match the core version exactly (OpenSearch refuses to load a plugin built for
another release), so every pin is keyed by the core version. Only versions whose artifacts were
checked to exist on Maven Central are listed.
"""

from __future__ import annotations

from dataclasses import dataclass

MAVEN_REPOSITORY = "https://repo1.maven.org/maven2"

DEFAULT_VERSION = "2.19.1"


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
class Distribution:
    """Everything needed to lay out one node for a core version."""

    version: str
    core: MavenArtifact
    modules: tuple[JarModule, ...]
    knn_plugin: MavenArtifact
    ml_plugins: tuple[MavenArtifact, ...]  # install order matters: dependencies first


_PAINLESS_POLICY = """grant {
  // Painless compiles scripts to classes at run time.
  permission java.lang.RuntimePermission "createClassLoader";
  // ...and looks up allow-listed classes through their loaders.
  permission java.lang.RuntimePermission "getClassLoader";
};
"""


def _distribution(
    version: str, plugin_version: str, pipeline_common_version: str, ml_sha512: dict[str, str]
) -> Distribution:
    plugin_group = "org.opensearch.plugin"
    return Distribution(
        version=version,
        core=MavenArtifact("org.opensearch.distribution.integ-test-zip", "opensearch", version, "zip"),
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
        ml_plugins=tuple(
            MavenArtifact(plugin_group, name, plugin_version, "zip", ml_sha512.get(name))
            for name in ("opensearch-job-scheduler", "opensearch-ml-plugin", "neural-search")
        ),
    )


DISTRIBUTIONS: dict[str, Distribution] = {
    # opensearch-knn, -ml-plugin and neural-search are published for 2.19.1.0 only in the 2.19 line;
    # search-pipeline-common skips 2.19.1 (2.19.0 and 2.19.2 exist).
    # The three ML zips are served without checksum files, so their SHA-512 is pinned here (recorded
    # at first download; the plugin descriptors inside name opensearch.version=2.19.1).
    "2.19.1": _distribution(
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
}


def distribution(version: str) -> Distribution:
    """The pinned artifacts for `version`, or a ValueError naming the supported ones."""
    try:
        return DISTRIBUTIONS[version]
    except KeyError:
        supported = ", ".join(sorted(DISTRIBUTIONS))
        raise ValueError(f"unsupported OpenSearch version {version!r}; supported: {supported}") from None
