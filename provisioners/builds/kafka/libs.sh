#!/bin/bash
# Kafka's libs/ from Maven Central with mvn, each jar checked against libs.sha256, packed as
# kafka_2.13-VERSION.tgz (sorted, dated and owned alike, so the same jars make the same file).
# Runs on the host (recipe.yaml: runs-in: host), from its network.
#
#   $OUT/kafka_2.13-VERSION.tgz
set -euo pipefail
: "${OUT:?}" "${WORK:?}" "${MAVEN_REPO:?}"
VERSION=${VERSION:?}
here=$(cd "$(dirname "$0")" && pwd)
log() { echo "kafka-build: $*"; }
command -v mvn >/dev/null || { echo "mvn is not installed: apt-get install maven (scripts/host-setup.sh installs it)" >&2; exit 1; }
dist="kafka_2.13-$VERSION"
libs="$WORK/$dist/libs"
mkdir -p "$libs" "$OUT" "$MAVEN_REPO"

log "resolving Kafka $VERSION's runtime with mvn"
mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$MAVEN_REPO" -f "$here/pom.xml" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs"

log "checking $(wc -l < "$here/libs.sha256") jars against libs.sha256"
(cd "$libs" && sha256sum --quiet --strict --check "$here/libs.sha256")
extra=$(comm -23 <(cd "$libs" && ls | sort) <(awk '{print $2}' "$here/libs.sha256" | sort))
[ -z "$extra" ] || { echo "mvn resolved jars libs.sha256 does not pin: $extra" >&2; exit 1; }

log "packing $dist.tgz"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$WORK" -cf - "$dist" | gzip -n > "$OUT/$dist.tgz"
