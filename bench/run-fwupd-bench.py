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

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)


def status_kib(pid, field):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise KeyError(field)


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


def mb(bps):
    return '%8.1f MB/s' % (bps / 1e6)


def main():
    ap = argparse.ArgumentParser(description='Download benchmark of fwupd-bridge against curl')
    ap.add_argument('--build-dir', default=os.path.join(SOURCE_DIR, 'build'))
    ap.add_argument('--size', type=int, default=100 << 20, help='bytes (default 100 MiB)')
    ap.add_argument('--rounds', type=int, default=5)
    args = ap.parse_args()

    os.environ['CWMP_BUILD_DIR'] = os.path.abspath(args.build_dir)
    os.environ['CWMP_SOURCE_DIR'] = SOURCE_DIR
    sys.path.insert(0, os.path.join(SOURCE_DIR, 'tests', 'lib'))
    import cwmptest  # after CWMP_BUILD_DIR is set

    if not shutil.which('curl'):
        print('curl(1) is needed for the comparison', file=sys.stderr)
        return 1
    server = subprocess.Popen([cwmptest.binary('bench', 'bench-http-server')],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    sb = cwmptest.Sandbox('bench-fwupd')
    ok = False
    try:
        port = int(server.stdout.readline().split()[1])
        url = 'http://127.0.0.1:%d/%d' % (port, args.size)
        bridge = sb.start_fwupd_bridge(sections={'Transfers': {'MaxQueued': 16}})
        downloads = sb.path('state', 'fwupd-bridge', 'downloads')
        os.makedirs(downloads, exist_ok=True)
        fw = sb.firmware
        idle_hwm = status_kib(bridge.pid, 'VmHWM')
        print('Download of %d bytes over loopback into %s, %d rounds' % (
            args.size, downloads, args.rounds))
        print('%5s  %16s  %16s  %6s' % ('round', 'fwupd-bridge', 'curl -o', 'ratio'))
        ours, theirs = [], []
        for i in range(args.rounds):
            key = 'bench-%d' % i
            curl_path = os.path.join(downloads, 'curl.out')
            if i % 2:
                c = curl_download(url, curl_path, args.size)
                d = bridge_download(fw, key, url, args.size)
            else:
                d = bridge_download(fw, key, url, args.size)
                c = curl_download(url, curl_path, args.size)
            ours.append(d)
            theirs.append(c)
            print('%5d  %16s  %16s  %6.2f' % (i + 1, mb(d), mb(c), d / c))
            sys.stdout.flush()
        d, c = statistics.median(ours), statistics.median(theirs)
        print('%5s  %16s  %16s  %6.2f' % ('median', mb(d), mb(c), d / c))
        print('fwupd-bridge peak RSS: %.1f MiB before the downloads, %.1f MiB after (VmHWM)'
              % (idle_hwm / 1024.0, status_kib(bridge.pid, 'VmHWM') / 1024.0))
        ok = True
        return 0
    finally:
        server.stdin.close()
        server.wait(timeout=10)
        problems = sb.close(print_logs=not ok)
        if problems:
            print('problems: ' + '; '.join(problems), file=sys.stderr)


if __name__ == '__main__':
    sys.exit(main())
