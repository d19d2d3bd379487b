#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""diagd's TR-143 DownloadDiagnostics and UploadDiagnostics against an HTTP server of the test
on loopback, whose sizes and speed the test sets: the throughput and the times diagd reports
agree with the throttle, errors give the DiagnosticsState TR-181 names, several connections
and their PerConnectionResult rows, time based tests with IncrementalResult rows, cancel by
writing another parameter, Interface resolved through dmd, and once from the ACS's side."""

import http.server
import re
import socket
import threading
import time
from datetime import datetime, timezone

import cwmptest
from cwmptest import DIAGD_SCHEMA_DIR, DMD_SCHEMA_DIR
from http_loopback import LoopbackHTTPServer, end_body, start_body, write_piece

DL = 'Device.IP.Diagnostics.DownloadDiagnostics.'
UL = 'Device.IP.Diagnostics.UploadDiagnostics.'
DIAG_COMPLETE = '8 DIAGNOSTICS COMPLETE'
TIME_RE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$')
DL_RESULTS = ['DiagnosticsState', 'IPAddressUsed', 'ROMTime', 'BOMTime', 'EOMTime',
              'TestBytesReceived', 'TotalBytesReceived', 'TotalBytesSent',
              'TCPOpenRequestTime', 'TCPOpenResponseTime', 'PeriodOfFullLoading',
              'TestBytesReceivedUnderFullLoading', 'PerConnectionResultNumberOfEntries',
              'IncrementalResultNumberOfEntries']
UL_RESULTS = ['DiagnosticsState', 'IPAddressUsed', 'ROMTime', 'BOMTime', 'EOMTime',
              'TestBytesSent', 'TotalBytesReceived', 'TotalBytesSent', 'TCPOpenRequestTime',
              'TCPOpenResponseTime', 'PerConnectionResultNumberOfEntries',
              'IncrementalResultNumberOfEntries']
BLOCK = 16384


def when(text):
    """A dateTime result as seconds since the epoch (float, microseconds kept)."""
    assert TIME_RE.match(text), text
    return datetime.strptime(text, '%Y-%m-%dT%H:%M:%S.%fZ').replace(
        tzinfo=timezone.utc).timestamp()


class Handler(http.server.BaseHTTPRequestHandler):
    """GET /size/N?rate=R[&chunked=1][&cut=1]: N zero bytes at R bytes/s (0: at once),
    with Content-Length (cut: only half of them, then the connection closes) or chunked.
    GET /status/N: status N. GET /hang: no answer for 30 s. GET /close: closes, no answer.
    PUT /upload?rate=R: reads the body (Content-Length or chunked) at R bytes/s, answers 201.
    Every request is recorded in server.requests as (method, path, body bytes read)."""

    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def params(self):
        path, _, query = self.path.partition('?')
        q = dict(p.split('=', 1) for p in query.split('&') if '=' in p)
        return path, q

    def pace(self, start, done, rate):
        if rate:
            delay = start + done / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def do_GET(self):
        path, q = self.params()
        self.server.record(('GET', path, 0))
        if path == '/hang':
            time.sleep(30)
            return
        if path == '/close':
            self.close_connection = True
            return
        if path.startswith('/status/'):
            body = b'status\n'
            self.send_response(int(path.split('/')[2]))
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        size, rate = int(path.split('/')[2]), float(q.get('rate', '0'))
        chunked = q.get('chunked') == '1'
        start_body(self, size, chunked)
        send = size // 2 if q.get('cut') == '1' else size
        zeros, sent, start = bytes(BLOCK), 0, time.monotonic()
        try:
            while sent < send:
                n = min(BLOCK, send - sent)
                write_piece(self.wfile, zeros[:n], chunked)
                sent += n
                self.pace(start, sent, rate)
            end_body(self.wfile, chunked)
        except OSError:
            return  # the client went away (a time based test, a cancel)
        if send < size:
            self.close_connection = True

    def read_body(self, rate):
        got, start = 0, time.monotonic()
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            while True:
                n = int(self.rfile.readline().split(b';')[0], 16)
                if n == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    return got
                while n > 0:
                    data = self.rfile.read(min(n, BLOCK))
                    if not data:
                        raise OSError('body cut')
                    n -= len(data)
                    got += len(data)
                    self.pace(start, got, rate)
                self.rfile.readline()
        left = int(self.headers.get('Content-Length', '0'))
        while left > 0:
            data = self.rfile.read(min(left, BLOCK))
            if not data:
                raise OSError('body cut')
            left -= len(data)
            got += len(data)
            self.pace(start, got, rate)
        return got

    def do_PUT(self):
        path, q = self.params()
        try:
            got = self.read_body(float(q.get('rate', '0')))
        except (OSError, ValueError):
            return
        self.server.record(('PUT', path, got))
        code = 201 if path == '/upload' else 500
        self.send_response(code)
        self.send_header('Content-Length', '0')
        self.end_headers()


