#!/bin/bash
# Chronos from its source with Maven, every dependency from Maven Central, on the host (mvn and
# the dependencies come through the host's network; Maven's repository is kept in the cache).
# Chaos and mesos-utils, which Chronos names but which were only on Mesosphere's servers, are
# compiled in from their sources; pom.py makes the pom's changes. Its web UI (webpack 1 and
# babel 6) is built first with the host's npm from the npm registry, as upstream's build.xml
# did, but from ui-package-lock.json: upstream carries no lockfile, and this one pins every
# package (with its integrity hash) to what was installed when the UI was first built here.
#
#   $IN/chronos-src.tar.gz       mesos/chronos at the commit the catalog names
#   $IN/chaos-src.tar.gz         mesosphere/chaos v0.8.7 src/main
#   $IN/mesos-utils-src.tar.gz   mesosphere/mesos-utils v1.6.0 src/main
#   $OUT/chronos-VERSION.tgz     chronos/bin/chronos, chronos/lib/chronos.jar (shaded, with the
#                                UI) and chronos/conf/logback.xml
set -euo pipefail
: "${IN:?}" "${OUT:?}" "${WORK:?}" "${MAVEN_REPO:?}" "${TOOL_CACHE:?}"
VERSION=${VERSION:?}
here=$(cd "$(dirname "$0")" && pwd)
log() { echo "chronos-build: $*"; }
for tool in mvn java javac python3 npm; do
    command -v $tool >/dev/null || { echo "$tool is not installed: scripts/host-setup.sh installs maven, npm and a JDK" >&2; exit 1; }
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

log "building the web UI (npm ci, webpack)"
ui="$src/src/main/resources/ui"
[ -f "$ui/package.json" ] || { echo "chronos-src.tar.gz has no src/main/resources/ui/package.json" >&2; exit 1; }
cp "$here/ui-package-lock.json" "$ui/package-lock.json"
(cd "$ui" && export npm_config_cache="$TOOL_CACHE/npm-cache" npm_config_audit=false npm_config_fund=false npm_config_color=false \
    && npm ci --loglevel=error && npm run build) > "$WORK/ui.log" 2>&1 || { tail -30 "$WORK/ui.log" >&2; exit 1; }
# What build.xml's `build` target copied beside the bundle: the pom packs ui/build as assets/,
# which Chronos serves / and /assets/ from.
mkdir -p "$ui/build/assets" && cp -r "$ui/assets/." "$ui/build/assets/" && cp "$ui/index.html" "$ui/build/index.html"
[ -s "$ui/build/assets/js/bundle.js" ] || { echo "the UI build made no build/assets/js/bundle.js" >&2; tail -30 "$WORK/ui.log" >&2; exit 1; }

log "compiling Chronos with mvn (about 2 minutes on 2 cores)"
(cd "$src" && mvn -B -Dstyle.color=never -Dmaven.repo.local="$MAVEN_REPO" -DskipTests package) > "$WORK/mvn.log" 2>&1 \
    || { tail -40 "$WORK/mvn.log" >&2; exit 1; }
jar=$(ls "$src"/target/chronos-*.jar 2>/dev/null | grep -v -e '-sources' -e 'original-' | head -1)
[ -n "$jar" ] || { echo "mvn made no Chronos jar" >&2; tail -20 "$WORK/mvn.log" >&2; exit 1; }
listing=$(jar tf "$jar")
for file in assets/index.html assets/assets/js/bundle.js; do
    grep -qx "$file" <<<"$listing" || { echo "the Chronos jar lacks the UI's $file" >&2; exit 1; }
done

dist="$WORK/dist/chronos"
mkdir -p "$dist/lib" "$dist/bin" "$dist/conf"
cp "$jar" "$dist/lib/chronos.jar"
cp "$here/logback.xml" "$dist/conf/logback.xml"
install -m 0755 "$here/chronos-launcher.sh" "$dist/bin/chronos"
log "$(basename "$jar"), $(du -m "$jar" | cut -f1) MB; packing chronos-$VERSION.tgz"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$WORK/dist" -cf - chronos | gzip -n > "$OUT/chronos-$VERSION.tgz"
