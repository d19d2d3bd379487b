#!/bin/bash
# Runs the agent's daemons locally, as an unprivileged tree under one temporary directory on
# a private D-Bus, and shows what they do through cwmpctl. Nothing is installed.
#   tools/run-local.sh            build, start, show, stop
#   tools/run-local.sh --keep     leave everything running and print how to reach it
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${CWMP_BUILD_DIR:-"$top/build"}
keep=0
[ "${1:-}" = "--keep" ] && keep=1

"$top/tools/install-deps.sh"
root=$(mktemp -d /tmp/cwmp-local.XXXXXX)
echo "== Building in $build (log: $root/build.log)"
if ! "$top/tools/build.sh" "$build" >"$root/build.log" 2>&1; then
        cat "$root/build.log"
        exit 1
fi
pids=()
cleanup() {
        [ $keep = 1 ] && return
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        wait 2>/dev/null || true
        rm -rf "$root"
}
trap cleanup EXIT

cat > "$root/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:dir=$root</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*"/><allow receive_sender="*"/><allow own="*"/>
  </policy>
</busconfig>
CONF
exec 3> >(cat > "$root/bus.address")
dbus-daemon --config-file="$root/bus.conf" --nofork --print-address=3 2>"$root/dbus.log" &
pids+=($!)
for _ in $(seq 50); do [ -s "$root/bus.address" ] && break; sleep 0.1; done
export DBUS_SYSTEM_BUS_ADDRESS=$(head -n1 "$root/bus.address")

mkdir -p "$root/state" "$root/run"
cat > "$root/dmd.conf" <<CONF
[DeviceInfo]
Manufacturer=Example Networks
ManufacturerOUI=00D09E
ProductClass=STB
ModelName=Example STB 1
CONF
"$build/dmd/dmd" --config "$root/dmd.conf" --state-dir "$root/state" --runtime-dir "$root/run" \
        -s "$top/dmd/schema" -s "$top/tests/providers" 2>"$root/dmd.log" &
pids+=($!)
ctl() { echo "\$ cwmpctl $*"; "$build/tools/cwmpctl" "$@" || echo "(exit code $?)"; echo; }
provider() {
        "$build/tests/providers/test-provider" --subtree "Device.X_TEST_$1." \
                --schema "$top/tests/providers/$(echo "$1" | tr A-Z a-z).schema" \
                --object-path "/io/cwmp/test/$1" --state "$root/state/$1.state" "${@:2}" \
                2>"$root/$1.log" &
        pids+=($!)
}
for _ in $(seq 50); do "$build/tools/cwmpctl" providers >/dev/null 2>&1 && break; sleep 0.1; done
provider Alpha
provider Beta --reject-value forbidden
for _ in $(seq 50); do
        [ "$("$build/tools/cwmpctl" providers 2>/dev/null | grep -c online)" -ge 4 ] && break
        sleep 0.1
done

echo "== dmd serves the data model; two example providers own a subtree each"
ctl providers
ctl names -n Device.
ctl get Device.RootDataModelVersion Device.DeviceInfo.Manufacturer Device.DeviceInfo.SerialNumber \
        Device.DeviceInfo.SoftwareVersion Device.DeviceInfo.UpTime Device.DeviceInfo.MemoryStatus.
echo "== One transaction across two providers, with a ParameterKey"
ctl set -k demo-1 Device.X_TEST_Alpha.Level=75 Device.X_TEST_Beta.Mode=Manual
ctl get Device.X_TEST_Alpha.Level Device.X_TEST_Beta.Mode
echo "\$ busctl get-property io.cwmp.DataModel /io/cwmp/DataModel io.cwmp.DataModel1 ParameterKey"
busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" get-property io.cwmp.DataModel /io/cwmp/DataModel \
        io.cwmp.DataModel1 ParameterKey
echo
echo "== A refused value changes nothing anywhere"
ctl set -k demo-2 Device.X_TEST_Alpha.Level=20 Device.X_TEST_Beta.Note=forbidden
ctl get Device.X_TEST_Alpha.Level
echo "== Objects and alias-based addressing"
ctl add -k demo-3 Device.X_TEST_Alpha.Item.
ctl set Device.X_TEST_Alpha.Item.1.Alias=wan Device.X_TEST_Alpha.Item.1.Name=uplink
ctl get "Device.X_TEST_Alpha.Item.[wan]."
ctl attrs --set Device.X_TEST_Alpha.Level --notification 2
ctl attrs Device.X_TEST_Alpha.Level Device.DeviceInfo.SoftwareVersion
echo "== A provider that dies leaves a clear fault until it is back"
echo "\$ kill -9 <Alpha's pid>"
kill -9 "${pids[2]}"
wait "${pids[2]}" 2>/dev/null || true
sleep 0.3
ctl get Device.X_TEST_Alpha.Level
provider Alpha
for _ in $(seq 50); do
        "$build/tools/cwmpctl" get Device.X_TEST_Alpha.Level >/dev/null 2>&1 && break
        sleep 0.1
done
ctl get Device.X_TEST_Alpha.Level

if [ $keep = 1 ]; then
        echo "Running under $root. Reach it with:"
        echo "  export DBUS_SYSTEM_BUS_ADDRESS='$DBUS_SYSTEM_BUS_ADDRESS'"
        echo "  $build/tools/cwmpctl get Device."
        echo "Stop with: kill ${pids[*]}"
else
        echo "== dmd's log"
        cat "$root/dmd.log"
fi
