#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The agent on this machine's real model.

1. GetParameterValues("Device.") through dmd with its real schema (DeviceInfo with the
   process table, Time, DNS.Client, Ethernet, IP, Routing, Hosts from the kernel): how
   many values, how long (bench-gpv, blocking libdbus round trips).
2. Value-change notification latency: dmd, cwmpd and the test ACS (tests/acs/acs.py) on
   loopback; Notification=2 on the IPv4Address table of a veth (its far end in a network
   namespace of its own) and on its IPv4AddressNumberOfEntries; then, per round, an address
   is added with ip(8) and the time is taken until the ACS receives the Inform with
   "4 VALUE CHANGE" that carries it. cwmpd gathers a burst for
   [Inform] ActiveNotificationDelayMSec= before it opens the session (--gather-ms, cwmpd's
   default 500): the figure is given with and without it.

Part 2 needs root and ip(8); without them it says so and only part 1 runs.

    /usr/bin/python3 bench/run-live-bench.py --build-dir build [--rounds 10]
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

from benchlib import SOURCE_DIR, fields, import_cwmptest, run_tool

VC = '4 VALUE CHANGE'


def ip(*args):
    return subprocess.run(['ip'] + list(args), capture_output=True).returncode == 0


def bench_gpv(cwmptest, build_dir, iterations):
    sb = cwmptest.Sandbox('live-bench-gpv')
    try:
        sb.start_dmd(schema_dirs=[os.path.join(SOURCE_DIR, 'dmd', 'schema')])
        f = fields(run_tool([os.path.join(build_dir, 'bench', 'bench-gpv'), '--address',
                             sb.bus.address, '--iterations', str(iterations)], None))
        names = sb.dm.gpn('Device.', False)
        params = [n for n, _ in names if not n.endswith('.')]
        templates = {re.sub(r'\.\d+\.', '.{i}.', re.sub(r'\.\d+\.', '.{i}.', n))
                     for n in params}
        return {'values': int(f['count']), 'median_ms': float(f['median_ms']),
                'min_ms': float(f['min_ms']), 'max_ms': float(f['max_ms']),
                'params': len(params), 'templates': len(templates)}
    finally:
        sb.close()


class Veth:
    def __init__(self):
        tag = '%d' % (os.getpid() % 100000)
        self.ns, self.here, self.there = 'cwmpb' + tag, 'vben' + tag, 'vbenp' + tag
        self.net = '198.19.%d' % (os.getpid() % 250)
        self.made = []

    def make(self):
        if not ip('netns', 'add', self.ns):
            return False
        self.made.append(('netns', 'del', self.ns))
        if not ip('link', 'add', self.here, 'type', 'veth', 'peer', 'name', self.there):
            return False
        self.made.append(('link', 'del', self.here))
        steps = [('link', 'set', self.there, 'netns', self.ns),
                 ('addr', 'add', self.net + '.1/24', 'dev', self.here),
                 ('link', 'set', self.here, 'up'),
                 ('-n', self.ns, 'link', 'set', self.there, 'up')]
        return all(ip(*s) for s in steps)

    def remove(self):
        for step in reversed(self.made):
            ip(*step)


def bench_notification(cwmptest, rounds, gather_ms):
    if os.geteuid() != 0 or not shutil.which('ip'):
        return None, 'needs root and ip(8)'
    veth = Veth()
    sb = None
    try:
        if not veth.make():
            return None, 'cannot make a veth pair and a network namespace'
        sb = cwmptest.Sandbox('live-bench-notify')
        schema_dirs = [os.path.join(SOURCE_DIR, d, 'schema') for d in ('dmd', 'cwmpd')]
        sb.start_dmd(schema_dirs=schema_dirs)
        acs = sb.start_acs()
        sb.start_cwmpd(acs, schema_dirs=schema_dirs,
                       sections={'Inform': {'ActiveNotificationDelayMSec': str(gather_ms)}})
        acs.wait_session(0, 20)
        acs.wait_idle(20)
        names = sb.dm.values(['Device.IP.Interface.'])
        inst = [re.match(r'Device\.IP\.Interface\.(\d+)\.Name$', n).group(1)
                for n, v in names.items() if n.endswith('.Name') and v == veth.here]
        if not inst:
            return None, ('dmd does not list %s in Device.IP.Interface. (are the netlink '
                          'providers built in?)' % veth.here)
        base = 'Device.IP.Interface.%s.' % inst[0]
        count = base + 'IPv4AddressNumberOfEntries'
        sb.dm.spa([(base + 'IPv4Address.', True, 2, False, []), (count, True, 2, False, [])])
        # The watcher takes the values it first reads as the reference: its first full round
        # runs 1.5 s after dmd's start.
        time.sleep(2)
        latencies = []
        for k in range(rounds):
            acs.wait_idle(20)
            time.sleep(0.3)  # a quiet start: no session of the previous round pending
            n = acs.session_count()
            t0 = time.monotonic()
            if not ip('addr', 'add', '%s.%d/24' % (veth.net, 10 + k), 'dev', veth.here):
                return None, 'ip addr add failed'
            deadline = t0 + 20
            got = None
            while time.monotonic() < deadline and got is None:
                for s in acs.sessions[n:]:
                    if VC in s.event_codes and count in s.params:
                        got = s
                        break
                time.sleep(0.002)
            if got is None:
                return None, ('no "4 VALUE CHANGE" Inform with %s within 20 s (round %d; '
                              'sessions: %r)' % (count, k, [(s.event_codes, sorted(s.params))
                                                           for s in acs.sessions[n:]]))
            latencies.append((got.started - t0) * 1000)
        return latencies, None
    finally:
        if sb:
            sb.close()
        veth.remove()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--build-dir', default=os.path.join(SOURCE_DIR, 'build'))
    ap.add_argument('--iterations', type=int, default=20)
    ap.add_argument('--rounds', type=int, default=10)
    ap.add_argument('--gather-ms', type=int, default=500,
                    help="cwmpd's [Inform] ActiveNotificationDelayMSec (its default: 500)")
    args = ap.parse_args()
    build_dir = os.path.abspath(args.build_dir)
    cwmptest = import_cwmptest(build_dir)

    g = bench_gpv(cwmptest, build_dir, args.iterations)
    print('GetParameterValues("Device.") on this machine\'s model, dmd with dmd/schema:')
    print('  values returned     %d (%d parameters in GetParameterNames, %d distinct '
          'templates)' % (g['values'], g['params'], g['templates']))
    print('  round trip          median %.2f ms, min %.2f ms, max %.2f ms over %d calls'
          % (g['median_ms'], g['min_ms'], g['max_ms'], args.iterations))

    lat, why = bench_notification(cwmptest, args.rounds, args.gather_ms)
    print('Notification latency, address added on a veth -> Inform "4 VALUE CHANGE" at the '
          'ACS:')
    if lat is None:
        print('  not measured: %s' % why)
        return 0
    med = statistics.median(lat)
    print('  %d rounds: median %.1f ms, min %.1f ms, max %.1f ms' % (len(lat), med, min(lat),
                                                                     max(lat)))
    print('  without cwmpd\'s gathering delay (%d ms): median %.1f ms' % (args.gather_ms,
                                                                         med - args.gather_ms))
    return 0


if __name__ == '__main__':
    sys.exit(main())