class Server(LoopbackHTTPServer):
    def __init__(self, host='127.0.0.1'):
        super().__init__(Handler, host)
        self.requests, self.lock = [], threading.Lock()
        self.start()

    def record(self, r):
        with self.lock:
            self.requests.append(r)


class TransferTestBase:

    def setUp(self):
        super().setUp()
        self.http = Server()
        self.addCleanup(self.http.stop)

    def values(self, prefix, names):
        return {k[len(prefix):]: v for k, v in self.dm.values([prefix + n for n in names]).items()}

    def table(self, prefix, table, fields):
        n = int(self.dm.value(prefix + table + 'NumberOfEntries'))
        return [self.values('%s%s.%d.' % (prefix, table, i), fields) for i in range(1, n + 1)]

    def run_test(self, prefix, settings, timeout=30):
        """Sets the settings and DiagnosticsState=Requested, waits until the test ended."""
        values = {prefix + k: v for k, v in settings.items()}
        values[prefix + 'DiagnosticsState'] = 'Requested'
        self.dm.spv(values)
        self.assertTrue(cwmptest.wait_until(
            lambda: self.dm.value(prefix + 'DiagnosticsState') != 'Requested',
            cwmptest.scaled(timeout)), 'the test did not end')
        return self.values(prefix, DL_RESULTS if prefix == DL else UL_RESULTS)

    def assertTimesOrdered(self, r):
        t = {k: when(r[k]) for k in ('TCPOpenRequestTime', 'TCPOpenResponseTime', 'ROMTime',
                                     'BOMTime', 'EOMTime')}
        self.assertTrue(t['TCPOpenRequestTime'] <= t['TCPOpenResponseTime'] <= t['ROMTime'] <=
                        t['BOMTime'] <= t['EOMTime'], r)
        self.assertLess(abs(t['ROMTime'] - time.time()), 120, r)
        return t


