#!/bin/bash
# Compile libmesos-java.so, the JNI bindings every JVM framework of the labs loads libmesos
# through (Marathon, Chronos, Spark), inside mlab's build root, after the mesos recipe's
# prepare-lib.sh and headers.sh. The C++ is Mesos 1.11.0's (src/java/jni): its function names
# are its own, so the library exports the 1.11.0 Java API's natives (updateFramework and the
# role-taking reviveOffers/suppressOffers that Marathon calls among them), and by the JNI
# lookup rules it serves the 1.4.3 API Spark bundles too. `javac -h` only has to give the C++
# the declarations it includes:
#
#   $IN/mesos-java-src.tar.gz  the Mesos 1.4.3 Java API sources, with the Protos classes from
#   $IN/pyspark.tar.gz         Spark's bundled jars/mesos-1.4.3-shaded-protobuf.jar (javac needs
#                              them to compile the classes that declare natives)
#
# Output: $STAGE/libmesos-java.so.
set -euo pipefail
: "${IN:?}" "${STAGE:?}" "${WORK:?}"
JOBS=${JOBS:-2}
log() { echo "mesos-java-build: $*"; }
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
