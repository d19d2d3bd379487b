#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""diagd's UDP echo (TR-143 Annex A): the responder of Device.IP.Diagnostics.UDPEchoConfig.
answering datagrams the test sends, and the client of UDPEchoDiagnostics run against that
responder and against one written here, once from the ACS's side. Only loopback is used."""

import re
import socket
import struct
import threading
import time

import cwmptest
from cwmptest import DIAGD_SCHEMA_DIR

UC = 'Device.IP.Diagnostics.UDPEchoConfig.'
UE = 'Device.IP.Diagnostics.UDPEchoDiagnostics.'
DIAG_COMPLETE = '8 DIAGNOSTICS COMPLETE'
COUNTERS = ['PacketsReceived', 'PacketsResponded', 'BytesReceived', 'BytesResponded']
RESULTS = ['DiagnosticsState', 'IPAddressUsed', 'SuccessCount', 'FailureCount',
           'AverageResponseTime', 'MinimumResponseTime', 'MaximumResponseTime',
           'IndividualPacketResultNumberOfEntries']
PACKET_FIELDS = ['PacketSuccess', 'PacketSendTime', 'PacketReceiveTime', 'TestGenSN',
                 'TestRespSN', 'TestRespRcvTimeStamp', 'TestRespReplyTimeStamp',
                 'TestRespReplyFailureCount']
MICROSECOND_TIME = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$')
UNKNOWN_TIME = '0001-01-01T00:00:00Z'


def free_udp_port():
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
        s.bind(('::', 0))
        return s.getsockname()[1]


