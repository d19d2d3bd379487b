#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""TR-143 DownloadDiagnostics (and UploadDiagnostics) of diagd over loopback, compared with
curl on the same URL in the same run.

It starts bench-http-server (sendfile from a sparse file, so the server is not the limit),
a private dbus-daemon, dmd and diagd, then, after --warmup unmeasured rounds, for each round
downloads --size bytes with `curl -o /dev/null` and with DownloadDiagnostics (order
alternating), and prints both throughputs and their ratio. diagd's is TestBytesReceived /
(EOMTime - BOMTime); curl's is size_download / (time_total - time_starttransfer), the same
span (first to last byte). At the end: the medians, one UploadDiagnostics of --size bytes,
and diagd's peak RSS (VmHWM).

    /usr/bin/python3 bench/run-diag-bench.py --build-dir build
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)
DL = 'Device.IP.Diagnostics.DownloadDiagnostics.'
UL = 'Device.IP.Diagnostics.UploadDiagnostics.'


def when(text):
    return datetime.strptime(text, '%Y-%m-%dT%H:%M:%S.%fZ').replace(
        tzinfo=timezone.utc).timestamp()


def status_kib(pid, field):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise KeyError(field)


def curl_download(url):
    out = subprocess.run(['curl', '-s', '-o', '/dev/null', '-w',
                          '%{size_download} %{time_starttransfer} %{time_total}', url],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    size, first, total = out.split()
    return int(size) / (float(total) - float(first))


def diagd_test(dm, prefix, settings, timeout=300):
    values = {prefix + k: v for k, v in settings.items()}
    values[prefix + 'DiagnosticsState'] = 'Requested'
    dm.spv(values)
    deadline = time.monotonic() + timeout
    while dm.value(prefix + 'DiagnosticsState') == 'Requested':
        if time.monotonic() > deadline:
            raise RuntimeError('diagd did not finish')
        time.sleep(0.01)
    field = 'TestBytesReceived' if prefix == DL else 'TestBytesSent'
    r = dm.values([prefix + n for n in ('DiagnosticsState', 'BOMTime', 'EOMTime', field)])
    if r[prefix + 'DiagnosticsState'] != 'Complete':
        raise RuntimeError('diagd: %s' % r[prefix + 'DiagnosticsState'])
    return int(r[prefix + field]) / (when(r[prefix + 'EOMTime']) - when(r[prefix + 'BOMTime']))


def mb(bps):
    return '%8.1f MB/s' % (bps / 1e6)


def main():
    ap = argparse.ArgumentParser(description='TR-143 download benchmark of diagd against curl')
    ap.add_argument('--build-dir', default=os.path.join(SOURCE_DIR, 'build'))
    ap.add_argument('--size', type=int, default=100 << 20, help='bytes (default 100 MiB)')
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=1,
                    help='unmeasured rounds first (page cache, first connections)')
    ap.add_argument('--connections', type=int, default=1, help='NumberOfConnections of diagd')
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
    sb = cwmptest.Sandbox('bench-diag')
    ok = False
    try:
        port = int(server.stdout.readline().split()[1])
        url = 'http://127.0.0.1:%d/%d' % (port, args.size)
        sb.start_dmd(schema_dirs=[cwmptest.DMD_SCHEMA_DIR, cwmptest.DIAGD_SCHEMA_DIR])
        diagd = sb.start_diagd()
        dm = sb.dm
        settings = {'DownloadURL': url, 'NumberOfConnections': str(args.connections)}
        print('DownloadDiagnostics of %d bytes over loopback, %d connection(s), %d rounds'
              % (args.size, args.connections, args.rounds))
        print('%5s  %16s  %16s  %6s' % ('round', 'diagd', 'curl', 'ratio'))
        for _ in range(args.warmup):
            curl_download(url)
            diagd_test(dm, DL, settings)
        ours, theirs = [], []
        for i in range(args.rounds):
            if i % 2:
                c = curl_download(url)
                d = diagd_test(dm, DL, settings)
            else:
                d = diagd_test(dm, DL, settings)
                c = curl_download(url)
            ours.append(d)
            theirs.append(c)
            print('%5d  %16s  %16s  %6.2f' % (i + 1, mb(d), mb(c), d / c))
            sys.stdout.flush()
        d, c = statistics.median(ours), statistics.median(theirs)
        print('%5s  %16s  %16s  %6.2f' % ('median', mb(d), mb(c), d / c))
        up = diagd_test(dm, UL, {'UploadURL': 'http://127.0.0.1:%d/up' % port,
                                 'TestFileLength': str(args.size)})
        print('UploadDiagnostics of %d bytes: %s' % (args.size, mb(up).strip()))
        print('diagd peak RSS: %.1f MiB (VmHWM)' % (status_kib(diagd.pid, 'VmHWM') / 1024.0))
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
