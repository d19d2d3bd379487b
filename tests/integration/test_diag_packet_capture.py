#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""diagd's Device.PacketCaptureDiagnostics.: a capture on one end of a veth pair whose other
end sits in a network namespace of its own, while the test pings through the pair; the
libpcap file read back here (its records, an ICMP echo among them, their times within
StartTime and EndTime), PacketCount, ByteCount, a capture of every interface uploaded with PUT to a
loopback HTTP server asking for Basic authentication, and a canceled capture."""

import base64
import datetime
import http.server
import os
import shutil
import socket
import struct
import subprocess
import threading
import time

import cwmptest
import netns
from cwmptest import DIAGD_SCHEMA_DIR
from http_loopback import LoopbackHTTPServer

PC = 'Device.PacketCaptureDiagnostics.'
ROW = PC + 'PacketCaptureResult.1.'
DIAG_COMPLETE = '8 DIAGNOSTICS COMPLETE'
LINKTYPE_ETHERNET = 1
LINKTYPE_LINUX_SLL = 113


def parse_pcap(data):
    """(link type, [(seconds as float, captured bytes, original length)]) of a libpcap file."""
    magic, = struct.unpack('<I', data[:4])
    order = '<' if magic == 0xa1b2c3d4 else '>'
    magic, major, minor, _, _, snaplen, linktype = struct.unpack(order + 'IHHiIII', data[:24])
    assert magic == 0xa1b2c3d4 and (major, minor) == (2, 4), (magic, major, minor)
    records, off = [], 24
    while off < len(data):
        sec, usec, incl, orig = struct.unpack(order + 'IIII', data[off:off + 16])
        assert incl <= orig and incl <= snaplen, (incl, orig)
        records.append((sec + usec / 1e6, data[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    assert off == len(data), 'a truncated record'
    return linktype, records


def icmp_types(linktype, records):
    """The ICMP (v4) types of the records' packets."""
    types = []
    for _, pkt, _ in records:
        head = 14 if linktype == LINKTYPE_ETHERNET else 16
        if len(pkt) < head + 21 or pkt[head - 2:head] != b'\x08\x00':
            continue
        ip = pkt[head:]
        if ip[9] == 1:
            types.append(ip[(ip[0] & 0x0f) * 4])
    return types


def epoch(text):
    return datetime.datetime.strptime(text.replace('Z', '+0000'),
                                      '%Y-%m-%dT%H:%M:%S.%f%z').timestamp()


