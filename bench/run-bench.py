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
import re
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


def fmt_kib(kib):
    return '%.1f MiB' % (kib / 1024.0)


def run_one(cwmptest, n, args):
    sb = cwmptest.Sandbox('bench-%d' % n)
    ok = False
    try:
        schema_dir = sb.path('schema')
        os.makedirs(schema_dir)
        subprocess.run([sys.executable, os.path.join(HERE, 'gen-schema.py'), str(n),
                        os.path.join(schema_dir, '50-bench.schema')], check=True)
        t0 = time.monotonic()
        dmd = sb.start_dmd(schema_dirs=[cwmptest.DMD_SCHEMA_DIR, schema_dir],
                           extra_args=args.dmd_arg)
        start_s = time.monotonic() - t0
        idle = status_kib(dmd.pid, 'VmRSS')
        if args.via_provider:
            sb.start_provider('bench-provider', 'Device.X_BENCH_Model.',
                              os.path.join(schema_dir, '50-bench.schema'))
        r = subprocess.run([cwmptest.binary('bench', 'bench-gpv'), '--address', sb.bus.address,
                            '--iterations', str(args.iterations), '--warmup', '1'],
                           capture_output=True, text=True, timeout=args.timeout)
        if r.returncode != 0:
            raise RuntimeError('bench-gpv failed (%d): %s' % (r.returncode, r.stderr.strip()))
        fields = dict(re.findall(r'(\w+)=(\S+)', r.stdout))
        peak = status_kib(dmd.pid, 'VmHWM')
        ok = True
        return {
            'n': n,
            'count': int(fields['count']),
            'median': float(fields['median_ms']),
            'min': float(fields['min_ms']),
            'peak': peak,
            'idle': idle,
            'start': start_s,
        }
    finally:
        problems = sb.close(print_logs=not ok)
        if problems:
            print('problems: ' + '; '.join(problems), file=sys.stderr)


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

    os.environ['CWMP_BUILD_DIR'] = os.path.abspath(args.build_dir)
    os.environ['CWMP_SOURCE_DIR'] = SOURCE_DIR
    sys.path.insert(0, os.path.join(SOURCE_DIR, 'tests', 'lib'))
    import cwmptest  # after CWMP_BUILD_DIR is set

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
