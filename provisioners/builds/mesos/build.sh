#!/bin/bash
# Build the Mesos 1.11.0 runtime as a Debian package, inside mlab's build root (a Debian 12
# chroot). Run by `mlab artifact build mesos` after headers.sh:
#
#   $STAGE/tree                the source tree headers.sh prepared
#   $STAGE/libmesos.so         libmesos 1.11.0, taken out of PyPI's mesos.scheduler binary and
#                              made loadable on Debian 12 (prepare-lib.sh, then mlab's ELF edit)
#   $STAGE/libpystub.so        the three Python symbols that binary still refers to
#
# Why this route: a full source build of Mesos is about 375 C++ files (hours on 2 cores) and
# needs tarballs the source snapshot lacks. The PyPI binary carries all of libmesos; only the
# small main() programs are compiled here, against the 1.11.0 headers, with the -D flags the
# library was built with (they change class layouts, so they must match).
#
# Output: $OUT/mesos_1.11.0-mlab1_amd64.deb. Work happens in $WORK; the caller removes it.
set -euo pipefail

VERSION=${VERSION:-1.11.0}
JOBS=${JOBS:-2}
: "${STAGE:?}" "${OUT:?}" "${WORK:?}"
log() { echo "mesos-build: $*"; }

M="$STAGE/tree/mesos"
P="$STAGE/tree/protobuf"
B="$M/build"
mkdir -p "$WORK" "$OUT"
cd "$WORK"

log "mesos-master, mesos-agent, mesos-execute and the libexec helpers"
cp "$STAGE/libmesos.so" "$WORK/libmesos-$VERSION.so"
cp "$STAGE/libpystub.so" "$WORK/libpystub.so"
make -s -C "$M" -f "$(dirname "${BASH_SOURCE[0]}")/programs.mk" -j"$JOBS" \
    BUILD="$B" PROTOBUF_SRC="$P/src" LIBDIR="$WORK" OUTDIR="$WORK/bin"

log "package"
R="$WORK/pkg"
install -d "$R/DEBIAN" "$R/usr/sbin" "$R/usr/bin" "$R/usr/libexec/mesos" "$R/usr/lib/mesos" "$R/usr/share/mesos"
install -m 0755 "$WORK/bin/mesos-master" "$WORK/bin/mesos-agent" "$R/usr/sbin/"
install -m 0755 "$WORK/bin/mesos-execute" "$R/usr/bin/"
for helper in "$WORK"/bin/libexec/*; do install -m 0755 "$helper" "$R/usr/libexec/mesos/"; done
install -m 0644 "$WORK/libmesos-$VERSION.so" "$WORK/libpystub.so" "$R/usr/lib/mesos/"
cp -r "$M/src/webui" "$R/usr/share/mesos/webui"
ln -s mesos-agent "$R/usr/sbin/mesos-slave"
cat > "$R/DEBIAN/control" <<CONTROL
Package: mesos
Version: $VERSION-mlab1
Architecture: amd64
Maintainer: mlab <mlab@localhost>
Depends: libsvn1, libapr1, libcurl4, libsasl2-2, libarchive13, zlib1g, libssl3, libstdc++6
Section: admin
Priority: optional
Description: Apache Mesos $VERSION cluster manager (master, agent, mesos-execute)
 libmesos from the official PyPI binary of Mesos $VERSION, with its main() programs
 compiled against the $VERSION headers by mlab. SSL is not supported.
CONTROL
dpkg-deb --root-owner-group -Zxz -b "$R" "$OUT/mesos_${VERSION}-mlab1_amd64.deb" >/dev/null
log "done: $OUT/mesos_${VERSION}-mlab1_amd64.deb"
