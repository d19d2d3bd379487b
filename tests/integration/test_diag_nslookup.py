#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""diagd's NSLookupDiagnostics against a small DNS server of the test on a loopback address
(real wire format over UDP, port 53): the addresses it gives, the names it does not know,
a server that does not answer, one that cannot be reached, one that is not an address."""

import os
import random
import socket
import struct
import threading
import time

import cwmptest
from cwmptest import DIAGD_SCHEMA_DIR

NS = 'Device.DNS.Diagnostics.NSLookupDiagnostics.'
DIAG_COMPLETE = '8 DIAGNOSTICS COMPLETE'
A, AAAA = 1, 28

ZONE = {
    'host.example.test': {A: ['192.0.2.10', '192.0.2.11'], AAAA: ['2001:db8::10']},
    'v4only.example.test': {A: ['198.51.100.7']},
}


def free_loopback_address():
    """A 127/8 address whose port 53 is free, and a socket bound to it."""
    for _ in range(20):
        addr = '127.%d.%d.%d' % (random.randint(10, 250), random.randint(1, 250),
                                 random.randint(2, 250))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind((addr, 53))
            return addr, s
        except PermissionError:
            s.close()
            return None, None
        except OSError:
            s.close()
    return None, None


def read_name(msg, pos):
    labels = []
    while msg[pos]:
        n = msg[pos]
        labels.append(msg[pos + 1:pos + 1 + n].decode())
        pos += 1 + n
    return '.'.join(labels), pos + 1


class DnsServer:
    """Answers A and AAAA queries from ZONE (authoritative), NXDOMAIN for other names;
    `silent` drops every query. Records (id, name, type) of each query."""

    def __init__(self, sock):
        self.sock = sock
        self.addr = sock.getsockname()[0]
        self.silent = False
        self.queries = []
        self.stopped = False
        sock.settimeout(0.1)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopped:
            try:
                msg, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            qid, flags, qd = struct.unpack('!HHH', msg[:6])
            name, end = read_name(msg, 12)
            qtype, = struct.unpack('!H', msg[end:end + 2])
            self.queries.append((qid, name, qtype))
            if self.silent:
                continue
            question = msg[12:end + 4]
            records = ZONE.get(name.lower())
            answers = b''
            count = 0
            for a in (records or {}).get(qtype, []):
                family = socket.AF_INET if qtype == A else socket.AF_INET6
                rdata = socket.inet_pton(family, a)
                answers += struct.pack('!HHHIH', 0xc00c, qtype, 1, 60, len(rdata)) + rdata
                count += 1
            rcode = 0 if records is not None else 3
            header = struct.pack('!HHHHHH', qid, 0x8400 | 0x0100 | 0x0080 | rcode, 1, count,
                                 0, 0)
            self.sock.sendto(header + question + answers, peer)

    def stop(self):
        self.stopped = True
        self.thread.join(2)
        self.sock.close()


class NSLookupTest(cwmptest.CwmpAgentTestCase):

    def setUp(self):
        super().setUp()
        addr, sock = free_loopback_address()
        if not addr:
            self.skipTest('cannot bind a loopback address on port 53 (needs root)')
        self.dns = DnsServer(sock)
        self.addCleanup(self.dns.stop)

    def start(self, env=None):
        self.start_cwmp(extra_schema_dirs=[DIAGD_SCHEMA_DIR])
        self.diagd = self.sb.start_diagd(env=env)

    def results(self):
        values = {k[len(NS):]: v for k, _, v in self.dm.gpv([NS])}
        return values

    def run_lookup(self, settings):
        """Requests the lookup through dmd outside a session, waits for the session with the
        event, returns the object's values."""
        n = self.acs.session_count()
        values = {NS + k: v for k, v in settings.items()}
        values[NS + 'DiagnosticsState'] = 'Requested'
        self.dm.spv(values)
        s = self.acs.wait_for(
            lambda: [x for x in self.acs.sessions[n:]
                     if DIAG_COMPLETE in [c for c, _ in x.events]], cwmptest.scaled(20))
        self.assertTrue(s, 'no session with %s: %r' % (DIAG_COMPLETE, self.acs.sessions[n:]))
        return self.results()

    def test_lookup_from_acs(self):
        self.start()
        Aa = self.A
        pause = Aa.Pause('after the SetParameterValues')
        self.acs.wait_idle(cwmptest.scaled(20))
        n = self.acs.session_count()
        self.acs.queue(Aa.Script([Aa.set_parameter_values([
            (NS + 'HostName', 'string', 'host.example.test'),
            (NS + 'DNSServer', 'string', self.dns.addr),
            (NS + 'NumberOfRepetitions', 'unsignedInt', '2'),
            (NS + 'Timeout', 'unsignedInt', '2000'),
            (NS + 'DiagnosticsState', 'string', 'Requested')], 'ns-1'), pause]))
        self.agent.inform()
        pause.wait_reached(cwmptest.scaled(20))
        time.sleep(0.5)
        self.assertEqual(self.dns.queries, [], 'nothing is sent while the session is open')
        pause.release()
        s = self.acs.wait_session(n, cwmptest.scaled(20))
        self.assertSessionOk(s)
        get = Aa.get_parameter_values([NS])
        self.acs.queue([get])
        nxt = self.acs.wait_session(s.index + 1, cwmptest.scaled(20))
        self.assertIn(DIAG_COMPLETE, [c for c, _ in nxt.events])
        r = {k[len(NS):]: v for k, _, v in get.response.values()}
        self.assertEqual(r['DiagnosticsState'], 'Complete')
        self.assertEqual(r['SuccessCount'], '2')
        self.assertEqual(r['ResultNumberOfEntries'], '2')
        for i in (1, 2):
            p = 'Result.%d.' % i
            self.assertEqual(r[p + 'Status'], 'Success')
            self.assertEqual(r[p + 'AnswerType'], 'Authoritative')
            self.assertEqual(r[p + 'HostNameReturned'], 'host.example.test')
            self.assertEqual(sorted(r[p + 'IPAddresses'].split(',')),
                             ['192.0.2.10', '192.0.2.11', '2001:db8::10'])
            self.assertEqual(r[p + 'DNSServerIP'], self.dns.addr)
            self.assertLess(int(r[p + 'ResponseTime']), 1000)
        # Two repetitions, each an A and an AAAA query, each with its own id.
        self.assertEqual(sorted((n, t) for _, n, t in self.dns.queries),
                         [('host.example.test', A)] * 2 + [('host.example.test', AAAA)] * 2)
        self.assertEqual(len({i for i, _, _ in self.dns.queries}), 4)
        # The results survive a restart of diagd.
        self.sb.restart_provider(self.diagd)
        self.assertEqual(self.results(), r)

    def test_unknown_name_and_v4_only(self):
        self.start()
        r = self.run_lookup({'HostName': 'nothing.example.test', 'DNSServer': self.dns.addr})
        self.assertEqual(r['DiagnosticsState'], 'Complete')
        self.assertEqual((r['SuccessCount'], r['ResultNumberOfEntries']), ('0', '1'))
        self.assertEqual(r['Result.1.Status'], 'Error_HostNameNotResolved')
        self.assertEqual(r['Result.1.IPAddresses'], '')
        r = self.run_lookup({'HostName': 'v4only.example.test'})
        self.assertEqual(r['SuccessCount'], '1')
        self.assertEqual(r['Result.1.IPAddresses'], '198.51.100.7')

    def test_silent_server_times_out(self):
        self.start()
        self.dns.silent = True
        t0 = time.monotonic()
        r = self.run_lookup({'HostName': 'host.example.test', 'DNSServer': self.dns.addr,
                             'NumberOfRepetitions': '2', 'Timeout': '300'})
        self.assertGreaterEqual(time.monotonic() - t0, 0.6)
        self.assertEqual(r['DiagnosticsState'], 'Complete')
        self.assertEqual((r['SuccessCount'], r['ResultNumberOfEntries']), ('0', '2'))
        self.assertEqual([r['Result.1.Status'], r['Result.2.Status']],
                         ['Error_Timeout', 'Error_Timeout'])
        self.assertEqual(len(self.dns.queries), 4)

    def test_unreachable_and_unresolved_server(self):
        self.start()
        # Nobody listens there: the ICMP port unreachable says so at once.
        r = self.run_lookup({'HostName': 'host.example.test', 'DNSServer': '127.0.0.1'
                             if self.dns.addr != '127.0.0.1' else '127.1.1.1',
                             'Timeout': '5000'})
        self.assertEqual(r['DiagnosticsState'], 'Complete')
        self.assertEqual(r['Result.1.Status'], 'Error_DNSServerNotAvailable')
        r = self.run_lookup({'DNSServer': 'dns.nowhere.invalid'})
        self.assertEqual(r['DiagnosticsState'], 'Error_DNSServerNotResolved')
        self.assertEqual(r['ResultNumberOfEntries'], '0')

    def test_default_server_from_resolv_conf(self):
        conf = self.sb.path('etc', 'resolv.conf')
        with open(conf, 'w') as f:
            f.write('# test\nsearch example.test\nnameserver %s\nnameserver 127.0.0.1\n' %
                    self.dns.addr)
        self.start(env={'DIAGD_RESOLV_CONF': conf})
        r = self.run_lookup({'HostName': 'host.example.test', 'DNSServer': ''})
        self.assertEqual(r['SuccessCount'], '1')
        self.assertEqual(r['Result.1.DNSServerIP'], self.dns.addr)

    def test_ping_and_lookup_run_together(self):
        """A lookup waiting for a silent server does not hold up a ping requested with it."""
        ping = 'Device.IP.Diagnostics.IPPing.'
        self.start()
        self.dns.silent = True
        self.dm.spv({NS + 'HostName': 'host.example.test', NS + 'DNSServer': self.dns.addr,
                     NS + 'Timeout': '3000', NS + 'DiagnosticsState': 'Requested',
                     ping + 'Host': '127.0.0.1', ping + 'NumberOfRepetitions': '3',
                     ping + 'DiagnosticsState': 'Requested'})
        self.assertTrue(cwmptest.wait_until(
            lambda: self.dm.value(ping + 'DiagnosticsState') == 'Complete',
            cwmptest.scaled(10)))
        self.assertEqual(self.dm.value(NS + 'DiagnosticsState'), 'Requested')
        self.assertEqual(self.dm.value(ping + 'SuccessCount'), '3')
        self.assertTrue(cwmptest.wait_until(
            lambda: self.dm.value(NS + 'DiagnosticsState') == 'Complete',
            cwmptest.scaled(10)))
        self.assertEqual(self.results()['Result.1.Status'], 'Error_Timeout')

    def test_canceled(self):
        self.start()
        self.dns.silent = True
        n = self.acs.session_count()
        self.dm.spv({NS + 'HostName': 'host.example.test', NS + 'DNSServer': self.dns.addr,
                     NS + 'Timeout': '10000', NS + 'DiagnosticsState': 'Requested'})
        self.assertTrue(cwmptest.wait_until(lambda: len(self.dns.queries) >= 2,
                                            cwmptest.scaled(10)))
        self.dm.spv({NS + 'DiagnosticsState': 'Canceled'})
        self.assertEqual(self.dm.value(NS + 'DiagnosticsState'), 'None')
        self.assertNoNewSession(n, 1, why='a canceled lookup sends no event')
        self.assertEqual(len(self.dns.queries), 2)

    def test_requested_lookup_runs_again_after_restart(self):
        """diagd is killed while the lookup waits for its answer: started again, it runs
        the lookup again and reports it."""
        self.start()
        self.dns.silent = True
        self.dm.spv({NS + 'HostName': 'host.example.test', NS + 'DNSServer': self.dns.addr,
                     NS + 'Timeout': '10000', NS + 'DiagnosticsState': 'Requested'})
        self.assertTrue(cwmptest.wait_until(lambda: len(self.dns.queries) >= 2,
                                            cwmptest.scaled(10)))
        self.diagd.kill()
        self.dns.silent = False
        n = self.acs.session_count()
        self.diagd.start(wait=False)
        self.sb.wait_provider_ready(self.diagd)
        s = self.acs.wait_for(
            lambda: [x for x in self.acs.sessions[n:]
                     if DIAG_COMPLETE in [c for c, _ in x.events]], cwmptest.scaled(20))
        self.assertTrue(s, 'no session with %s' % DIAG_COMPLETE)
        r = self.results()
        self.assertEqual((r['DiagnosticsState'], r['SuccessCount']), ('Complete', '1'))
        self.assertEqual(len(self.dns.queries), 4)

    def test_two_results_handed_over_together(self):
        """Both tests end at once: both hand-offs reach cwmpd without waiting for a retry."""
        ping = 'Device.IP.Diagnostics.IPPing.'
        self.start()
        self.dm.spv({NS + 'HostName': 'host.example.test', NS + 'DNSServer': self.dns.addr,
                     NS + 'DiagnosticsState': 'Requested',
                     ping + 'Host': '127.0.0.1', ping + 'NumberOfRepetitions': '1',
                     ping + 'DiagnosticsState': 'Requested'})
        self.assertTrue(cwmptest.wait_until(
            lambda: (self.dm.value(ping + 'DiagnosticsState'),
                     self.dm.value(NS + 'DiagnosticsState')) == ('Complete', 'Complete'),
            cwmptest.scaled(10)))
        path = os.path.join(self.diagd.state_dir, 'handoffs.state')

        def pending():
            with open(path) as f:
                return [line for line in f.read().splitlines() if 'diagd-' in line]
        # the retry of a failed hand-off comes after 10 s: this is well before
        self.assertTrue(cwmptest.wait_until(lambda: not pending(), cwmptest.scaled(4)),
                        pending())


if __name__ == '__main__':
    cwmptest.main()
