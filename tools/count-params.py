#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Counts the TR-181 parameters the agent serves, by top-level object.

From the schema fragments of the source tree (dmd/schema, cwmpd/schema, diagd/schema,
fwupd-bridge/schema, or the directories given with --schema-dir), and, with --bus ADDRESS,
from a running system: GetParameterNames of "Device." through dmd, instance numbers folded
to {i}. Every name is cross-checked with TR-181 (tr-181-params.tsv): a parameter counts as
TR-181 when the path exists there as a parameter; vendor extensions (X_...) are counted
apart, and anything else is listed as unknown.

  tools/count-params.py [--tsv FILE] [--schema-dir DIR]... [--bus ADDRESS] [--list]

Exits 1 when a served name is not in TR-181 (outside vendor extensions).
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
DAEMONS = ('dmd', 'cwmpd', 'diagd', 'fwupd-bridge')
DM_NAME, DM_PATH, DM_IFACE = 'io.cwmp.DataModel', '/io/cwmp/DataModel', 'io.cwmp.DataModel1'


def load_tsv(path):
    kinds = {}
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f):
            row = line.rstrip('\n').split('\t')
            if n == 0 or len(row) < 2:
                continue
            kinds[row[0]] = 'object' if row[1] == 'object' else 'parameter'
    return kinds


def schema_paths(dirs):
    """{template path: file} of every parameter declared in the fragments."""
    found = {}
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, '**', '*.schema'), recursive=True)):
            with open(path, encoding='utf-8') as f:
                for line in f:
                    fields = line.split()
                    if not fields or fields[0].startswith('#') or len(fields) < 3:
                        continue
                    if fields[1] != 'object':
                        found.setdefault(fields[0], os.path.relpath(path, SOURCE))
    return found


def live_paths(address):
    """Template paths of the parameters a running dmd names under Device."""
    out = subprocess.run(['busctl', '--address=' + address, '--json=short', 'call', DM_NAME,
                          DM_PATH, DM_IFACE, 'GetParameterNames', 'sb', 'Device.', 'false'],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    names = [entry[0] for entry in json.loads(out)['data'][0]]
    templates = {}
    for name in names:
        if name.endswith('.'):
            continue
        tmpl = re.sub(r'\.\d+\.', '.{i}.', re.sub(r'\.\d+\.', '.{i}.', name))
        templates[tmpl] = templates.get(tmpl, 0) + 1
    return templates, len([n for n in names if not n.endswith('.')])


def top(path):
    parts = path.split('.')
    return '.'.join(parts[:2]) + '.' if len(parts) > 2 else parts[0] + '.'


def classify(paths, kinds):
    """-> {top: [tr181, vendor]}, unknown names."""
    per, unknown = {}, []
    for p in paths:
        counts = per.setdefault(top(p), [0, 0])
        if any(seg.startswith('X_') for seg in p.split('.')):
            counts[1] += 1
        elif kinds.get(p) == 'parameter':
            counts[0] += 1
        else:
            unknown.append(p)
    return per, unknown


def tr181_totals(kinds):
    per = {}
    for p, k in kinds.items():
        if k == 'parameter':
            per[top(p)] = per.get(top(p), 0) + 1
    return per


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--tsv', default=os.path.join(
        os.environ.get('CWMP_SHARED_DIR', os.path.join(SOURCE, '..', 'shared')),
        'bbf', 'datamodel', 'tr-181-params.tsv'))
    ap.add_argument('--schema-dir', action='append', default=None)
    ap.add_argument('--bus', help='address of the bus a running dmd is on')
    ap.add_argument('--list', action='store_true', help='print every parameter counted')
    args = ap.parse_args()

    kinds = load_tsv(args.tsv)
    in_tr181 = tr181_totals(kinds)
    dirs = args.schema_dir or [os.path.join(SOURCE, d, 'schema') for d in DAEMONS]
    declared = schema_paths(dirs)
    per, unknown = classify(declared, kinds)
    live = per_live = None
    if args.bus:
        live, n_names = live_paths(args.bus)
        per_live, unknown_live = classify(live, kinds)
        unknown += [u for u in unknown_live if u not in unknown]

    header = '%-28s %8s %8s %10s' % ('object', 'schema', 'vendor', 'TR-181 has')
    if live is not None:
        header += ' %8s' % 'served'
    print(header)
    tot = [0, 0, 0]
    for t in sorted(set(per) | set(per_live or {})):
        s = per.get(t, [0, 0])
        line = '%-28s %8d %8d %10d' % (t, s[0], s[1], in_tr181.get(t, 0))
        if live is not None:
            line += ' %8d' % per_live.get(t, [0, 0])[0]
            tot[2] += per_live.get(t, [0, 0])[0]
        print(line)
        tot[0] += s[0]
        tot[1] += s[1]
    print('-' * len(header))
    line = '%-28s %8d %8d %10d' % ('total', tot[0], tot[1], sum(in_tr181.values()))
    if live is not None:
        line += ' %8d' % tot[2]
    print(line)
    print('TR-181 parameters declared in the schemas: %d (from %s)' %
          (tot[0], ', '.join(os.path.relpath(d, SOURCE) for d in dirs)))
    if live is not None:
        print('TR-181 parameters served by the running system: %d (%d names with instances)'
              % (tot[2], n_names))
    if args.list:
        for p in sorted(declared):
            print('  %s  (%s)' % (p, declared[p]))
    for u in unknown:
        print('not in TR-181: %s' % u)
    return 1 if unknown else 0


if __name__ == '__main__':
    sys.exit(main())
