#!/bin/bash
# Compile the JNI bindings Spark loads libmesos through, inside mlab's build root, after the
# mesos recipe's prepare-lib.sh and headers.sh:
#
#   $IN/mesos-java-src.tar.gz  the Mesos 1.4.3 Java API sources: the version Spark 3.5 bundles
#                              (jars/mesos-1.4.3-shaded-protobuf.jar); `javac -h` over them gives
#                              the JNI headers that jar's native methods need. The 1.11.0 JNI
#                              code passes protobufs as bytes, so the 1.4.3 API works with it.
#   $IN/pyspark.tar.gz         for that jar
#
# Output: $STAGE/libmesos-java.so.
set -euo pipefail
: "${IN:?}" "${STAGE:?}" "${WORK:?}"
JOBS=${JOBS:-2}
log() { echo "spark-build: $*"; }
here=$(dirname "${BASH_SOURCE[0]}")

mkdir -p "$WORK/java" "$WORK/headers" "$WORK/classes"
cd "$WORK"
# awk reads the whole listing (a reader that stops early would kill tar with SIGPIPE).
jar=$(tar tzf "$IN/pyspark.tar.gz" | awk '/\/jars\/mesos-.*-shaded-protobuf\.jar$/ && !found {print; found = 1}')
[[ -n "$jar" ]] || { echo "jni: no Mesos jar in the pyspark sdist" >&2; exit 1; }
tar xzf "$IN/pyspark.tar.gz" "$jar"
tar xzf "$IN/mesos-java-src.tar.gz" -C java --strip-components=1
J="$WORK/java/src/java"
api=$(basename "$jar" | sed -E 's/^mesos-([0-9.]+)-.*/\1/')
sed "s/@PACKAGE_VERSION@/$api/" "$J/generated/org/apache/mesos/MesosNativeLibrary.java.in" > "$J/src/org/apache/mesos/MesosNativeLibrary.java"

log "JNI headers of the Mesos $api Java API"
mapfile -t natives < <(grep -rl ' native ' "$J/src" --include='*.java')
javac -nowarn -cp "$WORK/$jar" -sourcepath "$J/src" -d classes -h headers "${natives[@]}"

log "libmesos-java.so (the Mesos 1.11.0 JNI bindings)"
cp "$STAGE/libmesos.so" "$WORK/libmesos-1.11.0.so"
M="$STAGE/tree/mesos"
make -s -C "$M" -f "$(readlink -f "$here/jni.mk")" -j"$JOBS" MESOS_RECIPE="$(readlink -f "$here/mesos")" \
    BUILD="$M/build" PROTOBUF_SRC="$STAGE/tree/protobuf/src" HEADERS="$WORK/headers" LIBDIR="$WORK" OUT="$STAGE"
count=$(nm -D --defined-only "$STAGE/libmesos-java.so" | grep -c ' T Java_org_apache_mesos_')
log "libmesos-java.so: $count JNI functions"
