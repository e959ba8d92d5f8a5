#!/bin/bash
# Pack libmesos-java.so for the guests (unpacked into /opt/mesos-java): every JVM framework
# points MESOS_NATIVE_JAVA_LIBRARY at /opt/mesos-java/lib/libmesos-java.so.
#
#   $OUT/mesos-java-VERSION.tgz
set -euo pipefail
: "${STAGE:?}" "${OUT:?}" "${WORK:?}" "${VERSION:?}"
D="$WORK/mesos-java-$VERSION"
mkdir -p "$D/lib" "$OUT"
install -m 0755 "$STAGE/libmesos-java.so" "$D/lib/libmesos-java.so"
echo "libmesos-java.so: the Mesos $VERSION JNI bindings, built by mlab against libmesos-$VERSION.so" > "$D/README"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$WORK" -cf - "mesos-java-$VERSION" | gzip -n > "$OUT/mesos-java-$VERSION.tgz"
