#!/bin/sh
# The whole test suite: unit tests, fuzz-corpus replays and end-to-end tests through real
# daemons on private buses, first in a normal build, then in an ASan+UBSan build.
#   tools/run-tests.sh            both builds
#   CWMP_TEST_SANITIZE=0 tools/run-tests.sh   the normal build only
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/install-deps.sh"
jobs=$(nproc)

echo "== Normal build"
"$top/tools/build.sh" "$top/build"
ctest --test-dir "$top/build" -j"$jobs" --output-on-failure

if [ "${CWMP_TEST_SANITIZE:-1}" != 0 ]; then
        echo "== ASan+UBSan build"
        "$top/tools/build.sh" "$top/build-asan" -DCWMP_SANITIZE=ON
        ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
                ctest --test-dir "$top/build-asan" -j"$jobs" --output-on-failure
fi
