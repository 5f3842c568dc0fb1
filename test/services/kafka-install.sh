#!/usr/bin/env bash
# Installs the Apache Kafka broker the event-mode tests start: the jars of org.apache.kafka:kafka_2.13 and an
# slf4j binding (without one the broker logs nothing), resolved from Maven Central by Maven itself through a
# generated pom, cached under ~/.cache/flts/kafka/<version>/lib/. Idempotent: a complete lib/ is reused.
#
# Environment:
#   FLTS_CACHE_DIR       cache root (default: ${XDG_CACHE_HOME:-~/.cache}/flts)
#   FLTS_KAFKA_VERSION   Kafka release (default: the one in kafka-release.sh)
# Prints the lib directory on stdout (last line); progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")"
source ./kafka-release.sh
version="${FLTS_KAFKA_VERSION:-$KAFKA_VERSION}"
cache_root="${FLTS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flts}"
target="$cache_root/kafka/$version"

# The marker is written last, so an interrupted install is redone rather than trusted.
if [[ -f "$target/lib/.complete" ]]; then
  echo "$target/lib"
  exit 0
fi
command -v mvn >/dev/null || { echo "kafka-install.sh: Maven (mvn) is required to fetch the Kafka jars" >&2; exit 1; }
command -v java >/dev/null || { echo "kafka-install.sh: Java 17 or later is required to run Kafka" >&2; exit 1; }

start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/flts-kafka-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>flts</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>$SLF4J_SIMPLE_VERSION</version></dependency>
  </dependencies>
</project>
POM
echo "kafka-install.sh: resolving kafka_2.13:$version from Maven Central…" >&2
(cd "$work" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$work/lib" -DincludeScope=runtime >&2)
touch "$work/lib/.complete"
mkdir -p "$target"
rm -rf "$target/lib.tmp.$$"
mv "$work/lib" "$target/lib.tmp.$$"
rm -rf "$target/lib"
mv "$target/lib.tmp.$$" "$target/lib"
echo "kafka-install.sh: Kafka $version ($(ls "$target/lib" | wc -l) jars) ready in $(( $(date +%s) - start ))s" >&2
echo "$target/lib"
