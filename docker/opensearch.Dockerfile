# OpenSearch 2.19.1 (official image: k-NN, ml-commons and neural-search bundled) + the cross_encoder rescorer.
# Build the plugin first:  mvn -q -f opensearch-plugin/pom.xml package -DskipTests
# then from the repo root:  docker build -f docker/opensearch.Dockerfile -t rescore-bridge:opensearch .
FROM opensearchproject/opensearch:2.19.1
COPY opensearch-plugin/target/rescore-bridge-*.zip /tmp/rescorer.zip
RUN /usr/share/opensearch/bin/opensearch-plugin install --batch file:///tmp/rescorer.zip
