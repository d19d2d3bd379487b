#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes a synthetic schema fragment of N read-write, persisted parameters with defaults:

    Device.X_BENCH_Model.                         object ro
    Device.X_BENCH_Model.Group1.                  object ro     (up to 50 objects each)
    Device.X_BENCH_Model.Group1.Obj1.             object ro     (20 parameters each)
    Device.X_BENCH_Model.Group1.Obj1.P1           string       rw persist default=v1
    Device.X_BENCH_Model.Group1.Obj1.P2           unsignedInt  rw persist default=2
    ...

Usage: gen-schema.py N OUTPUT.schema
"""

import argparse
import sys

ROOT = 'Device.X_BENCH_Model.'
PARAMS_PER_OBJECT = 20
OBJECTS_PER_GROUP = 50

# (type, facets, default for parameter number j)
KINDS = [
    ('string', 'size=0..64', lambda j: 'v%d' % j),
    ('unsignedInt', '', lambda j: str(j)),
    ('int', 'range=-1000000..1000000', lambda j: str(-j)),
    ('boolean', '', lambda j: 'true' if j % 2 else 'false'),
    ('string', 'enum=Up|Down|Unknown', lambda j: 'Up'),
]


def lines(n):
    yield '# Synthetic model of %d parameters for the GetParameterValues benchmark.' % n
    yield '%-48s object       ro' % ROOT
    written = 0
    obj = 0
    while written < n:
        group = obj // OBJECTS_PER_GROUP + 1
        if obj % OBJECTS_PER_GROUP == 0:
            yield '%-48s object       ro' % ('%sGroup%d.' % (ROOT, group))
        obj += 1
        path = '%sGroup%d.Obj%d.' % (ROOT, group, obj)
        yield '%-48s object       ro' % path
        for j in range(1, min(PARAMS_PER_OBJECT, n - written) + 1):
            typ, facets, default = KINDS[(j - 1) % len(KINDS)]
            yield '%-48s %-12s rw  %s persist default=%s' % (
                path + 'P%d' % j, typ, facets, default(j))
            written += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('n', type=int, help='number of parameters')
    ap.add_argument('output', help='schema file to write ("-" for stdout)')
    args = ap.parse_args()
    if args.n < 1:
        ap.error('N must be at least 1')
    out = sys.stdout if args.output == '-' else open(args.output, 'w')
    with out:
        for line in lines(args.n):
            out.write(line)
            out.write('\n')


if __name__ == '__main__':
    main()
