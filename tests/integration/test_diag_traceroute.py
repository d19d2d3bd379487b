#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""diagd's TraceRoute: DiagnosticsState=Requested, "8 DIAGNOSTICS COMPLETE" in the next
Inform, then the RouteHops table. Routes are loopback's, or go through a router in a network
namespace the test builds with veth pairs: nothing leaves the box. The hops are compared with
those the system's traceroute(8) finds on the same route, where it is installed."""

import os
import shutil
import socket
import subprocess
import sys

import cwmptest
import netns
from cwmptest import DIAGD_SCHEMA_DIR

TR = 'Device.IP.Diagnostics.TraceRoute.'
DIAG_COMPLETE = '8 DIAGNOSTICS COMPLETE'


class TraceRouteTest(cwmptest.CwmpAgentTestCase):

    def start(self):
        if os.geteuid() != 0:
            self.skipTest('TraceRoute needs a raw socket (root)')
        self.start_cwmp(extra_schema_dirs=[DIAGD_SCHEMA_DIR])
        self.diagd = self.sb.start_diagd()

    def trace(self, settings):
        """Runs a trace with those settings; returns (top-level values, hops)."""
        n = self.acs.session_count()
        values = {TR + k: v for k, v in settings.items()}
        values[TR + 'DiagnosticsState'] = 'Requested'
        self.dm.spv(values)
        s = self.acs.wait_session(n, cwmptest.scaled(30))
        self.assertIn(DIAG_COMPLETE, [c for c, _ in s.events])
        top = self.dm.values([TR + k for k in ('DiagnosticsState', 'IPAddressUsed',
                                               'ResponseTime', 'RouteHopsNumberOfEntries')])
        top = {k[len(TR):]: v for k, v in top.items()}
        hops = []
        for i in range(1, int(top['RouteHopsNumberOfEntries']) + 1):
            p = '%sRouteHops.%d.' % (TR, i)
            h = self.dm.values([p + f for f in ('Host', 'HostAddress', 'ErrorCode', 'RTTimes')])
            hops.append({k[len(p):]: v for k, v in h.items()})
        return top, hops

    def router(self, target_answers=True, client_ns=False):
        """here --veth-- router namespace --veth-- target namespace; returns the router's
        address towards us, the target's address and our own. With client_ns, "here" is a
        namespace of its own too (self.client_ns), where the test may change settings."""
        if not shutil.which('ip'):
            self.skipTest('needs ip(8)')
        tag = netns.tag()
        net = '198.19.%d' % (os.getpid() % 250)
        r_ns, t_ns = 'cwmptrr' + tag, 'cwmptrt' + tag
        here, r_in, r_out, t_in = 'vtrh' + tag, 'vtri' + tag, 'vtro' + tag, 'vtrt' + tag
        ip = netns.ip
        c = []  # the client's namespace, for ip -n
        if client_ns:
            self.client_ns = 'cwmptrc' + tag
            c = ['-n', self.client_ns]
            netns.add_namespace(self, self.client_ns)
            self.assertTrue(ip(*c, 'link', 'set', 'lo', 'up'))
        for ns in (r_ns, t_ns):
            netns.add_namespace(self, ns)
        if not ip(*c, 'link', 'add', here, 'type', 'veth', 'peer', 'name', r_in):
            self.skipTest('cannot create a veth pair')
        if not client_ns:
            self.addCleanup(ip, 'link', 'del', here)
        steps = [
            (*c, 'link', 'set', r_in, 'netns', r_ns),
            (*c, 'addr', 'add', net + '.1/30', 'dev', here),
            (*c, 'link', 'set', here, 'up'),
            ('-n', r_ns, 'link', 'add', r_out, 'type', 'veth', 'peer', 'name', t_in),
            ('-n', r_ns, 'link', 'set', t_in, 'netns', t_ns),
            ('-n', r_ns, 'addr', 'add', net + '.2/30', 'dev', r_in),
            ('-n', r_ns, 'addr', 'add', net + '.5/30', 'dev', r_out),
            ('-n', r_ns, 'link', 'set', r_in, 'up'),
            ('-n', r_ns, 'link', 'set', r_out, 'up'),
            ('-n', t_ns, 'addr', 'add', net + '.6/30', 'dev', t_in),
            ('-n', t_ns, 'link', 'set', t_in, 'up'),
            ('-n', t_ns, 'route', 'add', 'default', 'via', net + '.5'),
            (*c, 'route', 'add', net + '.4/30', 'via', net + '.2'),
        ]
        for step in steps:
            self.assertTrue(ip(*step), step)
        for sysctl in ('net.ipv4.ip_forward=1', 'net.ipv4.icmp_ratelimit=0'):
            subprocess.run(['ip', 'netns', 'exec', r_ns, 'sysctl', '-qw', sysctl], check=True)
        if not target_answers:
            subprocess.run(['ip', 'netns', 'exec', t_ns, 'sysctl', '-qw',
                            'net.ipv4.icmp_echo_ignore_all=1'], check=True)
        return net + '.2', net + '.6', net + '.1'

    def test_loopback_is_one_hop(self):
        self.start()
        top, hops = self.trace({'Host': '127.0.0.1', 'NumberOfTries': '2', 'Timeout': '2000'})
        self.assertEqual(top['DiagnosticsState'], 'Complete')
        self.assertEqual(top['IPAddressUsed'], '127.0.0.1')
        self.assertEqual(len(hops), 1, hops)
        self.assertEqual(hops[0]['HostAddress'], '127.0.0.1')
        self.assertEqual(hops[0]['Host'], '127.0.0.1')
        self.assertEqual(hops[0]['ErrorCode'], '0')
        self.assertEqual(len(hops[0]['RTTimes'].split(',')), 2, hops)

    def test_ipv6_loopback_is_one_hop(self):
        try:
            socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(('::1', 0))
        except OSError:
            self.skipTest('no IPv6 loopback')
        self.start()
        top, hops = self.trace({'Host': '::1', 'ProtocolVersion': 'IPv6', 'NumberOfTries': '1'})
        self.assertEqual(top['DiagnosticsState'], 'Complete')
        self.assertEqual(top['IPAddressUsed'], '::1')
        self.assertEqual([h['HostAddress'] for h in hops], ['::1'])
        self.assertEqual(len(hops[0]['RTTimes'].split(',')), 1, hops)

    def system_traceroute(self, target, namespace=None):
        """The hop addresses traceroute(8) finds (ICMP echo, as ours), or None without it."""
        tool = shutil.which('traceroute')
        if not tool:
            print('traceroute(8) is not installed: no comparison', file=sys.stderr)
            return None
        argv = [tool, '-n', '-I', '-q', '1', '-w', '2', '-m', '5', target]
        if namespace:
            argv = ['ip', 'netns', 'exec', namespace] + argv
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        hops = []
        for line in out.stdout.splitlines()[1:]:  # the first is the header
            fields = line.split()
            hops.append('' if fields[1] == '*' else fields[1])
        return hops

    def test_route_through_a_router(self):
        gateway, target, source = self.router()
        self.start()
        top, hops = self.trace({'Host': target, 'NumberOfTries': '3', 'Timeout': '2000',
                                'MaxHopCount': '5', 'DataBlockSize': '100'})
        self.assertEqual(top['DiagnosticsState'], 'Complete')
        self.assertEqual(top['IPAddressUsed'], source)
        self.assertEqual([h['HostAddress'] for h in hops], [gateway, target], hops)
        system = self.system_traceroute(target)
        if system is not None:
            self.assertEqual([h['HostAddress'] for h in hops], system)
        for h in hops:
            rtts = h['RTTimes'].split(',')
            self.assertEqual(len(rtts), 3, h)
            self.assertTrue(all(int(x) < 1000 for x in rtts), h)
        # The table survives a restart of diagd.
        self.diagd = self.sb.restart_provider(self.diagd)
        self.assertEqual(self.dm.value(TR + 'RouteHops.2.HostAddress'), target)

    def test_route_without_cap_net_raw(self):
        """Without CAP_NET_RAW the trace goes over the ping socket, reading the routers'
        Time Exceeded from its error queue. diagd runs in the client namespace, where ping
        sockets are allowed (the host's settings stay as they are)."""
        if not all(shutil.which(t) for t in ('setpriv', 'ip')):
            self.skipTest('needs setpriv(1) and ip(8)')
        gateway, target, source = self.router(client_ns=True)
        wrapper = ['ip', 'netns', 'exec', self.client_ns, 'sh', '-c',
                   'echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range && '
                   'exec setpriv --inh-caps=-all --bounding-set=-net_raw "$@"', 'diagd']
        self.start_cwmp(extra_schema_dirs=[DIAGD_SCHEMA_DIR])
        self.diagd = self.sb.start_diagd(extra_args=['--debug'], wrapper=wrapper)
        top, hops = self.trace({'Host': target, 'NumberOfTries': '2', 'Timeout': '2000',
                                'MaxHopCount': '5'})
        self.assertIn('Tracing the route to %s over the ping socket' % target, self.diagd.log())
        self.assertEqual(top['DiagnosticsState'], 'Complete')
        self.assertEqual(top['IPAddressUsed'], source)
        self.assertEqual([h['HostAddress'] for h in hops], [gateway, target], hops)
        for h in hops:
            self.assertEqual(len(h['RTTimes'].split(',')), 2, h)
            self.assertEqual(h['ErrorCode'], '0')
        system = self.system_traceroute(target, self.client_ns)
        if system is not None:
            self.assertEqual([h['HostAddress'] for h in hops], system)
        # a hop limit short of the host: the router's Time Exceeded ends the trace
        top, hops = self.trace({'MaxHopCount': '1'})
        self.assertEqual(top['DiagnosticsState'], 'Error_MaxHopCountExceeded')
        self.assertEqual([h['HostAddress'] for h in hops], [gateway])
        # IPv6 over the ping socket too (the namespace's loopback)
        try:
            socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(('::1', 0))
        except OSError:
            return
        top, hops = self.trace({'Host': '::1', 'ProtocolVersion': 'IPv6', 'MaxHopCount': '2'})
        self.assertEqual(top['DiagnosticsState'], 'Complete')
        self.assertEqual([h['HostAddress'] for h in hops], ['::1'])

    def test_max_hop_count_exceeded(self):
        gateway, target, source = self.router()
        self.start()
        top, hops = self.trace({'Host': target, 'NumberOfTries': '1', 'MaxHopCount': '1'})
        self.assertEqual(top['DiagnosticsState'], 'Error_MaxHopCountExceeded')
        self.assertEqual([h['HostAddress'] for h in hops], [gateway])

    def test_silent_hop(self):
        """A hop that never answers is listed without an address or times."""
        gateway, target, source = self.router(target_answers=False)
        self.start()
        top, hops = self.trace({'Host': target, 'NumberOfTries': '2', 'Timeout': '200',
                                'MaxHopCount': '2'})
        self.assertEqual(top['DiagnosticsState'], 'Error_MaxHopCountExceeded')
        self.assertEqual([h['HostAddress'] for h in hops], [gateway, ''])
        self.assertEqual(len(hops[0]['RTTimes'].split(',')), 2, hops)
        self.assertEqual(hops[1]['RTTimes'], '', hops)

    def test_host_name_from_etc_hosts(self):
        """localhost comes from /etc/hosts (no DNS query): one hop."""
        with open('/etc/hosts') as f:
            if not any(l.split()[:1] == ['127.0.0.1'] and 'localhost' in l.split()[1:]
                       for l in f if not l.startswith('#')):
                self.skipTest('/etc/hosts has no 127.0.0.1 localhost')
        self.start()
        top, hops = self.trace({'Host': 'localhost', 'ProtocolVersion': 'IPv4',
                                'NumberOfTries': '1'})
        self.assertEqual(top['DiagnosticsState'], 'Complete')
        self.assertEqual([h['HostAddress'] for h in hops], ['127.0.0.1'])

    def test_unresolvable_host(self):
        """The resolver refuses an empty label without sending a query."""
        self.start()
        top, hops = self.trace({'Host': 'bad..name'})
        self.assertEqual(top['DiagnosticsState'], 'Error_CannotResolveHostName')
        self.assertEqual(hops, [])


if __name__ == '__main__':
    cwmptest.main()
