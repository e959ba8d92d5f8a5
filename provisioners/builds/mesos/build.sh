#!/bin/bash
# Build the Mesos 1.11.0 runtime as a Debian package, inside mlab's build root (a Debian 12
# chroot). Run by `mlab artifact build mesos`; every input is a verified file under $IN:
#
#   $IN/mesos-src.tar.gz       the Mesos 1.11.0 source (include/, src/, 3rdparty/)
#   $IN/protobuf-src.tar.gz    protobuf 3.5.0 source: protoc must match the library's protobuf
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
: "${IN:?}" "${STAGE:?}" "${OUT:?}" "${WORK:?}"
log() { echo "mesos-build: $*"; }

mkdir -p "$WORK" "$OUT"
cd "$WORK"
tar xzf "$IN/mesos-src.tar.gz"
M="$WORK/$(tar tzf "$IN/mesos-src.tar.gz" | awk -F/ 'NR == 1 {print $1}')"
mkdir protobuf && tar xzf "$IN/protobuf-src.tar.gz" -C protobuf --strip-components=1
P="$WORK/protobuf"
T="$M/3rdparty"

log "protoc 3.5.0 (C++ generator only)"
patch -s -d "$P" -p1 < "$T/protobuf-3.5.0.patch"
# The C++ generator and what it links: libprotobuf and libprotoc less the other languages.
(cd "$P/src" && find google/protobuf -name '*.cc' \
    ! -path '*/compiler/java/*' ! -path '*/compiler/python/*' ! -path '*/compiler/csharp/*' \
    ! -path '*/compiler/objectivec/*' ! -path '*/compiler/js/*' ! -path '*/compiler/php/*' \
    ! -path '*/compiler/ruby/*' ! -path '*/testing/*' ! -name '*_test.cc' ! -name '*unittest*' \
    ! -name '*test_util*' ! -name 'test_*' ! -name 'mock_*' \
    ! -name 'main.cc' | sort) > "$WORK/protoc.srcs"
cat > "$WORK/protoc_main.cc" <<'CC'
// protoc with the C++ generator alone: Mesos needs nothing else from it.
#include <google/protobuf/compiler/command_line_interface.h>
#include <google/protobuf/compiler/cpp/cpp_generator.h>
int main(int argc, char* argv[]) {
  google::protobuf::compiler::CommandLineInterface cli;
  google::protobuf::compiler::cpp::CppGenerator cpp;
  cli.RegisterGenerator("--cpp_out", "--cpp_opt", &cpp, "C++ sources and headers");
  return cli.Run(argc, argv);
}
CC
cat > "$WORK/protoc.mk" <<'MK'
SRCS := $(shell cat $(WORK)/protoc.srcs)
OBJS := $(patsubst %.cc,$(WORK)/protoc-obj/%.o,$(SRCS)) $(WORK)/protoc-obj/main.o
$(WORK)/protoc: $(OBJS)
	$(CXX) -o $@ $^ -pthread
$(WORK)/protoc-obj/main.o: $(WORK)/protoc_main.cc
	@mkdir -p $(dir $@)
	$(CXX) -O0 -w -std=gnu++11 -DHAVE_PTHREAD -I$(PSRC) -c $< -o $@
$(WORK)/protoc-obj/%.o: $(PSRC)/%.cc
	@mkdir -p $(dir $@)
	$(CXX) -O0 -w -std=gnu++11 -DHAVE_PTHREAD -I$(PSRC) -c $< -o $@
MK
make -s -f "$WORK/protoc.mk" -j"$JOBS" WORK="$WORK" PSRC="$P/src"
PROTOC="$WORK/protoc"

log "bundled headers"
unpack() { # unpack TARBALL [PATCH]: into $T, patched as Mesos's own build patches it
    tar xzf "$T/$1.tar.gz" -C "$T"
    if [[ -f "$T/$1.patch" ]]; then patch -s -d "$T/$1" -p1 < "$T/$1.patch"; fi
}
for dep in boost-1.65.0 concurrentqueue-7b69a8f elfio-3.2 glog-0.4.0 picojson-1.3.0 \
           rapidjson-1.1.0 http-parser-2.6.2 leveldb-1.19 nvml-352.79 libseccomp-2.3.3; do
    unpack "$dep"
done
# glog's public headers are made by its configure; these are the answers for Linux/g++.
for h in "$T"/glog-0.4.0/src/glog/*.h.in; do
    sed -e 's/@ac_google_start_namespace@/namespace google {/' \
        -e 's/@ac_google_end_namespace@/}/' -e 's/@ac_google_namespace@/google/g' \
        -e 's/@ac_cv_have_\(stdint_h\|systypes_h\|inttypes_h\|unistd_h\|uint16_t\|u_int16_t\|__builtin_expect\)@/1/g' \
        -e 's/@ac_cv_have___uint16@/0/' -e 's/@ac_cv_have_libgflags@/0/' \
        -e 's/@ac_cv_cxx_using_operator@/1/' \
        -e 's/@ac_cv___attribute___noreturn@/__attribute__ ((noreturn))/g' \
        -e 's/@ac_cv___attribute___noinline@/__attribute__ ((noinline))/g' \
        -e 's/@ac_cv___attribute___printf_4_5@/__attribute__((__format__ (__printf__, 4, 5)))/g' \
        "$h" > "${h%.in}"
done
# CSI protos live at version-qualified paths, as Mesos's build moves them.
for v in 0.2.0:v0 1.1.0:v1; do
    mkdir -p "$T/csi-${v%%:*}/csi/${v##*:}"
    tar xzf "$T/csi-${v%%:*}.tar.gz" -C "$T/csi-${v%%:*}" --strip-components=1 "spec-${v%%:*}/csi.proto"
    mv "$T/csi-${v%%:*}/csi.proto" "$T/csi-${v%%:*}/csi/${v##*:}/csi.proto"
done
B="$M/build"
mkdir -p "$B/include/mesos" "$B/src"
sed -e "s/@PACKAGE_VERSION@/$VERSION/" -e 's/"@MESOS_MAJOR_VERSION@"/"1"/' -e 's/@MESOS_MAJOR_VERSION@/1/' \
    -e 's/"@MESOS_MINOR_VERSION@"/"11"/' -e 's/@MESOS_MINOR_VERSION@/11/' \
    -e 's/"@MESOS_PATCH_VERSION@"/"0"/' -e 's/@MESOS_PATCH_VERSION@/0/' \
    "$M/include/mesos/version.hpp.in" > "$B/include/mesos/version.hpp"

log "protobuf sources"
PROTO_I=(-I"$M/include" -I"$M/src" -I"$T/csi-0.2.0" -I"$T/csi-1.1.0" -I"$P/src")
(cd "$M/include" && find mesos -name '*.proto') | while read -r proto; do
    "$PROTOC" "${PROTO_I[@]}" --cpp_out="$B/include" "$M/include/$proto"
done
(cd "$M/src" && find . -name '*.proto' ! -path './java/*' ! -path './python/*' ! -path './examples/*' ! -path './tests/*') | while read -r proto; do
    "$PROTOC" "${PROTO_I[@]}" --cpp_out="$B/src" "$M/src/${proto#./}"
done
for v in 0.2.0:v0 1.1.0:v1; do
    "$PROTOC" "${PROTO_I[@]}" --cpp_out="$B/include" "$T/csi-${v%%:*}/csi/${v##*:}/csi.proto"
done

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
