#!/bin/bash
# Lay the pyspark sdist's Spark distribution out as Apache's binary tarball does, with mlab's
# spark-submit fix, and pack it for the guests (unpacked into /opt/spark). The JNI bindings
# are the mesos-java artifact's (/opt/mesos-java/lib/libmesos-java.so).
#
#   $IN/pyspark.tar.gz          PyPI's pyspark sdist: deps/{bin,sbin,jars,examples,data},
#                               lib/{pyspark,py4j-*}.zip
#
# Output: $OUT/spark-VERSION-bin-mlab.tgz: bin/ sbin/ jars/ data/ examples/src/main/python/,
# python/lib/ (PySpark), and conf -> /etc/spark (mlab writes the
# lab's spark-defaults.conf there, so drivers the dispatcher launches read it too).
set -euo pipefail
: "${IN:?}" "${OUT:?}" "${WORK:?}" "${VERSION:?}"
log() { echo "spark-build: $*"; }
here=$(dirname "${BASH_SOURCE[0]}")

mkdir -p "$WORK/sdist" "$OUT"
cd "$WORK"
tar xzf "$IN/pyspark.tar.gz" -C sdist --strip-components=1
S="$WORK/sdist"
D="$WORK/spark-$VERSION-bin-mlab"
log "Spark $VERSION distribution"
mkdir -p "$D/bin" "$D/sbin" "$D/examples/src/main/python" "$D/python/lib"
cp -a "$S/deps/jars" "$D/jars"
[[ -d "$S/deps/data" ]] && cp -a "$S/deps/data" "$D/data"
find "$S/deps/bin" -maxdepth 1 -type f ! -name '*.cmd' -exec cp -a {} "$D/bin/" \;
find "$S/deps/sbin" -maxdepth 1 -type f -exec cp -a {} "$D/sbin/" \;
cp -a "$S/deps/examples/." "$D/examples/src/main/python/"
cp -a "$S"/lib/*.zip "$D/python/lib/"
[[ -d "$S/deps/licenses" ]] && cp -a "$S/deps/licenses" "$D/licenses"
cp "$S/LICENSE" "$S/NOTICE" "$D/" 2>/dev/null || true
echo "Spark $VERSION (from PyPI's pyspark $VERSION sdist, laid out by mlab)" > "$D/RELEASE"
mv "$D/bin/spark-submit" "$D/bin/spark-submit.spark"
install -m 0755 "$here/spark-submit.sh" "$D/bin/spark-submit"
ln -s /etc/spark "$D/conf"
[[ -f "$D/jars/spark-mesos_2.12-$VERSION.jar" ]] || { echo "dist: no spark-mesos jar for $VERSION" >&2; exit 1; }
log "packing spark-$VERSION-bin-mlab.tgz"
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$WORK" -czf "$OUT/spark-$VERSION-bin-mlab.tgz" "spark-$VERSION-bin-mlab"
