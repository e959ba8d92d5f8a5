#!/bin/bash
# Chronos from its source with Maven, every dependency from Maven Central, on the host (mvn and
# the dependencies come through the host's network; Maven's repository is kept in the cache).
# Chaos and mesos-utils, which Chronos names but which were only on Mesosphere's servers, are
# compiled in from their sources; pom.py makes the pom's changes.
#
#   $IN/chronos-src.tar.gz       mesos/chronos at the commit the catalog names
#   $IN/chaos-src.tar.gz         mesosphere/chaos v0.8.7 src/main
#   $IN/mesos-utils-src.tar.gz   mesosphere/mesos-utils v1.6.0 src/main
#   $OUT/chronos-VERSION.tgz     chronos/bin/chronos and chronos/lib/chronos.jar (shaded)
set -euo pipefail
: "${IN:?}" "${OUT:?}" "${WORK:?}" "${MAVEN_REPO:?}"
VERSION=${VERSION:?}
here=$(cd "$(dirname "$0")" && pwd)
log() { echo "chronos-build: $*"; }
for tool in mvn java javac python3; do
    command -v $tool >/dev/null || { echo "$tool is not installed: scripts/host-setup.sh installs maven and a JDK" >&2; exit 1; }
done
mkdir -p "$WORK" "$OUT" "$MAVEN_REPO"

log "unpacking Chronos, Chaos and mesos-utils"
tar xzf "$IN/chronos-src.tar.gz" -C "$WORK"
src="$WORK/chronos"
[ -f "$src/pom.xml" ] || { echo "chronos-src.tar.gz has no chronos/pom.xml" >&2; exit 1; }
tar xzf "$IN/chaos-src.tar.gz" -C "$WORK"
tar xzf "$IN/mesos-utils-src.tar.gz" -C "$WORK"
mkdir -p "$src/extra/chaos/src" "$src/extra/mesos-utils/src"
cp -r "$WORK/chaos/src/main" "$src/extra/chaos/src/main"
# Chaos's example application is not part of the library (and would be a second main).
rm -rf "$src/extra/chaos/src/main/scala/mesosphere/chaos/example" "$src/extra/chaos/src/main/resources/mesosphere/chaos/example"
cp -r "$WORK/mesos-utils/src/main" "$src/extra/mesos-utils/src/main"
python3 "$here/pom.py" "$src/pom.xml" "$here/central-deps.xml"

log "compiling Chronos with mvn (about 2 minutes on 2 cores)"
(cd "$src" && mvn -B -Dstyle.color=never -Dmaven.repo.local="$MAVEN_REPO" -DskipTests package) > "$WORK/mvn.log" 2>&1 \
    || { tail -40 "$WORK/mvn.log" >&2; exit 1; }
jar=$(ls "$src"/target/chronos-*.jar 2>/dev/null | grep -v -e '-sources' -e 'original-' | head -1)
[ -n "$jar" ] || { echo "mvn made no Chronos jar" >&2; tail -20 "$WORK/mvn.log" >&2; exit 1; }

dist="$WORK/dist/chronos"
mkdir -p "$dist/lib" "$dist/bin"
cp "$jar" "$dist/lib/chronos.jar"
install -m 0755 "$here/chronos-launcher.sh" "$dist/bin/chronos"
log "$(basename "$jar"), $(du -m "$jar" | cut -f1) MB; packing chronos-$VERSION.tgz"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$WORK/dist" -cf - chronos | gzip -n > "$OUT/chronos-$VERSION.tgz"