def exchange(port, payload, source='127.0.0.1', timeout=2.0):
    """Sends payload to the responder from `source`; the reply or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((source, 0))
        s.settimeout(timeout)
        s.sendto(payload, ('127.0.0.1', port))
        try:
            data, peer = s.recvfrom(65536)
        except socket.timeout:
            return None
        return data


class PythonResponder:
    """A plain UDP echo server (RFC 862) on loopback that waits `delay` seconds before each
    reply and drops the datagrams whose first 4 bytes (TestGenSN) are in `drop`."""

    def __init__(self, delay=0.0, drop=()):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.delay, self.drop = delay, set(drop)
        self.seen = []
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            try:
                data, peer = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            sn = struct.unpack('!I', data[:4])[0] if len(data) >= 4 else None
            self.seen.append((sn, len(data)))
            if sn in self.drop:
                continue
            time.sleep(self.delay)
            self.sock.sendto(data, peer)

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


class UDPEchoTest(cwmptest.CwmpAgentTestCase):

    def start(self):
        self.start_cwmp(extra_schema_dirs=[DIAGD_SCHEMA_DIR])
        self.diagd = self.sb.start_diagd()

    def counters(self):
        v = self.dm.values([UC + n for n in COUNTERS + ['TimeFirstPacketReceived',
                                                          'TimeLastPacketReceived']])
        return {k[len(UC):]: v for k, v in v.items()}

    def enable_responder(self, port, **settings):
        values = {UC + 'Enable': 'true', UC + 'UDPPort': str(port)}
        values.update({UC + k: v for k, v in settings.items()})
        self.dm.spv(values)
        # the responder listens once the commit is applied
        self.assertTrue(cwmptest.wait_until(lambda: exchange(port, b'ping', timeout=0.2),
                                            cwmptest.scaled(5)), 'the responder does not answer')

    def run_client(self, settings):
        """UDPEchoDiagnostics with those settings, requested through dmd; returns (results,
        individual packet results)."""
        n = self.acs.session_count()
        values = {UE + k: v for k, v in settings.items()}
        values[UE + 'DiagnosticsState'] = 'Requested'
        self.dm.spv(values)
        s = self.acs.wait_session(n, cwmptest.scaled(30))
        self.assertIn(DIAG_COMPLETE, [c for c, _ in s.events])
        return self.client_results()

    def client_results(self):
        r = self.dm.values([UE + k for k in RESULTS])
        r = {k[len(UE):]: v for k, v in r.items()}
        packets = []
        for i in range(1, int(r['IndividualPacketResultNumberOfEntries']) + 1):
            p = '%sIndividualPacketResult.%d.' % (UE, i)
            v = self.dm.values([p + f for f in PACKET_FIELDS])
            packets.append({k[len(p):]: x for k, x in v.items()})
        return r, packets

    def test_responder(self):
        """Echo and Echo Plus, the counters, SourceIPAddress, and the counters cleared when
        Enable goes from false to true."""
        self.start()
        port = free_udp_port()
        self.assertEqual(self.dm.value(UC + 'EchoPlusSupported'), 'true')
        self.assertIsNone(exchange(port, b'x' * 30, timeout=0.3), 'answers while disabled')
        self.enable_responder(port, EchoPlusEnabled='true')
        base = self.counters()
        self.assertEqual((base['PacketsReceived'], base['PacketsResponded']), ('1', '1'))

        # Echo Plus: TestGenSN kept, TestRespSN counting the replies, time stamps (µs)
        # of reception and reply, no failures; the payload after the header unchanged.
        replies = []
        for sn in (7, 8, 9):
            payload = struct.pack('!5I', sn, 0, 0, 0, 0) + bytes(range(40))
            reply = exchange(port, payload)
            self.assertIsNotNone(reply)
            self.assertEqual(len(reply), len(payload))
            self.assertEqual(reply[20:], payload[20:])
            replies.append(struct.unpack('!5I', reply[:20]))
        self.assertEqual([r[0] for r in replies], [7, 8, 9])
        self.assertEqual([r[1] for r in replies], [replies[0][1] + i for i in range(3)])
        for gen, resp, rcv, reply_ts, failures in replies:
            self.assertEqual(failures, 0)
            self.assertLessEqual((reply_ts - rcv) % 2**32, 100000, 'reply within 100 ms')
        self.assertLessEqual((replies[2][2] - replies[0][2]) % 2**32, 5000000)
        # A datagram shorter than the Echo Plus header comes back as it was.
        self.assertEqual(exchange(port, b'short'), b'short')

        c = self.counters()
        self.assertEqual(int(c['PacketsReceived']), 5)
        self.assertEqual(int(c['PacketsResponded']), 5)
        sizes = [4, 60, 60, 60, 5]  # 'ping', three Echo Plus datagrams, 'short'
        self.assertEqual(int(c['BytesReceived']), sum(s + 8 for s in sizes))
        self.assertEqual(int(c['BytesResponded']), sum(s + 8 for s in sizes))
        for k in ('TimeFirstPacketReceived', 'TimeLastPacketReceived'):
            self.assertRegex(c[k], MICROSECOND_TIME)
        self.assertLess(c['TimeFirstPacketReceived'], c['TimeLastPacketReceived'])

        # Echo Plus off: the datagram comes back untouched.
        self.dm.spv({UC + 'EchoPlusEnabled': 'false'})
        payload = struct.pack('!5I', 1, 2, 3, 4, 5)
        self.assertTrue(cwmptest.wait_until(lambda: exchange(port, payload) == payload,
                                            cwmptest.scaled(5)))

        # SourceIPAddress: only that address is answered and counted. Settings that change
        # while enabled keep the counters.
        before = int(self.counters()['PacketsReceived'])
        self.dm.spv({UC + 'SourceIPAddress': '127.0.0.2'})
        self.assertTrue(cwmptest.wait_until(
            lambda: exchange(port, b'from .2', source='127.0.0.2') == b'from .2',
            cwmptest.scaled(5)))
        self.assertIsNone(exchange(port, b'from .1', source='127.0.0.1', timeout=0.5))
        c = self.counters()
        self.assertGreater(int(c['PacketsReceived']), before)
        self.assertEqual(c['PacketsReceived'], c['PacketsResponded'])
        self.assertFault(9003, self.dm.spv, {UC + 'SourceIPAddress': 'not-an-address'},
                         params={UC + 'SourceIPAddress': 9007})

        # The settings survive a restart of diagd and the responder comes back.
        self.diagd = self.sb.restart_provider(self.diagd)
        self.assertEqual(self.dm.value(UC + 'SourceIPAddress'), '127.0.0.2')
        self.assertTrue(cwmptest.wait_until(
            lambda: exchange(port, b'back', source='127.0.0.2', timeout=0.3) == b'back',
            cwmptest.scaled(5)))

        # Disabled: no answer. Enabled again: the counters start from zero.
        self.dm.spv({UC + 'Enable': 'false'})
        self.assertTrue(cwmptest.wait_until(
            lambda: exchange(port, b'off', source='127.0.0.2', timeout=0.2) is None,
            cwmptest.scaled(5)))
        self.assertNotEqual(self.counters()['PacketsReceived'], '0')
        self.dm.spv({UC + 'Enable': 'true', UC + 'SourceIPAddress': ''})
        c = self.counters()
        self.assertEqual([c[k] for k in COUNTERS], ['0'] * 4)
        self.assertEqual(c['TimeFirstPacketReceived'], UNKNOWN_TIME)
        self.assertTrue(cwmptest.wait_until(lambda: exchange(port, b'on', timeout=0.3),
                                            cwmptest.scaled(5)))
        self.assertEqual(self.counters()['PacketsReceived'], '1')

    def test_responder_waits_for_its_port(self):
        """A port another program holds when Enable is set: diagd tries again until it gets
        it."""
        self.start()
        holder = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.addCleanup(holder.close)
        holder.bind(('::', 0))
        port = holder.getsockname()[1]
        self.dm.spv({UC + 'Enable': 'true', UC + 'UDPPort': str(port)})
        self.assertTrue(cwmptest.wait_until(
            lambda: 'Cannot answer UDP echo on port %d' % port in self.diagd.log(),
            cwmptest.scaled(5)))
        holder.close()
        self.assertTrue(cwmptest.wait_until(lambda: exchange(port, b'late', timeout=0.3),
                                            cwmptest.scaled(20)), 'the responder never came')
        self.assertEqual(self.counters()['PacketsReceived'], '1')

    def test_client_against_diagd_responder_from_the_acs(self):
        """The ACS enables the responder and requests the client test in one session; the
        next session brings 8 DIAGNOSTICS COMPLETE and reads the Echo Plus results."""
        self.start()
        A = self.A
        port = free_udp_port()
        count = 5
        values = [(UC + 'Enable', 'boolean', 'true'),
                  (UC + 'UDPPort', 'unsignedInt', str(port)),
                  (UC + 'EchoPlusEnabled', 'boolean', 'true'),
                  (UE + 'Host', 'string', '127.0.0.1'),
                  (UE + 'Port', 'unsignedInt', str(port)),
                  (UE + 'NumberOfRepetitions', 'unsignedInt', str(count)),
                  (UE + 'InterTransmissionTime', 'unsignedInt', '20'),
                  (UE + 'Timeout', 'unsignedInt', '2000'),
                  (UE + 'DataBlockSize', 'unsignedInt', '64'),
                  (UE + 'EnableIndividualPacketResults', 'boolean', 'true'),
                  (UE + 'DiagnosticsState', 'string', 'Requested')]
        s = self.run_session([A.set_parameter_values(values, 'udpecho-1'),
                              A.get_parameter_values([UE + 'DiagnosticsState'])])
        self.assertSessionOk(s)
        self.assertEqual(s.responses[0].int_field('Status'), 0)
        self.assertEqual(s.responses[1].values(),
                         [(UE + 'DiagnosticsState', 'string', 'Requested')])
        get = A.get_parameter_values([UE + n for n in RESULTS])
        self.acs.queue([get])
        nxt = self.acs.wait_session(s.index + 1, cwmptest.scaled(20))
        self.assertSessionOk(nxt)
        self.assertIn(DIAG_COMPLETE, [c for c, _ in nxt.events])
        r = {k[len(UE):]: v for k, _, v in get.response.values()}
        self.assertEqual(r['DiagnosticsState'], 'Complete')
        self.assertEqual(r['IPAddressUsed'], '127.0.0.1')
        self.assertEqual((r['SuccessCount'], r['FailureCount']), (str(count), '0'))
        mn, avg, mx = (int(r[k + 'ResponseTime']) for k in ('Minimum', 'Average', 'Maximum'))
        self.assertTrue(0 < mn <= avg <= mx < 1000000, r)
        self.assertEqual(r['IndividualPacketResultNumberOfEntries'], str(count))

        _, packets = self.client_results()
        self.assertEqual([p['TestGenSN'] for p in packets], [str(i) for i in range(1, 6)])
        self.assertTrue(all(p['PacketSuccess'] == 'true' for p in packets), packets)
        resp_sn = [int(p['TestRespSN']) for p in packets]
        self.assertEqual(resp_sn, list(range(resp_sn[0], resp_sn[0] + count)))
        for p in packets:
            self.assertRegex(p['PacketSendTime'], MICROSECOND_TIME)
            self.assertRegex(p['PacketReceiveTime'], MICROSECOND_TIME)
            self.assertLessEqual(p['PacketSendTime'], p['PacketReceiveTime'])
            self.assertEqual(p['TestRespReplyFailureCount'], '0')
            self.assertLessEqual((int(p['TestRespReplyTimeStamp']) -
                                  int(p['TestRespRcvTimeStamp'])) % 2**32, 100000)
        # the responder saw the client's datagrams: 64 bytes each
        c = self.counters()
        self.assertEqual(c['PacketsReceived'], str(count))
        self.assertEqual(c['BytesReceived'], str(count * (64 + 8)))
        # the results and the table survive a restart of diagd
        self.diagd = self.sb.restart_provider(self.diagd)
        self.assertEqual(self.client_results(), (dict(r), packets))
        # set to None (another parameter written), the test's rows go
        self.dm.spv({UE + 'Timeout': '1000'})
        self.assertTrue(cwmptest.wait_until(
            lambda: self.dm.value(UE + 'DiagnosticsState') == 'None', cwmptest.scaled(5)))
        self.assertEqual(self.dm.value(UE + 'IndividualPacketResultNumberOfEntries'), '0')
        self.assertEqual(self.dm.value(UE + 'SuccessCount'), str(count))

    def test_client_against_python_responder(self):
        """A plain echo server of the test's own, 30 ms slow, dropping the second datagram:
        that one fails after Timeout and the response times include the delay."""
        responder = PythonResponder(delay=0.03, drop={2})
        self.addCleanup(responder.close)
        self.start()
        r, packets = self.run_client({'Host': '127.0.0.1', 'Port': str(responder.port),
                                      'NumberOfRepetitions': '4', 'Timeout': '500',
                                      'InterTransmissionTime': '100', 'DataBlockSize': '30',
                                      'EnableIndividualPacketResults': 'true'})
        self.assertEqual(r['DiagnosticsState'], 'Complete')
        self.assertEqual((r['SuccessCount'], r['FailureCount']), ('3', '1'))
        self.assertGreaterEqual(int(r['MinimumResponseTime']), 30000, r)
        self.assertLess(int(r['MaximumResponseTime']), 500000, r)
        self.assertEqual([s for s, _ in responder.seen], [1, 2, 3, 4])
        self.assertTrue(all(n == 30 for _, n in responder.seen), responder.seen)
        self.assertEqual([p['PacketSuccess'] for p in packets],
                         ['true', 'false', 'true', 'true'])
        lost = packets[1]
        self.assertEqual(lost['PacketReceiveTime'], UNKNOWN_TIME)
        self.assertEqual(lost['TestGenSN'], '2')
        self.assertRegex(lost['PacketSendTime'], MICROSECOND_TIME)
        # a plain echo server returns the zeros the client sent in the Echo Plus fields
        self.assertEqual({p['TestRespSN'] for p in packets}, {'0'})

        # Without EnableIndividualPacketResults the table stays empty.
        r, packets = self.run_client({'NumberOfRepetitions': '1',
                                      'EnableIndividualPacketResults': 'false'})
        self.assertEqual(r['SuccessCount'], '1')
        self.assertEqual(packets, [])

    def test_tests_run_side_by_side(self):
        """UDPEchoDiagnostics, IPPing and the responder at the same time: the loop answers
        echo requests promptly while both tests run, and both complete."""
        responder = PythonResponder(delay=0.0)
        self.addCleanup(responder.close)
        self.start()
        port = free_udp_port()
        self.enable_responder(port)
        ping = 'Device.IP.Diagnostics.IPPing.'
        self.dm.spv({UE + 'Host': '127.0.0.1', UE + 'Port': str(responder.port),
                     UE + 'NumberOfRepetitions': '8', UE + 'InterTransmissionTime': '150',
                     UE + 'DiagnosticsState': 'Requested',
                     ping + 'Host': '127.0.0.1', ping + 'NumberOfRepetitions': '3',
                     ping + 'DiagnosticsState': 'Requested'})
        for i in range(5):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(0.5)
                start = time.monotonic()
                s.sendto(b'busy?', ('127.0.0.1', port))
                self.assertEqual(s.recv(100), b'busy?')
                self.assertLess(time.monotonic() - start, 0.5)
            time.sleep(0.1)
        self.assertEqual(self.dm.value(UE + 'DiagnosticsState'), 'Requested', 'still running')
        self.assertTrue(cwmptest.wait_until(
            lambda: (self.dm.value(UE + 'DiagnosticsState'),
                     self.dm.value(ping + 'DiagnosticsState')) == ('Complete', 'Complete'),
            cwmptest.scaled(10)))
        self.assertEqual(self.dm.value(UE + 'SuccessCount'), '8')
        self.assertEqual(self.dm.value(ping + 'SuccessCount'), '3')

    def test_writing_another_parameter_cancels_and_bad_host(self):
        self.start()
        n = self.acs.session_count()
        port = free_udp_port()  # nobody answers there
        self.dm.spv({UE + 'Host': '127.0.0.1', UE + 'Port': str(port),
                     UE + 'NumberOfRepetitions': '3', UE + 'Timeout': '60000',
                     UE + 'DiagnosticsState': 'Requested'})
        time.sleep(0.3)
        self.assertEqual(self.dm.value(UE + 'DiagnosticsState'), 'Requested')
        self.dm.spv({UE + 'Timeout': '1000'})
        self.assertTrue(cwmptest.wait_until(
            lambda: self.dm.value(UE + 'DiagnosticsState') == 'None', cwmptest.scaled(5)))
        self.assertNoNewSession(n, 1.0, why='a canceled test sends no event')
        # a name the resolver refuses
        r, _ = self.run_client({'Host': 'bad..name'})
        self.assertEqual(r['DiagnosticsState'], 'Error_CannotResolveHostName')


if __name__ == '__main__':
    cwmptest.main()
