#!/bin/bash
# Make libmesos 1.11.0 loadable on Debian 12, inside mlab's build root. Run by
# `mlab artifact build mesos` before build.sh; mlab then marks the OpenSSL 1.0 version needs
# weak (an ELF edit patchelf cannot do) and hands the result to build.sh.
#
#   $IN/mesos.scheduler.tar.gz   PyPI's mesos.scheduler 1.11.0.linux-x86_64 binary
#   $STAGE/libmesos.so, $STAGE/libpystub.so   (for build.sh)
#
# That binary was built on Ubuntu 16.04 against OpenSSL 1.0 and as a Python extension. The
# OpenSSL calls sit behind SSL support, which mlab's labs leave off, so the library is pointed
# at OpenSSL 3 with those symbols unversioned; the three Python objects it still names are
# given by a tiny stub library.
set -euo pipefail
: "${IN:?}" "${STAGE:?}" "${WORK:?}"
mkdir -p "$WORK" "$STAGE"
cd "$WORK"
so=$(tar tzf "$IN/mesos.scheduler.tar.gz" | awk '/\/_scheduler\.so$/ && !found {print; found = 1}')
[[ -n "$so" ]] || { echo "prepare-lib: no _scheduler.so in the mesos.scheduler tarball" >&2; exit 1; }
tar xzf "$IN/mesos.scheduler.tar.gz" "$so"
lib="$STAGE/libmesos.so"
cp "$so" "$lib"
# Strip before patchelf: stripping a patchelf'd file corrupts its load segments.
strip --strip-debug "$lib"
clear=()
for symbol in $(readelf --dyn-syms -W "$lib" | awk '$7 == "UND" && $8 ~ /@(OPENSSL|CURL_OPENSSL)/ {split($8, a, "@"); print a[1]}' | sort -u); do
    clear+=(--clear-symbol-version "$symbol")
done
patchelf "${clear[@]}" --replace-needed libssl.so.1.0.0 libssl.so.3 \
    --replace-needed libcrypto.so.1.0.0 libcrypto.so.3 "$lib"
printf 'char PyExc_Exception[64], PyExc_TypeError[64], _Py_NoneStruct[64];\n' > pystub.c
gcc -shared -fPIC -o "$STAGE/libpystub.so" pystub.c
# One change per patchelf run: combined with --add-needed, --set-rpath writes a wrong string.
patchelf --add-needed libpystub.so "$lib"
patchelf --set-rpath '$ORIGIN' "$lib"
echo "prepare-lib: $(du -h "$lib" | cut -f1) $lib"
