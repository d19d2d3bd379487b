#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""GetParameterValues("Device.") against dmd serving synthetic models of growing size.

For each size N it starts a private dbus-daemon and dmd with a generated schema of N
parameters (bench/gen-schema.py), reads dmd's resident memory right after start, runs
bench-gpv, reads dmd's peak resident memory, and prints one table row.

    /usr/bin/python3 bench/run-bench.py --build-dir build
"""

import argparse
import os
import sys
import time

from benchlib import SOURCE_DIR, close_sandbox, fields, import_cwmptest, run_tool, status_kib, \
    synthetic_schema


def fmt_kib(kib):
    return '%.1f MiB' % (kib / 1024.0)


def run_one(cwmptest, n, args):
    sb = cwmptest.Sandbox('bench-%d' % n)
    ok = False
    try:
        schema_dir, schema = synthetic_schema(sb, n)
        t0 = time.monotonic()
        dmd = sb.start_dmd(schema_dirs=[cwmptest.DMD_SCHEMA_DIR, schema_dir],
                           extra_args=args.dmd_arg)
        start_s = time.monotonic() - t0
        idle = status_kib(dmd.pid, 'VmRSS')
        if args.via_provider:
            sb.start_provider('bench-provider', 'Device.X_BENCH_Model.', schema)
        f = fields(run_tool([cwmptest.binary('bench', 'bench-gpv'), '--address',
                             sb.bus.address, '--iterations', str(args.iterations),
                             '--warmup', '1'], args.timeout))
        peak = status_kib(dmd.pid, 'VmHWM')
        ok = True
        return {
            'n': n,
            'count': int(f['count']),
            'median': float(f['median_ms']),
            'min': float(f['min_ms']),
            'peak': peak,
            'idle': idle,
            'start': start_s,
        }
    finally:
        close_sandbox(sb, ok)


def main():
    ap = argparse.ArgumentParser(description='GetParameterValues benchmark of dmd')
    ap.add_argument('--build-dir', default=os.path.join(SOURCE_DIR, 'build'),
                    help='the CMake build directory (default: build)')
    ap.add_argument('--sizes', default='1000,10000,100000',
                    help='comma-separated parameter counts (default 1000,10000,100000)')
    ap.add_argument('--iterations', type=int, default=20, help='timed calls per size')
    ap.add_argument('--timeout', type=float, default=1800, help='seconds for one bench-gpv run')
    ap.add_argument('--via-provider', action='store_true',
                    help='serve the synthetic subtree from test-provider instead of dmd')
    ap.add_argument('--dmd-arg', action='append', default=[], help='extra dmd argument')
    args = ap.parse_args()

    cwmptest = import_cwmptest(args.build_dir)

    sizes = [int(s) for s in args.sizes.split(',') if s]
    owner = 'test-provider' if args.via_provider else 'dmd'
    print('GetParameterValues("Device."), %d calls per size, synthetic subtree served by %s'
          % (args.iterations, owner))
    header = ('N', 'returned', 'median ms', 'min ms', 'dmd peak RSS', 'dmd idle RSS',
              'start s')
    row_fmt = '%9s  %9s  %10s  %10s  %13s  %13s  %8s'
    print(row_fmt % header)
    sys.stdout.flush()
    failed = False
    for n in sizes:
        try:
            r = run_one(cwmptest, n, args)
        except Exception as e:
            print('%9d  failed: %s' % (n, e))
            failed = True
            continue
        print(row_fmt % (r['n'], r['count'], '%.2f' % r['median'], '%.2f' % r['min'],
                         fmt_kib(r['peak']), fmt_kib(r['idle']), '%.2f' % r['start']))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