class Pinger:
    """Pings HOST every 50 ms from a thread until stopped."""

    def __init__(self, host):
        self.host, self.stop_flag = host, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as s:
            seq = 0
            while not self.stop_flag.is_set():
                seq += 1
                body = struct.pack('!BBHHH', 8, 0, 0, 0x4321, seq) + b'pcap-test'
                csum = sum(struct.unpack('!%dH' % (len(body) // 2), body[:len(body) // 2 * 2]))
                csum += body[-1] << 8 if len(body) % 2 else 0
                csum = (csum >> 16) + (csum & 0xffff)
                csum = ~(csum + (csum >> 16)) & 0xffff
                body = body[:2] + struct.pack('!H', csum) + body[4:]
                s.sendto(body, (self.host, 0))
                self.stop_flag.wait(0.05)

    def stop(self):
        self.stop_flag.set()
        self.thread.join()


class PutHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
        want = 'Basic ' + base64.b64encode(b'cap:secret').decode()
        if self.headers.get('Authorization') != want:
            self.send_response(401)
            self.send_header('WWW-Authenticate', 'Basic realm="captures"')
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        self.server.uploads[self.path] = body
        self.send_response(201)
        self.send_header('Content-Length', '0')
        self.end_headers()


class PacketCaptureTest(cwmptest.CwmpAgentTestCase):

    def start(self):
        self.start_cwmp(extra_schema_dirs=[DIAGD_SCHEMA_DIR])
        self.diagd = self.sb.start_diagd()
        self.sb.wait_provider_online(PC, self.diagd.pid)

    def run_capture(self, settings, host=None):
        """Requests a capture with those settings, pinging HOST meanwhile; returns its
        DiagnosticsState, after the session that brought the event."""
        n = self.acs.session_count()
        values = {PC + k: v for k, v in settings.items()}
        values[PC + 'DiagnosticsState'] = 'Requested'
        pinger = Pinger(host) if host else None
        try:
            self.dm.spv(values)
            s = self.acs.wait_session(n, cwmptest.scaled(30))
        finally:
            if pinger:
                pinger.stop()
        self.assertIn(DIAG_COMPLETE, [c for c, _ in s.events])
        return self.dm.value(PC + 'DiagnosticsState')

    def neighbour(self):
        """(the address behind the pair, the reference of our end)."""
        netns.need_root(self)
        tag = netns.tag()
        here = 'vpch' + tag
        net = netns.subnet()
        netns.veth_to_namespace(self, 'cwmppc' + tag, here, 'vpcp' + tag,
                                net + '.41/30', net + '.42/30')
        self.start()
        refs = {}
        for name, _, value in self.dm.gpv(['Device.IP.Interface.']):
            if name.endswith('.Name') and name.count('.') == 4:
                refs[value] = name[:-len('.Name')]
        if here not in refs:
            self.skipTest('dmd lists no row of Device.IP.Interface. for %s' % here)
        return net + '.42', refs[here]

    def check_times(self, records):
        start, end = epoch(self.dm.value(ROW + 'StartTime')), epoch(self.dm.value(ROW + 'EndTime'))
        self.assertLessEqual(start, end)
        for t, _, _ in records:
            self.assertTrue(start - 0.001 <= t <= end + 0.001, (start, t, end))

    def tcpdump_reads(self, path, count):
        if not shutil.which('tcpdump'):
            print('tcpdump is not installed: the file is checked with struct only')
            return
        out = subprocess.run(['tcpdump', '-n', '-r', path], capture_output=True, text=True,
                             check=True).stdout
        self.assertEqual(len(out.splitlines()), count, out)

    def test_capture_kept_locally(self):
        host, ref = self.neighbour()
        self.assertEqual(self.dm.value(PC + 'Format'), 'libpcap')
        state = self.run_capture({'Interface': ref, 'Duration': '2', 'FileTarget': ''}, host)
        self.assertEqual(state, 'Complete')
        self.assertEqual(self.dm.value(PC + 'PacketCaptureResultNumberOfEntries'), '1')
        location = self.dm.value(ROW + 'FileLocation')
        self.assertTrue(location.startswith('file:///'), location)
        path = location[len('file://'):]
        self.assertTrue(path.startswith(self.diagd.state_dir), path)
        with open(path, 'rb') as f:
            linktype, records = parse_pcap(f.read())
        self.assertEqual(linktype, LINKTYPE_ETHERNET)
        self.assertEqual(int(self.dm.value(ROW + 'Count')), len(records))
        types = icmp_types(linktype, records)
        self.assertIn(8, types)  # our echo requests
        self.assertIn(0, types)  # and the namespace's replies
        self.check_times(records)
        self.tcpdump_reads(path, len(records))

        # PacketCount ends the capture long before its Duration
        t0 = time.monotonic()
        state = self.run_capture({'Duration': '60', 'PacketCount': '3'}, host)
        self.assertEqual(state, 'Complete')
        self.assertLess(time.monotonic() - t0, 30)
        self.assertEqual(self.dm.value(ROW + 'Count'), '3')
        with open(path, 'rb') as f:
            _, records = parse_pcap(f.read())
        self.assertEqual(len(records), 3)
        self.check_times(records)

        # ByteCount: the packets recorded hold that many bytes, the last one cut to fit
        state = self.run_capture({'PacketCount': '0', 'ByteCount': '200'}, host)
        self.assertEqual(state, 'Complete')
        with open(path, 'rb') as f:
            _, records = parse_pcap(f.read())
        self.assertEqual(sum(len(pkt) for _, pkt, _ in records), 200)
        self.assertEqual(self.dm.value(ROW + 'Count'), str(len(records)))

    def test_upload_with_basic_authentication(self):
        netns.need_root(self)
        server = LoopbackHTTPServer(PutHandler).start()
        server.uploads = {}
        self.addCleanup(server.stop)
        self.start()
        # every interface (Interface empty), the loopback pings among them
        target = server.url('/captures/one.pcap')
        state = self.run_capture({'Interface': '', 'Duration': '1', 'FileTarget': target,
                                  'Username': 'cap', 'Password': 'secret'}, '127.0.0.1')
        self.assertEqual(state, 'Complete')
        self.assertEqual(self.dm.value(ROW + 'FileLocation'), target)
        linktype, records = parse_pcap(server.uploads['/captures/one.pcap'])
        self.assertEqual(linktype, LINKTYPE_LINUX_SLL)
        self.assertEqual(int(self.dm.value(ROW + 'Count')), len(records))
        self.assertIn(8, icmp_types(linktype, records))
        self.check_times(records)
        self.assertFalse(os.path.exists(os.path.join(self.diagd.state_dir, 'packet-capture.pcap')),
                         'the uploaded capture is not kept')
        # a refused upload: Error_Other, no result
        state = self.run_capture({'Password': 'wrong'})
        self.assertEqual(state, 'Error_Other')
        self.assertEqual(self.dm.value(PC + 'PacketCaptureResultNumberOfEntries'), '0')
        self.assertEqual(len(server.uploads), 1)

    def test_cancel_and_refused_values(self):
        netns.need_root(self)
        self.start()
        n = self.acs.session_count()
        self.dm.spv({PC + 'Duration': '60', PC + 'DiagnosticsState': 'Requested'})
        time.sleep(0.5)
        self.assertEqual(self.dm.value(PC + 'DiagnosticsState'), 'Requested')
        self.dm.spv({PC + 'PacketCount': '5'})
        self.assertTrue(cwmptest.wait_until(
            lambda: self.dm.value(PC + 'DiagnosticsState') == 'None', cwmptest.scaled(5)))
        self.assertNoNewSession(n, 1.0, why='a canceled capture sends no event')
        self.assertEqual(self.dm.value(PC + 'PacketCaptureResultNumberOfEntries'), '0')
        for name, value in (('FilterExpression', 'icmp'), ('FileTarget', 'ftp://x/y'),
                            ('DiagnosticsState', 'Complete'), ('Duration', '0'),
                            ('Interface', 'eth0')):
            self.assertFault(9003, self.dm.spv, {PC + name: value}, params={PC + name: 9007})
        self.dm.spv({PC + 'FilterExpression': ''})


if __name__ == '__main__':
    cwmptest.main()
