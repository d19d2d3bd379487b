#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A Download through fwupd-bridge over loopback, compared with `curl -o` of the same URL
into the same directory in the same run.

It starts bench-http-server (sendfile from a sparse file, so the server is not the limit),
a private dbus-daemon and fwupd-bridge (no cwmpd: the results stay queued, which is what
is polled), then, for each round, fetches --size bytes with `curl -s -o FILE` and with
io.cwmp.Firmware1.Download (order alternating), and prints both throughputs and their
ratio. Both are timed end to end: curl from the start of the process to its exit;
fwupd-bridge from the D-Bus call to the job's state 3 (completed), polled every 5 ms.
The file type is "3 Vendor Configuration File", so once streamed to disk the file is
refused by its size (9018): no firmware backend takes part. At the end: the medians and
fwupd-bridge's peak RSS (VmHWM) before and after the downloads.

    /usr/bin/python3 bench/run-fwupd-bench.py --build-dir build
"""

import os
import subprocess
import sys
import time

from benchlib import close_sandbox, compare_with_curl, curl_comparison_options, \
    run_against_curl, status_kib


def curl_download(url, path, size):
    t0 = time.monotonic()
    subprocess.run(['curl', '-s', '-f', '-o', path, url], check=True, timeout=300)
    elapsed = time.monotonic() - t0
    if os.path.getsize(path) != size:
        raise RuntimeError('curl fetched %d bytes' % os.path.getsize(path))
    os.unlink(path)
    return size / elapsed


def bridge_download(fw, key, url, size, timeout=300):
    t0 = time.monotonic()
    fw.download(key, '3 Vendor Configuration File', url)
    deadline = t0 + timeout
    while True:
        queued = [q for q in fw.queued() if q[0] == key]
        if queued and queued[0][1] == 3:
            break
        if time.monotonic() > deadline:
            raise RuntimeError('fwupd-bridge did not finish')
        time.sleep(0.005)
    return size / (time.monotonic() - t0)


def main():
    ap = curl_comparison_options('Download benchmark of fwupd-bridge against curl')
    return run_against_curl(ap.parse_args(), measure)


def measure(cwmptest, server, args):
    sb = cwmptest.Sandbox('bench-fwupd')
    ok = False
    try:
        url = server.url('/%d' % args.size)
        bridge = sb.start_fwupd_bridge(sections={'Transfers': {'MaxQueued': 16}})
        downloads = sb.path('state', 'fwupd-bridge', 'downloads')
        os.makedirs(downloads, exist_ok=True)
        fw = sb.firmware
        idle_hwm = status_kib(bridge.pid, 'VmHWM')
        print('Download of %d bytes over loopback into %s, %d rounds' % (
            args.size, downloads, args.rounds))
        curl_path = os.path.join(downloads, 'curl.out')
        compare_with_curl(args.rounds,
                          lambda i: bridge_download(fw, 'bench-%d' % i, url, args.size),
                          lambda i: curl_download(url, curl_path, args.size),
                          'fwupd-bridge', 'curl -o')
        print('fwupd-bridge peak RSS: %.1f MiB before the downloads, %.1f MiB after (VmHWM)'
              % (idle_hwm / 1024.0, status_kib(bridge.pid, 'VmHWM') / 1024.0))
        ok = True
        return 0
    finally:
        close_sandbox(sb, ok)


if __name__ == '__main__':
    sys.exit(main())
