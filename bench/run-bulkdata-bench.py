#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The cost of one bulk data report of N parameters (default 1,000): a private bus, dmd, and
a provider serving a generated model of N parameters (bench/gen-schema.py), as a profile's
partial-path reference reads them; then bench-bulkdata times the one GetParameterValues
cwmpd makes and each encoding of cwmpd/bulkdata-encode.c.

    /usr/bin/python3 bench/run-bulkdata-bench.py --build-dir build [--params 1000]
"""

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--build-dir', default=os.path.join(SOURCE_DIR, 'build'))
    parser.add_argument('--params', type=int, default=1000)
    parser.add_argument('--iterations', type=int, default=50)
    args = parser.parse_args()

    os.environ['CWMP_BUILD_DIR'] = os.path.abspath(args.build_dir)
    os.environ.setdefault('CWMP_SOURCE_DIR', SOURCE_DIR)
    sys.path.insert(0, os.path.join(SOURCE_DIR, 'tests', 'lib'))
    import cwmptest

    sb = cwmptest.Sandbox('bench-bulkdata')
    ok = False
    try:
        schema_dir = sb.path('schema')
        os.makedirs(schema_dir)
        schema = os.path.join(schema_dir, '50-bench.schema')
        subprocess.run([sys.executable, os.path.join(HERE, 'gen-schema.py'), str(args.params),
                        schema], check=True)
        sb.start_dmd(schema_dirs=[cwmptest.DMD_SCHEMA_DIR, schema_dir])
        sb.start_provider('bench-provider', 'Device.X_BENCH_Model.', schema)
        r = subprocess.run([cwmptest.binary('bench', 'bench-bulkdata'), '--address',
                            sb.bus.address, '--iterations', str(args.iterations)],
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise RuntimeError('bench-bulkdata failed (%d): %s' % (r.returncode,
                                                                   r.stderr.strip()))
        print('%-24s %7s %9s %9s %9s %9s' % ('step', 'values', 'bytes', 'min ms', 'median ms',
                                             'max ms'))
        for line in r.stdout.splitlines():
            f = dict(re.findall(r'(\w+)=(\S+)', line))
            print('%-24s %7s %9s %9s %9s %9s' % (f['step'], f['count'], f['bytes'],
                                                 f['min_ms'], f['median_ms'], f['max_ms']))
        ok = True
    finally:
        sb.close(print_logs=not ok)


if __name__ == '__main__':
    main()
