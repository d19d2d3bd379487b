#!/bin/sh
# Installs the Debian packages the project needs to build and test (as root), unless they
# are already there.
set -eu
here=$(dirname "$0")
missing=""
for p in $(cat "$here/debian-packages.txt"); do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
        echo "Missing Debian packages:$missing (run as root to install them)" >&2
        exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ "${CWMP_SKIP_APT_UPDATE:-}" != 1 ]; then
        apt-get update -qq
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
