#!/bin/sh
# Installs what is needed (as root, Debian 12), builds, and runs the whole agent locally on
# a private bus against a local ACS, showing what happens (tools/demo.py). Nothing is
# installed on the system beyond the Debian packages.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${CWMP_BUILD_DIR:-"$top/build"}

"$top/tools/install-deps.sh"
echo "== Building in $build"
log=$(mktemp /tmp/cwmp-build.XXXXXX)
if ! "$top/tools/build.sh" "$build" >"$log" 2>&1; then
        cat "$log"
        exit 1
fi
rm -f "$log"
CWMP_BUILD_DIR="$build" CWMP_SOURCE_DIR="$top" \
        CWMP_SHARED_DIR="${CWMP_SHARED_DIR:-$top/../shared}" exec /usr/bin/python3 "$top/tools/demo.py"
