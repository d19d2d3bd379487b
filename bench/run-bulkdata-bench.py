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

from benchlib import SOURCE_DIR, close_sandbox, fields, import_cwmptest, run_tool, \
    synthetic_schema


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--build-dir', default=os.path.join(SOURCE_DIR, 'build'))
    parser.add_argument('--params', type=int, default=1000)
    parser.add_argument('--iterations', type=int, default=50)
    args = parser.parse_args()

    cwmptest = import_cwmptest(args.build_dir)

    sb = cwmptest.Sandbox('bench-bulkdata')
    ok = False
    try:
        schema_dir, schema = synthetic_schema(sb, args.params)
        sb.start_dmd(schema_dirs=[cwmptest.DMD_SCHEMA_DIR, schema_dir])
        sb.start_provider('bench-provider', 'Device.X_BENCH_Model.', schema)
        out = run_tool([cwmptest.binary('bench', 'bench-bulkdata'), '--address',
                        sb.bus.address, '--iterations', str(args.iterations)], 600)
        print('%-24s %7s %9s %9s %9s %9s' % ('step', 'values', 'bytes', 'min ms', 'median ms',
                                             'max ms'))
        for line in out.splitlines():
            f = fields(line)
            print('%-24s %7s %9s %9s %9s %9s' % (f['step'], f['count'], f['bytes'],
                                                 f['min_ms'], f['median_ms'], f['max_ms']))
        ok = True
    finally:
        close_sandbox(sb, ok)


if __name__ == '__main__':
    main()
