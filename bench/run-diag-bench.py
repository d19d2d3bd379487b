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

import subprocess
import sys
import time
from datetime import datetime, timezone

from benchlib import close_sandbox, compare_with_curl, curl_comparison_options, mb, \
    run_against_curl, status_kib

DL = 'Device.IP.Diagnostics.DownloadDiagnostics.'
UL = 'Device.IP.Diagnostics.UploadDiagnostics.'


def when(text):
    return datetime.strptime(text, '%Y-%m-%dT%H:%M:%S.%fZ').replace(
        tzinfo=timezone.utc).timestamp()


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


def main():
    ap = curl_comparison_options('TR-143 download benchmark of diagd against curl')
    ap.add_argument('--warmup', type=int, default=1,
                    help='unmeasured rounds first (page cache, first connections)')
    ap.add_argument('--connections', type=int, default=1, help='NumberOfConnections of diagd')
    return run_against_curl(ap.parse_args(), measure)


def measure(cwmptest, server, args):
    sb = cwmptest.Sandbox('bench-diag')
    ok = False
    try:
        url = server.url('/%d' % args.size)
        sb.start_dmd(schema_dirs=[cwmptest.DMD_SCHEMA_DIR, cwmptest.DIAGD_SCHEMA_DIR])
        diagd = sb.start_diagd()
        dm = sb.dm
        settings = {'DownloadURL': url, 'NumberOfConnections': str(args.connections)}
        print('DownloadDiagnostics of %d bytes over loopback, %d connection(s), %d rounds'
              % (args.size, args.connections, args.rounds))
        for _ in range(args.warmup):
            curl_download(url)
            diagd_test(dm, DL, settings)
        compare_with_curl(args.rounds, lambda i: diagd_test(dm, DL, settings),
                          lambda i: curl_download(url), 'diagd')
        up = diagd_test(dm, UL, {'UploadURL': server.url('/up'),
                                 'TestFileLength': str(args.size)})
        print('UploadDiagnostics of %d bytes: %s' % (args.size, mb(up).strip()))
        print('diagd peak RSS: %.1f MiB (VmHWM)' % (status_kib(diagd.pid, 'VmHWM') / 1024.0))
        ok = True
        return 0
    finally:
        close_sandbox(sb, ok)


if __name__ == '__main__':
    sys.exit(main())
