#!/bin/bash
# Marathon from its source with sbt, every dependency from Maven Central, on the host (sbt and
# its dependencies come through the host's network). The tree is upstream's, with mlab's own
# build files laid over it (overlay/: upstream's need resolvers and plugins that are gone) and
# two source fixes for Java 17; USI's async helpers (not published to Central) are compiled in.
#
#   $IN/marathon-src.tar.gz       mesosphere/marathon at the commit the catalog names
#   $IN/usi-commons-src.tar.gz    mesosphere/usi commons/src/main/.../async
#   $STAGE/marathon-ui-1.3.2.jar  the web UI, from ui.sh
#   $OUT/marathon-VERSION.tgz     marathon/bin/marathon and marathon/lib/*.jar (every jar from
#                                 Central checked against lib.sha256)
set -euo pipefail
: "${IN:?}" "${STAGE:?}" "${OUT:?}" "${WORK:?}" "${MAVEN_REPO:?}" "${TOOL_CACHE:?}"
VERSION=${VERSION:?}
here=$(cd "$(dirname "$0")" && pwd)
log() { echo "marathon-build: $*"; }
for tool in mvn java javac; do
    command -v $tool >/dev/null || { echo "$tool is not installed: scripts/host-setup.sh installs maven and a JDK" >&2; exit 1; }
done
mkdir -p "$WORK" "$OUT" "$MAVEN_REPO" "$TOOL_CACHE/sbt"

SBT_LAUNCH_VERSION=1.3.13
log "sbt's launcher $SBT_LAUNCH_VERSION, with mvn"
mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$MAVEN_REPO" dependency:copy \
    -Dartifact="org.scala-sbt:sbt-launch:$SBT_LAUNCH_VERSION" -DoutputDirectory="$WORK/tools"
(cd "$WORK/tools" && sha256sum --quiet --strict --check "$here/sbt-launch.sha256")

log "unpacking the source and laying mlab's build files over it"
tar xzf "$IN/marathon-src.tar.gz" -C "$WORK"
src="$WORK/marathon"
[ -f "$src/build.sbt" ] || { echo "marathon-src.tar.gz has no marathon/build.sbt" >&2; exit 1; }
cp -r "$here/overlay/." "$src/"
printf 'sbt.version=%s\n' "$SBT_LAUNCH_VERSION" > "$src/project/build.properties"
printf 'sbt.version=%s\n' "$SBT_LAUNCH_VERSION" > "$src/project/project/build.properties"
# Upstream's settings that read ~/.m2 and the Debian packaging helpers go with the plugins.
rm -rf "$src/project/NativePackagerSettings" "$src/project/NativePackagerSettings.scala" "$src/project/src/main/scala/mesosphere/maven"
# The UI, the API console and USI are not on Central: the first two are left out (the labs'
# portal serves the API), USI's async helpers are compiled in from their source.
sed -i -E '/^\s*(marathonApiConsole|marathonUI|usiCommons) % "compile",$/d; s/^(\s*Test\.scalacheck % "test"),$/\1/; /^\s*Test\.usiTestUtils % "test"$/d' \
    "$src/project/Dependencies.scala"
if grep -qE '^\s*(marathonUI|usiCommons|Test\.usiTestUtils) %' "$src/project/Dependencies.scala"; then
    echo "project/Dependencies.scala still names a dependency Central does not have" >&2; exit 1
fi
tar xzf "$IN/usi-commons-src.tar.gz" -C "$WORK"
async=$(find "$WORK" -path '*/commons/src/main/scala/com/mesosphere/usi/async' -type d | head -1)
[ -n "$async" ] || { echo "usi-commons-src.tar.gz has no commons/src/main/scala/com/mesosphere/usi/async" >&2; exit 1; }
mkdir -p "$src/src/main/scala/com/mesosphere/usi"
cp -r "$async" "$src/src/main/scala/com/mesosphere/usi/async"
# String.lines is a JDK method since Java 11 and shadows Scala's: the type generator means
# Scala's line iterator.
sed -i 's/comments\.flatMap(_\.lines)/comments.flatMap(_.linesIterator)/' "$src/type-generator/src/main/scala/mesosphere/raml/ir/FieldT.scala"

log "compiling Marathon with sbt (about 3 minutes on 2 cores)"
printf '[repositories]\n  local\n  maven-central\n' > "$WORK/sbt-repositories"
sbt_home="$TOOL_CACHE/sbt"
cd "$src"
java -Xmx3g -Xss8m \
    -Dsbt.repository.config="$WORK/sbt-repositories" -Dsbt.override.build.repos=true \
    -Dsbt.boot.directory="$sbt_home/boot" -Dsbt.global.base="$sbt_home/global" \
    -Dsbt.ivy.home="$sbt_home/ivy" -Dsbt.coursier.home="$sbt_home/coursier" \
    -Dsbt.server.forcestart=false -Dsbt.supershell=false -Dsbt.color=false \
    -jar "$WORK/tools/sbt-launch-$SBT_LAUNCH_VERSION.jar" \
    "marathon/package" "plugin-interface/package" "export marathon/runtime:fullClasspathAsJars" < /dev/null \
    | tee "$WORK/sbt.log" | grep -E '^\[(info|warn|error)\] (Compiling|Done|Wrote|Main Scala|\[error\])|^\[error\]' || true
classpath=$(grep -E '^/[^ ]+\.jar(:|$)' "$WORK/sbt.log" | tail -1)
[ -n "$classpath" ] || { echo "sbt did not print Marathon's runtime classpath (see the build log)" >&2; tail -30 "$WORK/sbt.log" >&2; exit 1; }

log "laying out marathon/lib from the runtime classpath"
dist="$WORK/dist/marathon"
mkdir -p "$dist/lib" "$dist/bin"
IFS=: read -r -a jars <<< "$classpath"
for entry in "${jars[@]}"; do
    case "$entry" in
        *.jar) cp "$entry" "$dist/lib/" ;;
        *) echo "the runtime classpath has a non-jar entry: $entry" >&2; exit 1 ;;
    esac
done
built=(marathon_2.13-1.11.0-lab.jar plugin-interface_2.13-1.11.0-lab.jar)
for jar in "${built[@]}"; do
    [ -f "$dist/lib/$jar" ] || { echo "$jar is not on the runtime classpath" >&2; exit 1; }
done
log "checking $(wc -l < "$here/lib.sha256") jars from Maven Central against lib.sha256"
(cd "$dist/lib" && sha256sum --quiet --strict --check "$here/lib.sha256")
extra=$(comm -23 <(cd "$dist/lib" && ls | grep -v '^marathon-ui-' | sort) <( (awk '{print $2}' "$here/lib.sha256"; printf '%s\n' "${built[@]}") | sort))
[ -z "$extra" ] || { echo "sbt resolved jars lib.sha256 does not pin: $extra" >&2; exit 1; }
# The web UI: on the classpath, Marathon serves it at /ui/.
cp "$STAGE/marathon-ui-1.3.2.jar" "$dist/lib/"
install -m 0755 "$here/marathon-launcher.sh" "$dist/bin/marathon"
log "$(ls "$dist/lib" | wc -l) jars, $(du -sm "$dist/lib" | cut -f1) MB; packing marathon-$VERSION.tgz"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$WORK/dist" -cf - marathon | gzip -n > "$OUT/marathon-$VERSION.tgz"
