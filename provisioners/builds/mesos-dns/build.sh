#!/bin/bash
# Build Mesos-DNS inside mlab's build root (Debian 12 with golang-1.19), offline: the source
# carries its dependencies in vendor/ (a dep project, so GOPATH mode, no module download).
# Run by `mlab artifact build mesos-dns`.
#
#   $IN/mesos-dns-src.tar.gz   mesosphere/mesos-dns with vendor/
#   $OUT/mesos-dns_VERSION_amd64.deb
set -euo pipefail
: "${IN:?}" "${OUT:?}" "${WORK:?}"
VERSION=${VERSION:?}
log() { echo "mesos-dns-build: $*"; }
mkdir -p "$WORK" "$OUT"
cd "$WORK"
src="$WORK/gopath/src/github.com/mesosphere/mesos-dns"
mkdir -p "$src"
tar xzf "$IN/mesos-dns-src.tar.gz" -C "$src" --strip-components=1

log "go build (vendored dependencies, no network)"
export GOPATH="$WORK/gopath" GO111MODULE=off GOFLAGS= GOPROXY=off GOCACHE="$WORK/gocache" CGO_ENABLED=0
(cd "$src" && /usr/lib/go-1.19/bin/go build -ldflags "-X main.Version=$VERSION" -o "$WORK/mesos-dns" .)
"$WORK/mesos-dns" -version

log "package"
R="$WORK/pkg"
install -d "$R/DEBIAN" "$R/usr/bin"
install -m 0755 "$WORK/mesos-dns" "$R/usr/bin/mesos-dns"
cat > "$R/DEBIAN/control" <<CONTROL
Package: mesos-dns
Version: $VERSION
Architecture: amd64
Maintainer: mlab <mlab@localhost>
Section: net
Priority: optional
Description: Mesos-DNS: DNS-based service discovery for Apache Mesos
 Built by mlab from the mesos-dns source with its vendored dependencies.
CONTROL
dpkg-deb --root-owner-group -Zxz -b "$R" "$OUT/mesos-dns_${VERSION}_amd64.deb" >/dev/null
log "done: $OUT/mesos-dns_${VERSION}_amd64.deb"
