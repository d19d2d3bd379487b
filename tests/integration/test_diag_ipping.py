#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""diagd's IPPing from the ACS's side: SetParameterValues DiagnosticsState=Requested, the
session ends, the test runs, "8 DIAGNOSTICS COMPLETE" comes in the next Inform and
GetParameterValues reads the results. Only loopback is pinged."""

import os
import shutil
import socket
import subprocess
import time

import cwmptest
import netns
from cwmptest import DIAGD_SCHEMA_DIR

PING = 'Device.IP.Diagnostics.IPPing.'
DIAG_COMPLETE = '8 DIAGNOSTICS COMPLETE'
RESULTS = ['DiagnosticsState', 'IPAddressUsed', 'SuccessCount', 'FailureCount',
           'AverageResponseTime', 'MinimumResponseTime', 'MaximumResponseTime',
           'AverageResponseTimeDetailed', 'MinimumResponseTimeDetailed',
           'MaximumResponseTimeDetailed']


def system_ping_average_us(host, count):
    """The average RTT the system's ping(8) measures, in microseconds, or None."""
    ping = shutil.which('ping')
    if not ping:
        return None
    out = subprocess.run([ping, '-n', '-q', '-c', str(count), '-i', '0.2', host],
                         capture_output=True, text=True, timeout=30).stdout
    for line in out.splitlines():
        if 'min/avg/max' in line:
            return float(line.split('=')[1].split('/')[1]) * 1000
    return None


