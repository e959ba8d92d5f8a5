#!/bin/bash
# The Mesos 1.11.0 source tree ready to compile against, inside mlab's build root: protoc
# 3.5.0, the bundled headers unpacked and patched as Mesos's own build does, and the C++ of
# every .proto generated. Run by `mlab artifact build` for the recipes that compile against
# libmesos (mesos itself, and spark's JNI bindings), before their own step:
#
#   $IN/mesos-src.tar.gz       the Mesos 1.11.0 source (include/, src/, 3rdparty/)
#   $IN/protobuf-src.tar.gz    protobuf 3.5.0 source: protoc must match the library's protobuf
#
# Output: the tree in $STAGE/tree: mesos/ (with build/ holding the generated headers),
# protobuf/, and protoc.
set -euo pipefail

VERSION=${VERSION:-1.11.0}
JOBS=${JOBS:-2}
: "${IN:?}" "${STAGE:?}" "${WORK:?}"
log() { echo "mesos-build: $*"; }

WORK="$STAGE/tree"
mkdir -p "$WORK/mesos" "$WORK/protobuf"
cd "$WORK"
tar xzf "$IN/mesos-src.tar.gz" -C mesos --strip-components=1
M="$WORK/mesos"
tar xzf "$IN/protobuf-src.tar.gz" -C protobuf --strip-components=1
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