class TransferTest(TransferTestBase, cwmptest.CwmpTestCase):
    """dmd and diagd only: no cwmpd, so a requested test starts at once."""

    def setUp(self):
        super().setUp()
        self.sb.start_dmd(schema_dirs=[DMD_SCHEMA_DIR, DIAGD_SCHEMA_DIR])
        self.diagd = self.sb.start_diagd()

    def test_throttled_download(self):
        size, rate = 1500000, 3000000.0  # half a second
        r = self.run_test(DL, {'DownloadURL': self.http.url('/size/%d?rate=%d' % (size, rate)),
                               'DSCP': '8'})
        self.assertEqual(r['DiagnosticsState'], 'Complete', r)
        self.assertEqual(r['IPAddressUsed'], '127.0.0.1')
        received = int(r['TestBytesReceived'])
        # the body and the response head
        self.assertTrue(size + 50 < received < size + 1000, r)
        t = self.assertTimesOrdered(r)
        seconds = t['EOMTime'] - t['BOMTime']
        # The throttle allows size/rate seconds; the measure must agree with it.
        self.assertGreater(seconds, size / rate * 0.9, r)
        self.assertLess(seconds, size / rate + 1.5, r)
        self.assertLess(received / seconds, rate * 1.15, r)
        # loopback: the handshake and the request take well under 100 ms
        self.assertLess(t['TCPOpenResponseTime'] - t['TCPOpenRequestTime'], 0.1, r)
        self.assertLess(t['BOMTime'] - t['ROMTime'], 0.5, r)
        # lo's counters over the test: at least the bytes of the test
        self.assertGreaterEqual(int(r['TotalBytesReceived']), received, r)
        self.assertGreater(int(r['TotalBytesSent']), 0, r)
        self.assertEqual(r['PerConnectionResultNumberOfEntries'], '0')
        self.assertEqual(self.http.requests, [('GET', '/size/%d' % size, 0)])
        self.assertEqual(self.dm.value(DL + 'DownloadTransports'), 'HTTP')
        self.assertEqual(self.dm.value(DL + 'DownloadDiagnosticMaxConnections'), '8')
        self.assertEqual(self.dm.value('Device.IP.Diagnostics.IPv4DownloadDiagnosticsSupported'),
                         'true')
        # The results survive a restart of diagd.
        self.sb.restart_provider(self.diagd)
        self.assertEqual(self.values(DL, DL_RESULTS), r)

    def test_other_diagnostics_run_meanwhile(self):
        """A download and an upload run side by side with an IPPing on diagd's loop: the
        ping completes while the transfers go on, and reads are answered meanwhile."""
        ping = 'Device.IP.Diagnostics.IPPing.'
        self.dm.spv({DL + 'DownloadURL': self.http.url('/size/4000000?rate=2000000'),
                     DL + 'NumberOfConnections': '2', DL + 'DiagnosticsState': 'Requested',
                     UL + 'UploadURL': self.http.url('/upload?rate=2000000'),
                     UL + 'TestFileLength': '4000000', UL + 'DiagnosticsState': 'Requested'})
        self.dm.spv({ping + 'Host': '127.0.0.1', ping + 'NumberOfRepetitions': '3',
                     ping + 'DiagnosticsState': 'Requested'})
        start = time.monotonic()
        self.assertTrue(cwmptest.wait_until(
            lambda: self.dm.value(ping + 'DiagnosticsState') != 'Requested',
            cwmptest.scaled(10)))
        self.assertLess(time.monotonic() - start, cwmptest.scaled(1.5))
        self.assertEqual(self.dm.value(ping + 'DiagnosticsState'), 'Complete')
        self.assertEqual(self.dm.value(DL + 'DiagnosticsState'), 'Requested')
        self.assertEqual(self.dm.value(UL + 'DiagnosticsState'), 'Requested')
        for prefix in (DL, UL):
            self.assertTrue(cwmptest.wait_until(
                lambda: self.dm.value(prefix + 'DiagnosticsState') != 'Requested',
                cwmptest.scaled(20)))
            self.assertEqual(self.dm.value(prefix + 'DiagnosticsState'), 'Complete')

    def test_chunked_download(self):
        size = 300000
        r = self.run_test(DL, {'DownloadURL': self.http.url('/size/%d?chunked=1' % size)})
        self.assertEqual(r['DiagnosticsState'], 'Complete', r)
        # the body, its chunk framing and the head
        self.assertGreater(int(r['TestBytesReceived']), size + 19 * 8, r)
        self.assertTimesOrdered(r)

    def test_ipv6(self):
        try:
            server = Server('::1')
        except OSError:
            self.skipTest('no IPv6 loopback')
        self.addCleanup(server.stop)
        r = self.run_test(DL, {'DownloadURL': server.url('/size/100000'),
                               'ProtocolVersion': 'IPv6'})
        self.assertEqual(r['DiagnosticsState'], 'Complete', r)
        self.assertEqual(r['IPAddressUsed'], '::1')
        self.assertTrue(100000 < int(r['TestBytesReceived']) < 101000, r)
        r = self.run_test(UL, {'UploadURL': server.url('/upload'), 'TestFileLength': '5000',
                               'ProtocolVersion': 'Any'})
        self.assertEqual(r['DiagnosticsState'], 'Complete', r)
        self.assertEqual(r['IPAddressUsed'], '::1')
        self.assertEqual(server.requests[-1], ('PUT', '/upload', 5000))

    def test_download_errors(self):
        cases = [
            ('/status/404', 'Error_TransferFailed'),
            ('/status/302', 'Error_TransferFailed'),
            ('/close', 'Error_NoResponse'),
            ('/size/400000?cut=1', 'Error_IncorrectSize'),
        ]
        for path, state in cases:
            r = self.run_test(DL, {'DownloadURL': self.http.url(path)})
            self.assertEqual(r['DiagnosticsState'], state, (path, r))
            self.assertEqual(r['TestBytesReceived'], '0', r)
            self.assertEqual(r['BOMTime'], '0001-01-01T00:00:00Z', r)
        # nobody listens on that port
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
        s.close()
        r = self.run_test(DL, {'DownloadURL': 'http://127.0.0.1:%d/x' % port})
        self.assertEqual(r['DiagnosticsState'], 'Error_InitConnectionFailed', r)
        r = self.run_test(DL, {'DownloadURL': 'http://bad..name/x'})
        self.assertEqual(r['DiagnosticsState'], 'Error_CannotResolveHostName', r)
        r = self.run_test(DL, {'DownloadURL': self.http.url('/size/10'),
                               'ProtocolVersion': 'IPv6'})
        self.assertEqual(r['DiagnosticsState'], 'Error_CannotResolveHostName', r)
        # DownloadTransports is HTTP: an FTP (or HTTPS) URL is refused when it is set
        for url in ('ftp://127.0.0.1/file', 'https://127.0.0.1/file', 'http://u:p@h/x'):
            self.assertFault(9003, self.dm.spv, {DL + 'DownloadURL': url},
                             params={DL + 'DownloadURL': 9007})
        self.assertFault(9003, self.dm.spv, {DL + 'NumberOfConnections': '9'},
                         params={DL + 'NumberOfConnections': 9007})
        self.assertFault(9003, self.dm.spv, {DL + 'Interface': 'Device.Ethernet.Link.1'},
                         params={DL + 'Interface': 9007})
        self.assertFault(9003, self.dm.spv, {DL + 'DiagnosticsState': 'Complete'},
                         params={DL + 'DiagnosticsState': 9007})

    def test_several_connections(self):
        size, rate, n = 600000, 2000000, 4
        r = self.run_test(DL, {'DownloadURL': self.http.url('/size/%d?rate=%d' % (size, rate)),
                               'NumberOfConnections': str(n),
                               'EnablePerConnectionResults': 'true'})
        self.assertEqual(r['DiagnosticsState'], 'Complete', r)
        self.assertEqual(len(self.http.requests), n)
        rows = self.table(DL, 'PerConnectionResult', [
            'ROMTime', 'BOMTime', 'EOMTime', 'TestBytesReceived', 'TotalBytesReceived',
            'TotalBytesSent', 'TCPOpenRequestTime', 'TCPOpenResponseTime'])
        self.assertEqual(len(rows), n)
        for row in rows:
            self.assertTrue(size < int(row['TestBytesReceived']) < size + 1000, row)
            self.assertTimesOrdered(row)
            # each connection was throttled on its own
            self.assertGreater(when(row['EOMTime']) - when(row['BOMTime']), size / rate * 0.9)
        self.assertEqual(int(r['TestBytesReceived']),
                         sum(int(row['TestBytesReceived']) for row in rows))
        # TR-143: earliest ROM and BOM, latest EOM and TCP open times
        self.assertEqual(r['ROMTime'], min(rows, key=lambda x: when(x['ROMTime']))['ROMTime'])
        self.assertEqual(r['BOMTime'], min(rows, key=lambda x: when(x['BOMTime']))['BOMTime'])
        self.assertEqual(r['EOMTime'], max(rows, key=lambda x: when(x['EOMTime']))['EOMTime'])
        self.assertEqual(r['TCPOpenRequestTime'],
                         max(rows, key=lambda x: when(x['TCPOpenRequestTime']))
                         ['TCPOpenRequestTime'])
        # the connections ran in parallel: all loaded together most of the time
        period = int(r['PeriodOfFullLoading'])
        self.assertGreater(period, size / rate * 0.5 * 1e6, r)
        self.assertGreater(int(r['TestBytesReceivedUnderFullLoading']), 0, r)
        total = when(r['EOMTime']) - when(r['BOMTime'])
        self.assertLess(total, size / rate * 2 + 1, 'parallel, not one after the other')
        # The table is diagd's own file: it survives a restart of diagd.
        self.sb.restart_provider(self.diagd)
        self.assertEqual(self.table(DL, 'PerConnectionResult', [
            'ROMTime', 'BOMTime', 'EOMTime', 'TestBytesReceived', 'TotalBytesReceived',
            'TotalBytesSent', 'TCPOpenRequestTime', 'TCPOpenResponseTime']), rows)
        # Without EnablePerConnectionResults the table is empty.
        r = self.run_test(DL, {'DownloadURL': self.http.url('/size/1000'),
                               'EnablePerConnectionResults': 'false'})
        self.assertEqual(r['DiagnosticsState'], 'Complete', r)
        self.assertEqual(r['PerConnectionResultNumberOfEntries'], '0')
        self.assertEqual(self.dm.gpn(DL + 'PerConnectionResult.', True), [])

    def test_upload(self):
        length, rate, n = 1000000, 2000000, 2
        r = self.run_test(UL, {'UploadURL': self.http.url('/upload?rate=%d' % rate),
                               'TestFileLength': str(length), 'NumberOfConnections': str(n),
                               'EnablePerConnectionResults': 'true'})
        self.assertEqual(r['DiagnosticsState'], 'Complete', r)
        self.assertEqual(sorted(self.http.requests), [('PUT', '/upload', length)] * n)
        sent = int(r['TestBytesSent'])
        self.assertTrue(n * length < sent < n * (length + 1000), r)
        t = self.assertTimesOrdered(r)
        self.assertGreater(t['EOMTime'] - t['BOMTime'], length / rate * 0.8, r)
        rows = self.table(UL, 'PerConnectionResult', ['TestBytesSent', 'BOMTime', 'EOMTime'])
        self.assertEqual(len(rows), n)
        for row in rows:
            self.assertTrue(length < int(row['TestBytesSent']) < length + 1000, row)
        # an error status: the server did not take the file
        r = self.run_test(UL, {'UploadURL': self.http.url('/reject'), 'TestFileLength': '1000',
                               'NumberOfConnections': '1'})
        self.assertEqual(r['DiagnosticsState'], 'Error_NoTransferComplete', r)
        self.assertFault(9003, self.dm.spv, {UL + 'UploadURL': 'ftp://127.0.0.1/up'},
                         params={UL + 'UploadURL': 9007})

    def test_slow_upload_drains_its_buffers(self):
        """The whole file fits in the socket buffers at once; the slow server takes longer
        than diagd's 10 s stall limit to read it. The test waits, seeing the buffers drain."""
        length, rate = 3000000, 250000
        r = self.run_test(UL, {'UploadURL': self.http.url('/upload?rate=%d' % rate),
                               'TestFileLength': str(length)}, timeout=40)
        self.assertEqual(r['DiagnosticsState'], 'Complete', r)
        t = self.assertTimesOrdered(r)
        self.assertGreater(t['EOMTime'] - t['BOMTime'], length / rate * 0.9, r)
        self.assertLess(int(r['TestBytesSent']) / (t['EOMTime'] - t['BOMTime']), rate * 1.15)

    def test_time_based_with_incremental_results(self):
        rate = 1000000
        r = self.run_test(DL, {'DownloadURL': self.http.url('/size/%d?rate=%d' % (50 * rate,
                                                                                   rate)),
                               'TimeBasedTestDuration': '3',
                               'TimeBasedTestMeasurementInterval': '1',
                               'TimeBasedTestMeasurementOffset': '1'})
        self.assertEqual(r['DiagnosticsState'], 'Complete', r)
        t = self.assertTimesOrdered(r)
        self.assertTrue(2.8 < t['EOMTime'] - t['BOMTime'] < 4.0, r)
        self.assertTrue(2.5 * rate < int(r['TestBytesReceived']) < 4.0 * rate, r)
        rows = self.table(DL, 'IncrementalResult', ['TestBytesReceived', 'TotalBytesReceived',
                                                    'TotalBytesSent', 'StartTime', 'EndTime'])
        # the rows start TimeBasedTestMeasurementOffset after BOMTime: (3 - 1) / 1 of them
        self.assertEqual(len(rows), 2, rows)
        self.assertAlmostEqual(when(rows[0]['StartTime']) - t['BOMTime'], 1.0, delta=0.2)
        for i, row in enumerate(rows):
            # a late timer (a loaded machine) lengthens one row and shortens the next
            self.assertTrue(0.7 < when(row['EndTime']) - when(row['StartTime']) < 1.4, row)
            self.assertTrue(0.5 * rate < int(row['TestBytesReceived']) < 1.5 * rate, row)
            self.assertGreaterEqual(int(row['TotalBytesReceived']),
                                    int(row['TestBytesReceived']), row)
            if i:
                self.assertAlmostEqual(when(row['StartTime']), when(rows[i - 1]['EndTime']),
                                       delta=0.01)
        # A time based upload: a chunked stream for the duration, then the server's answer.
        r = self.run_test(UL, {'UploadURL': self.http.url('/upload?rate=%d' % rate),
                               'TimeBasedTestDuration': '2',
                               'TimeBasedTestMeasurementInterval': '1'})
        self.assertEqual(r['DiagnosticsState'], 'Complete', r)
        self.assertEqual(len(self.http.requests), 2)
        method, path, got = self.http.requests[1]
        self.assertEqual((method, path), ('PUT', '/upload'))
        # The stream stops after 2 s, but what the socket buffers hold still reaches the
        # server at its pace: EOMTime is its answer, so the throughput is the throttle's.
        sent = int(r['TestBytesSent'])
        self.assertTrue(got < sent < got + got // 50 + 1000, (got, r))
        t = self.assertTimesOrdered(r)
        self.assertGreater(t['EOMTime'] - t['BOMTime'], 1.9, r)
        self.assertLess(sent / (t['EOMTime'] - t['BOMTime']), rate * 1.15, r)
        self.assertGreater(sent / (t['EOMTime'] - t['BOMTime']), rate * 0.6, r)
        self.assertEqual(r['IncrementalResultNumberOfEntries'], '2')

    def test_cancel_by_writing_another_parameter(self):
        self.dm.spv({DL + 'DownloadURL': self.http.url('/hang'),
                     DL + 'DiagnosticsState': 'Requested'})
        self.assertTrue(cwmptest.wait_until(lambda: self.http.requests, cwmptest.scaled(5)))
        self.assertEqual(self.dm.value(DL + 'DiagnosticsState'), 'Requested')
        self.dm.spv({DL + 'DSCP': '4'})
        self.assertTrue(cwmptest.wait_until(
            lambda: self.dm.value(DL + 'DiagnosticsState') == 'None', cwmptest.scaled(5)))
        time.sleep(1)
        self.assertEqual(self.dm.value(DL + 'DiagnosticsState'), 'None')
        # Canceled, written by the ACS, does the same.
        self.dm.spv({UL + 'UploadURL': self.http.url('/upload?rate=100000'),
                     UL + 'TestFileLength': '100000000', UL + 'DiagnosticsState': 'Requested'})
        time.sleep(0.5)
        self.dm.spv({UL + 'DiagnosticsState': 'Canceled'})
        self.assertEqual(self.dm.value(UL + 'DiagnosticsState'), 'None')

    def interface_of(self, ifname):
        """The Device.IP.Interface.N that dmd names ifname, or None."""
        try:
            names = self.dm.gpn('Device.IP.Interface.', True)
        except Exception:  # dmd does not serve Device.IP.Interface. (yet)
            return None
        for name, _ in names:
            ref = name.rstrip('.')
            try:
                if self.dm.value(ref + '.Name') == ifname:
                    return ref
            except Exception:
                pass
        return None

    def test_interface(self):
        # A row that does not exist: the test cannot pick a device (Error_Internal, as for
        # the other diagnostics of diagd).
        r = self.run_test(DL, {'DownloadURL': self.http.url('/size/1000'),
                               'Interface': 'Device.IP.Interface.4000'})
        self.assertEqual(r['DiagnosticsState'], 'Error_Internal', r)
        self.assertEqual(self.http.requests, [])
        self.assertIn('names no device', self.diagd.log())
        ref = self.interface_of('lo')
        if ref is None:
            self.skipTest('dmd serves no Device.IP.Interface. row for lo: Interface checked '
                          'with a missing row only')
        r = self.run_test(DL, {'DownloadURL': self.http.url('/size/200000'), 'Interface': ref})
        self.assertEqual(r['DiagnosticsState'], 'Complete', r)
        self.assertIn('download diagnostics over lo', self.diagd.log())
        self.assertGreaterEqual(int(r['TotalBytesReceived']), int(r['TestBytesReceived']), r)


class TransferFromAcsTest(TransferTestBase, cwmptest.CwmpAgentTestCase):

    def test_download_from_acs(self):
        """SPV DiagnosticsState=Requested in a session; the test runs once it ended; the event
        opens the next session, whose GPV reads the results."""
        self.start_cwmp(extra_schema_dirs=[DIAGD_SCHEMA_DIR])
        self.diagd = self.sb.start_diagd()
        A = self.A
        size, rate = 400000, 2000000
        s = self.run_session([
            A.set_parameter_values([
                (DL + 'DownloadURL', 'string', self.http.url('/size/%d?rate=%d' % (size, rate))),
                (DL + 'DiagnosticsState', 'string', 'Requested')], 'tr143-1'),
            A.get_parameter_values([DL + 'DiagnosticsState'])])
        self.assertSessionOk(s)
        self.assertEqual(s.responses[0].int_field('Status'), 0)
        self.assertEqual(s.responses[1].values(),
                         [(DL + 'DiagnosticsState', 'string', 'Requested')])
        self.assertEqual(self.http.requests, [], 'no test while the session is open')
        get = A.get_parameter_values([DL + n for n in DL_RESULTS])
        self.acs.queue([get])
        nxt = self.acs.wait_session(s.index + 1, cwmptest.scaled(20))
        self.assertSessionOk(nxt)
        self.assertIn(DIAG_COMPLETE, [c for c, _ in nxt.events])
        got = {k[len(DL):]: (t, v) for k, t, v in get.response.values()}
        self.assertEqual(got['DiagnosticsState'], ('string', 'Complete'))
        self.assertEqual(got['ROMTime'][0], 'dateTime')
        self.assertEqual(got['TestBytesReceived'][0], 'unsignedLong')
        self.assertTrue(size < int(got['TestBytesReceived'][1]) < size + 1000, got)
        self.assertTimesOrdered({k: v for k, (t, v) in got.items()})
        self.assertEqual(len(self.http.requests), 1)

    def test_canceled_test_sends_no_event(self):
        self.start_cwmp(extra_schema_dirs=[DIAGD_SCHEMA_DIR])
        self.diagd = self.sb.start_diagd()
        n = self.acs.session_count()
        self.dm.spv({DL + 'DownloadURL': self.http.url('/hang'),
                     DL + 'DiagnosticsState': 'Requested'})
        self.assertTrue(cwmptest.wait_until(lambda: self.http.requests, cwmptest.scaled(5)))
        self.dm.spv({DL + 'NumberOfConnections': '2'})
        self.assertTrue(cwmptest.wait_until(
            lambda: self.dm.value(DL + 'DiagnosticsState') == 'None', cwmptest.scaled(5)))
        self.assertNoNewSession(n, 1.5, why='a canceled test sends no event')


if __name__ == '__main__':
    cwmptest.main()