class IPPingTest(cwmptest.CwmpAgentTestCase):

    def start(self):
        self.start_cwmp(extra_schema_dirs=[DIAGD_SCHEMA_DIR])
        self.diagd = self.sb.start_diagd()

    def results(self):
        return self.dm.values([PING + n for n in RESULTS])

    def request_from_acs(self, settings):
        """One session sets the parameters and DiagnosticsState=Requested; the next session
        (opened for the event) reads the results. Returns (that session, its results)."""
        A = self.A
        values = [(PING + n, t, v) for n, t, v in settings]
        values.append((PING + 'DiagnosticsState', 'string', 'Requested'))
        s = self.run_session([A.set_parameter_values(values, 'ping-1'),
                              A.get_parameter_values([PING + 'DiagnosticsState'])])
        self.assertSessionOk(s)
        self.assertEqual(s.responses[0].int_field('Status'), 0)
        # Read inside the session: the test waits for its end.
        self.assertEqual(s.responses[1].values(),
                         [(PING + 'DiagnosticsState', 'string', 'Requested')])
        get = A.get_parameter_values([PING + n for n in RESULTS])
        self.acs.queue([get])
        n = s.index + 1
        nxt = self.acs.wait_session(n, cwmptest.scaled(20))
        self.assertSessionOk(nxt)
        self.assertIn(DIAG_COMPLETE, [c for c, _ in nxt.events])
        return nxt, {k[len(PING):]: v for k, _, v in get.response.values()}

    def test_ping_loopback(self):
        self.start()
        count = 5
        s, r = self.request_from_acs([('Host', 'string', '127.0.0.1'),
                                      ('NumberOfRepetitions', 'unsignedInt', str(count)),
                                      ('Timeout', 'unsignedInt', '2000'),
                                      ('DataBlockSize', 'unsignedInt', '64'),
                                      ('DSCP', 'unsignedInt', '10')])
        self.assertEqual(r['DiagnosticsState'], 'Complete')
        self.assertEqual(r['IPAddressUsed'], '127.0.0.1')
        self.assertEqual((r['SuccessCount'], r['FailureCount']), (str(count), '0'))
        mn, avg, mx = (int(r[k + 'ResponseTimeDetailed'])
                       for k in ('Minimum', 'Average', 'Maximum'))
        self.assertTrue(0 < mn <= avg <= mx < 1000000, r)
        self.assertLess(avg, 50000, 'loopback answers within 50 ms: %r' % r)
        for k in ('Minimum', 'Average', 'Maximum'):
            self.assertEqual(int(r[k + 'ResponseTime']),
                             (int(r[k + 'ResponseTimeDetailed']) + 500) // 1000)
        # GPV through dmd reads the same values.
        self.assertEqual(self.results(), {PING + k: v for k, v in r.items()})
        system = system_ping_average_us('127.0.0.1', count)
        if system is not None:
            # loopback RTTs are tens of microseconds: a generous tolerance
            self.assertLess(abs(avg - system), max(2000, 3 * system), (avg, system))
        # The results survive a restart of diagd, and diagd comes back after one of dmd.
        self.diagd = self.sb.restart_provider(self.diagd)
        self.assertEqual(self.results(), {PING + k: v for k, v in r.items()})
        self.sb.restart_dmd()
        self.assertEqual(self.results(), {PING + k: v for k, v in r.items()})

    def test_ping_ipv6_loopback(self):
        try:
            socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(('::1', 0))
        except OSError:
            self.skipTest('no IPv6 loopback')
        self.start()
        n = self.acs.session_count()
        self.dm.spv({PING + 'Host': '::1', PING + 'ProtocolVersion': 'IPv6',
                     PING + 'NumberOfRepetitions': '3', PING + 'DataBlockSize': '1000',
                     PING + 'DiagnosticsState': 'Requested'})
        s = self.acs.wait_session(n, cwmptest.scaled(20))
        self.assertIn(DIAG_COMPLETE, [c for c, _ in s.events])
        r = self.results()
        self.assertEqual(r[PING + 'DiagnosticsState'], 'Complete')
        self.assertEqual(r[PING + 'IPAddressUsed'], '::1')
        self.assertEqual((r[PING + 'SuccessCount'], r[PING + 'FailureCount']), ('3', '0'))
        self.assertGreater(int(r[PING + 'MinimumResponseTimeDetailed']), 0)

    def test_unresolvable_host(self):
        """A name the resolver refuses: an empty label cannot be put in a DNS query, so
        nothing is sent."""
        self.start()
        s, r = self.request_from_acs([('Host', 'string', 'bad..name')])
        self.assertEqual(r['DiagnosticsState'], 'Error_CannotResolveHostName')
        self.assertEqual((r['SuccessCount'], r['FailureCount']), ('0', '0'))
        self.assertEqual(r['IPAddressUsed'], '')

    def test_host_name_from_etc_hosts(self):
        """localhost comes from /etc/hosts (no DNS query) and is pinged over IPv4."""
        with open('/etc/hosts') as f:
            if not any(l.split()[:1] == ['127.0.0.1'] and 'localhost' in l.split()[1:]
                       for l in f if not l.startswith('#')):
                self.skipTest('/etc/hosts has no 127.0.0.1 localhost')
        self.start()
        s, r = self.request_from_acs([('Host', 'string', 'localhost'),
                                      ('ProtocolVersion', 'string', 'IPv4'),
                                      ('NumberOfRepetitions', 'unsignedInt', '2')])
        self.assertEqual(r['DiagnosticsState'], 'Complete')
        self.assertEqual(r['IPAddressUsed'], '127.0.0.1')
        self.assertEqual((r['SuccessCount'], r['FailureCount']), ('2', '0'))
        self.assertGreater(int(r['MinimumResponseTimeDetailed']), 0)

    def test_wrong_protocol_version(self):
        """An IPv4 address with ProtocolVersion IPv6 has no address to ping."""
        self.start()
        self.dm.spv({PING + 'Host': '127.0.0.1', PING + 'ProtocolVersion': 'IPv6',
                     PING + 'DiagnosticsState': 'Requested'})
        self.assertTrue(cwmptest.wait_until(
            lambda: self.dm.value(PING + 'DiagnosticsState') != 'Requested',
            cwmptest.scaled(10)))
        self.assertEqual(self.dm.value(PING + 'DiagnosticsState'),
                         'Error_CannotResolveHostName')

    def test_requested_outside_a_session_runs_at_once(self):
        """Set with cwmpctl, no session open: the test starts at once and the event opens a
        session."""
        self.start()
        n = self.acs.session_count()
        env = dict(os.environ)
        env.pop('DBUS_SYSTEM_BUS_ADDRESS', None)
        r = subprocess.run([cwmptest.binary('tools', 'cwmpctl'), '--address=' + self.sb.bus.address,
                            'set', PING + 'Host=127.0.0.1', PING + 'NumberOfRepetitions=2',
                            PING + 'DiagnosticsState=Requested'],
                           capture_output=True, text=True, env=env, timeout=cwmptest.scaled(30))
        self.assertEqual(r.returncode, 0, r.stderr)
        s = self.acs.wait_session(n, cwmptest.scaled(20))
        self.assertIn(DIAG_COMPLETE, [c for c, _ in s.events])
        self.assertEqual(self.dm.value(PING + 'DiagnosticsState'), 'Complete')
        self.assertEqual(self.dm.value(PING + 'SuccessCount'), '2')

    def silent_address(self):
        """An address nobody answers, reached over a veth pair whose other end sits in a
        network namespace of its own without any address: nothing leaves the box."""
        netns.need_root(self)
        tag = netns.tag()
        net = netns.subnet()
        netns.veth_to_namespace(self, 'cwmpdiag' + tag, 'vdg' + tag, 'vdp' + tag, net + '.1/30')
        return net + '.2'

    def test_silent_host_counts_failures(self):
        addr = self.silent_address()
        self.start()
        n = self.acs.session_count()
        self.dm.spv({PING + 'Host': addr, PING + 'NumberOfRepetitions': '3',
                     PING + 'Timeout': '300', PING + 'DiagnosticsState': 'Requested'})
        s = self.acs.wait_session(n, cwmptest.scaled(20))
        self.assertIn(DIAG_COMPLETE, [c for c, _ in s.events])
        r = self.results()
        self.assertEqual(r[PING + 'DiagnosticsState'], 'Complete')
        self.assertEqual((r[PING + 'SuccessCount'], r[PING + 'FailureCount']), ('0', '3'))
        self.assertEqual(r[PING + 'IPAddressUsed'], addr[:-1] + '1')
        self.assertEqual(r[PING + 'AverageResponseTimeDetailed'], '0')

    def test_writing_another_parameter_cancels(self):
        """A test in progress is canceled by a new value of another parameter of IPPing:
        DiagnosticsState becomes None and no event comes."""
        addr = self.silent_address()
        self.start()
        n = self.acs.session_count()
        self.dm.spv({PING + 'Host': addr, PING + 'NumberOfRepetitions': '3',
                     PING + 'Timeout': '60000', PING + 'DiagnosticsState': 'Requested'})
        time.sleep(0.3)
        self.assertEqual(self.dm.value(PING + 'DiagnosticsState'), 'Requested')
        self.dm.spv({PING + 'Timeout': '1000'})
        self.assertTrue(cwmptest.wait_until(
            lambda: self.dm.value(PING + 'DiagnosticsState') == 'None', cwmptest.scaled(5)))
        self.assertNoNewSession(n, 1.5, why='a canceled test sends no event')
        self.assertEqual(self.dm.value(PING + 'DiagnosticsState'), 'None')
        # Only Requested (and Canceled) may be written.
        self.assertFault(9003, self.dm.spv, {PING + 'DiagnosticsState': 'Complete'},
                         params={PING + 'DiagnosticsState': 9007})

    def test_event_survives_diagd_restart_without_cwmpd(self):
        """cwmpd is away when the test completes: diagd keeps the event, across its own
        restart, and hands it over once cwmpd is back."""
        self.start()
        self.sb.cwmpd.stop()
        self.dm.spv({PING + 'Host': '127.0.0.1', PING + 'NumberOfRepetitions': '1',
                     PING + 'DiagnosticsState': 'Requested'})
        self.assertTrue(cwmptest.wait_until(
            lambda: self.dm.value(PING + 'DiagnosticsState') == 'Complete',
            cwmptest.scaled(10)))
        self.diagd.kill()
        n = self.acs.session_count()
        self.sb.cwmpd.start(wait=False)
        self.sb.wait_cwmpd_ready()
        self.diagd.start(wait=False)
        self.sb.wait_provider_ready(self.diagd)
        s = self.acs.wait_for(
            lambda: [x for x in self.acs.sessions[n:]
                     if DIAG_COMPLETE in [c for c, _ in x.events]], cwmptest.scaled(20))
        self.assertTrue(s, 'no session with %s: %r' % (DIAG_COMPLETE, self.acs.sessions[n:]))
        self.assertEqual(self.dm.value(PING + 'SuccessCount'), '1')

    def test_unprivileged_ping_socket(self):
        """Without CAP_NET_RAW diagd pings through the ping socket. diagd runs in a network
        namespace of its own (its loopback up, ping sockets allowed there), which does not
        change the host's settings."""
        if os.geteuid() != 0 or not all(shutil.which(t) for t in ('unshare', 'setpriv', 'ip')):
            self.skipTest('needs root, unshare(1), setpriv(1) and ip(8)')
        if subprocess.run(['unshare', '-n', 'true'], capture_output=True).returncode != 0:
            self.skipTest('cannot create a network namespace')
        wrapper = ['unshare', '-n', 'sh', '-c',
                   'ip link set lo up && '
                   'echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range && '
                   'exec setpriv --inh-caps=-net_raw --bounding-set=-net_raw "$@"', 'diagd']
        self.start_cwmp(extra_schema_dirs=[DIAGD_SCHEMA_DIR])
        self.diagd = self.sb.start_diagd(extra_args=['--debug'], wrapper=wrapper)
        n = self.acs.session_count()
        self.dm.spv({PING + 'Host': '127.0.0.1', PING + 'NumberOfRepetitions': '3',
                     PING + 'DiagnosticsState': 'Requested'})
        s = self.acs.wait_session(n, cwmptest.scaled(20))
        self.assertIn(DIAG_COMPLETE, [c for c, _ in s.events])
        r = self.results()
        self.assertEqual(r[PING + 'DiagnosticsState'], 'Complete')
        self.assertEqual((r[PING + 'SuccessCount'], r[PING + 'FailureCount']), ('3', '0'))
        self.assertIn('Pinging 127.0.0.1 over the ping socket', self.diagd.log())


if __name__ == '__main__':
    cwmptest.main()
