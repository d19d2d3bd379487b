#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""fwupd-bridge's transfers, driven through io.cwmp.Firmware1 as cwmpd drives them, with
cwmpd running against the test ACS: what the ACS finally hears is one TransferComplete per
CommandKey with the right fault. The files come from a loopback HTTP(S) server of the test
(tests/lib/file_server.py): Basic and Digest authentication, slow and cut bodies, 404,
wrong sizes, uploads. The Vendor Configuration File goes up and comes back."""

import os
import xml.etree.ElementTree as ET

import cwmptest
from cwmptest import ALPHA
from file_server import FileServer, free_port

CONFIG = '3 Vendor Configuration File'
UP_CONFIG = '1 Vendor Configuration File'
UP_LOG = '2 Vendor Log File'
UNKNOWN_TIME = '0001-01-01T00:00:00Z'

# Tables that mirror the running system, which other tests change while this one runs.
SYSTEM_TABLES = tuple(p.encode() for p in (
    'Device.Ethernet.', 'Device.IP.Interface.', 'Device.Bridging.', 'Device.InterfaceStack.',
    'Device.Hosts.', 'Device.Routing.', 'Device.QoS.', 'Device.NeighborDiscovery.',
    'Device.USB.', 'Device.DHCPv4.', 'Device.DHCPv6.', 'Device.IP.ActivePort.'))


class FwupdTestCase(cwmptest.CwmpAgentTestCase):

    def setUp(self):
        super().setUp()
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()
        super().tearDown()

    def start(self, sections=None, tls=None):
        self.start_cwmp()
        self.files = self.file_server(tls)
        self.bridge = self.sb.start_fwupd_bridge(sections=sections)
        self.fw = self.sb.firmware

    def file_server(self, tls=None):
        s = FileServer(tls=tls)
        self.servers.append(s)
        return s

    def transfer_completes_by_session(self):
        """[(session, (CommandKey, FaultCode, FaultString, StartTime, CompleteTime))] the ACS
        received, in order."""
        out = []
        for s in self.acs.sessions:
            for m in s.cpe_requests:
                if m.method == 'TransferComplete':
                    f = m.child('FaultStruct')
                    out.append((s, (m.text('CommandKey'), int(m.text('FaultCode', f)),
                                    m.text('FaultString', f), m.text('StartTime'),
                                    m.text('CompleteTime'))))
        return out

    def transfer_completes(self):
        """[(CommandKey, FaultCode, FaultString, StartTime, CompleteTime)] the ACS received."""
        return [t for s, t in self.transfer_completes_by_session()]

    def wait_complete(self, key, timeout=20):
        """The TransferComplete of `key` (waits for it); fails if there is more than one."""
        found = []

        def arrived():
            found[:] = [t for t in self.transfer_completes() if t[0] == key]
            return found
        if not cwmptest.wait_until(arrived, cwmptest.scaled(timeout), 0.1):
            self.fail('no TransferComplete for %r; queue %r\n%s' % (
                key, self.fw.queued(), self.sb.logs()))
        self.acs.wait_idle(cwmptest.scaled(20))
        # One TransferComplete in a session that ended normally. A SIGKILL of cwmpd after it
        # sent one but before it ended that session may leave it unsure whether the ACS has
        # it: it sends it again in the next session, as TR-069 asks; nothing else repeats.
        seen = [(t, s.outcome == 'ok') for s, t in self.transfer_completes_by_session()
                if t[0] == key]
        self.assertEqual(len([t for t, ok in seen if ok]), 1,
                         'TransferCompletes of %r: %r' % (key, seen))
        self.assertTrue(all(ok for t, ok in seen[seen.index(next(x for x in seen if x[1])):]),
                        'repeated after a session that ended normally: %r' % (seen,))
        return next(t for t, ok in seen if ok)

    def assertFault(self, call, code, *args):
        with self.assertRaises(Exception) as cm:
            call(*args)
        fault = cwmptest.Fault(cm.exception)
        self.assertEqual(fault.code, code, repr(fault))
        return fault


def methods(iface):
    return [(m.get('name'), [(a.get('name'), a.get('type'), a.get('direction', 'in'))
                             for a in m.findall('arg')]) for m in iface.findall('method')]


class RequestTest(FwupdTestCase):
    """What is answered at request time, before anything is transferred."""

    def test_introspection_matches_the_contract(self):
        self.start()
        xml = self.sb.conn.call_blocking(cwmptest.FIRMWARE_BUS_NAME, cwmptest.FIRMWARE_PATH,
                                         'org.freedesktop.DBus.Introspectable', 'Introspect',
                                         '', ())
        served = ET.fromstring(str(xml)).find("interface[@name='io.cwmp.Firmware1']")
        contract = ET.parse(os.path.join(cwmptest.SOURCE_DIR, 'dbus-interfaces',
                                         'io.cwmp.Firmware1.xml')).getroot().find(
            "interface[@name='io.cwmp.Firmware1']")
        self.assertIsNotNone(served)
        self.assertEqual(methods(served), methods(contract))
        with self.assertRaises(Exception) as cm:
            self.fw.call('Download', 's', 'only a key')
        self.assertIn('InvalidArgs', str(cm.exception.get_dbus_name()))

    def test_faults_and_queue(self):
        self.start()
        fw = self.fw
        url = self.files.add('/c.cfg', b'x')
        # No backend configured: firmware is refused at once, as are types not supported.
        f = self.assertFault(fw.download, 9003, 'fw', '1 Firmware Upgrade Image', url)
        self.assertIn('no firmware backend', f.message)
        self.assertFault(fw.download, 9003, 'web', '2 Web Content', url)
        self.assertFault(fw.upload, 9003, 'u3', '3 Vendor Configuration File 1', url)
        self.assertFault(fw.download, 9013, 'ftp', CONFIG, 'ftp://127.0.0.1/c.cfg')
        self.assertFault(fw.download, 9013, 'tftp', CONFIG, 'tftp://127.0.0.1/c.cfg')
        self.assertFault(fw.download, 9003, 'rel', CONFIG, '/c.cfg')
        self.assertFault(fw.download, 9003, 'k' * 33, CONFIG, url)
        self.assertFault(fw.schedule_download, 9003, 'w0', CONFIG, url, [])
        self.assertFault(fw.schedule_download, 9003, 'w1', CONFIG, url,
                         [(10, 5, '1 At Any Time', '', -1)])
        self.assertFault(fw.schedule_download, 9003, 'w2', CONFIG, url,
                         [(0, 100, '1 At Any Time', '', -1), (50, 200, '1 At Any Time', '', 0)])
        self.assertFault(fw.schedule_download, 9003, 'w3', CONFIG, url,
                         [(0, 100, '9 Whenever', '', -1)])
        self.assertFault(fw.schedule_download, 9003, 'w4', CONFIG, url,
                         [(0, 1, '1 At Any Time', '', -1)] * 3)
        self.assertEqual(fw.queued(), [])

        # Sixteen queued (an hour away); the same CommandKey again changes nothing; the
        # seventeenth is 9004.
        for i in range(16):
            fw.download('q%d' % i, CONFIG, url, delay=3600)
        fw.download('q3', CONFIG, url, delay=3600)
        queued = fw.queued()
        self.assertEqual(len(queued), 16)
        self.assertEqual(queued[3], ('q3', 1, True, CONFIG, 0, ''))
        self.assertFault(fw.upload, 9004, 'q16', UP_CONFIG, url)

        # Cancel: gone, and no TransferComplete for it ever; unknown keys are 9003.
        fw.cancel('q0')
        self.assertNotIn('q0', [q[0] for q in fw.queued()])
        self.assertFault(fw.cancel, 9003, 'q0')
        fw.upload('up', UP_CONFIG, self.files.url('/up'), delay=3600)
        self.assertIn(('up', 1, False, UP_CONFIG, 0, ''), fw.queued())
        # The queue survives a restart, states and all.
        before = fw.queued()
        self.bridge.restart(kill=True)
        self.assertEqual(fw.queued(), before)
        self.assertEqual(self.transfer_completes(), [])

    def test_cancel_in_progress_is_9021(self):
        self.start()
        url = self.files.add('/slow.cfg', b'#' * (6 * 65536), chunk_delay=0.5)
        self.fw.download('slow', CONFIG, url)
        self.assertTrue(cwmptest.wait_until(
            lambda: self.fw.queued() and self.fw.queued()[0][1] == 2, cwmptest.scaled(10)))
        self.assertFault(self.fw.cancel, 9021, 'slow')
        self.assertEqual(self.fw.queued()[0][:2], ('slow', 2))


class ConfigTest(FwupdTestCase):
    """Upload of the configuration, changes, Download of it back."""

    def test_round_trip(self):
        self.start()
        dm = self.sb.dm
        dm.spv([(ALPHA + 'Name', 'string', 'before\ttab'), (ALPHA + 'Level', 'unsignedInt', '7'),
                (ALPHA + 'Secret', 'string', 'hush')], 'pk-1')
        self.files.upload_auth['/store/cfg'] = ('basic', 'up', 'load')
        self.fw.upload('up-1', UP_CONFIG, self.files.url('/store/cfg'), 'up', 'load')
        key, code, text, start, done = self.wait_complete('up-1')
        self.assertEqual((code, text), (0, ''))
        self.assertNotEqual(start, UNKNOWN_TIME)
        self.assertLessEqual(start, done)
        up = self.files.uploads[-1]
        self.assertEqual(up.method, 'PUT')
        body = up.body.decode()
        self.assertTrue(body.startswith('# CWMP vendor configuration file, version 1\n'), body)
        self.assertIn(ALPHA + 'Name\tstring\tbefore\\ttab\n', body)
        self.assertIn(ALPHA + 'Level\tunsignedInt\t7\n', body)
        self.assertNotIn('Secret', body)  # hidden: reads back empty, never restored blank
        self.assertNotIn('Counter', body)  # read-only

        dm.spv([(ALPHA + 'Name', 'string', 'after'), (ALPHA + 'Level', 'unsignedInt', '99')],
               'pk-2')
        # The file also holds the Alias of each row of the system's own tables (interfaces,
        # packages ...); tests running meanwhile make and remove interfaces, and a row gone
        # since makes the whole file unknown (9018), so those lines are left out here.
        up.body = b''.join(line for line in up.body.splitlines(True)
                           if not line.startswith(SYSTEM_TABLES))
        self.files.add('/cfg', up.body, auth=('digest', 'dl', 'secret'))
        self.fw.download('dl-1', CONFIG, self.files.url('/cfg'), 'dl', 'secret', len(up.body))
        self.assertEqual(self.wait_complete('dl-1')[1:3], (0, ''))
        self.assertEqual(dm.value(ALPHA + 'Name'), 'before\ttab')
        self.assertEqual(dm.value(ALPHA + 'Level'), '7')
        self.assertEqual(dm.value(ALPHA + 'Secret'), '')  # hidden, but kept:
        self.assertEqual(dm.parameter_key, 'pk-2')  # the ACS's key is not touched

        # Bad files change nothing and are 9018: garbage, a value out of range, an unknown
        # parameter next to good ones.
        bad = {
            'garbage': b'\x00\x01 not a configuration',
            'range': up.body.replace(b'Level\tunsignedInt\t7', b'Level\tunsignedInt\t500'),
            'unknown': up.body + ('Device.X_TEST_Nope.Value\tstring\tx\n').encode(),
            'escape': up.body + (ALPHA + 'Name\tstring\tbad\\q\n').encode(),
        }
        dm.spv([(ALPHA + 'Name', 'string', 'kept')], 'pk-3')
        for name, data in bad.items():
            url = self.files.add('/bad-' + name, data)
            self.fw.download('bad-' + name, CONFIG, url)
            key, code, text, _, _ = self.wait_complete('bad-' + name)
            self.assertEqual(code, 9018, (name, text))
            self.assertEqual(dm.value(ALPHA + 'Name'), 'kept', name)
            self.assertEqual(dm.value(ALPHA + 'Level'), '7', name)


class DownloadFaultTest(FwupdTestCase):

    def check(self, key, url, code, text_part=None, **kw):
        self.fw.download(key, CONFIG, url, **kw)
        got = self.wait_complete(key)
        self.assertEqual(got[1], code, got)
        if text_part:
            self.assertIn(text_part, got[2])
        return got

    def test_faults(self):
        self.start(sections={'Transfers': {'Timeout': 20}})
        f = self.files
        good = b'# CWMP vendor configuration file, version 1\n'
        self.check('404', f.url('/missing'), 9016, 'HTTP 404')
        self.check('403', f.add('/forbidden', good, status=403), 9016, 'HTTP 403')
        url = f.add('/basic', good, auth=('basic', 'u', 'right'))
        self.check('basic-wrong', url, 9012, '401', username='u', password='wrong')
        self.check('basic-none', url, 9012)
        self.check('basic-ok', url, 0, username='u', password='right')
        url = f.add('/digest', good, auth=('digest', 'u', 'right'))
        self.check('digest-wrong', url, 9012, username='u', password='wrong')
        self.check('digest-ok', url, 0, username='u', password='right')
        self.check('refused', 'http://127.0.0.1:%d/x' % free_port(), 9015)
        self.check('cut', f.add('/cut', good * 4000, cut_after=70000), 9017)
        self.check('short', f.add('/short', good), 9018, 'FileSize', file_size=len(good) + 1)
        self.check('long', f.add('/long', good * 10), 9018, 'FileSize', file_size=len(good))
        # Refused before a byte is fetched when FileSize does not fit: keep all but 1 MiB of
        # the free space in reserve, then announce 2 MiB.
        self.bridge.stop()
        vfs = os.statvfs(self.sb.path('state'))
        free_mib = vfs.f_bavail * vfs.f_frsize // (1 << 20)
        self.sb.start_fwupd_bridge(sections={'Transfers': {'ReserveMiB': free_mib - 1}},
                                   label='fwupd-bridge-2')
        n = len(self.files.requests)
        self.check('huge', f.add('/huge', good), 9010, 'space', file_size=2 << 20)
        self.assertEqual(len(self.files.requests), n)
        # Slow but steady: it arrives.
        self.check('slow', f.add('/slow', good + b'#' * 300000, chunk_delay=0.2), 0)
        # Every CommandKey was reported once, and nothing is left queued.
        self.assertEqual(self.fw.queued(), [])
        keys = [t[0] for t in self.transfer_completes()]
        self.assertEqual(sorted(keys), sorted(set(keys)))
        self.assertEqual(os.listdir(self.sb.path('state', 'fwupd-bridge', 'downloads')), [])

    def test_https(self):
        certs = self.sb.certificates
        self.start(sections={'Transfers': {'CAFile': certs.ca}}, tls=certs.server)
        good = b'# CWMP vendor configuration file, version 1\n'
        self.check('tls-ok', self.files.add('/f', good, auth=('basic', 'u', 'p')), 0,
                   username='u', password='p')
        untrusted = self.file_server(tls=certs.untrusted)
        self.check('tls-untrusted', untrusted.add('/f', good), 9012, 'certificate')


class UploadTest(FwupdTestCase):

    def test_log_file_and_post(self):
        log = self.sb.path('log', 'box.log')
        with open(log, 'w') as f:
            f.write('old line that falls off\n' * 2000)
            f.write('the newest line\n')
        self.start(sections={'Logs': {'Files': log, 'MaxBytes': 4096}})
        self.files.post_only.add('/logs')
        self.fw.upload('log-1', UP_LOG, self.files.url('/logs'))
        self.assertEqual(self.wait_complete('log-1')[1:3], (0, ''))
        up = self.files.uploads[-1]
        self.assertEqual(up.method, 'POST')  # PUT was answered 405
        self.assertLessEqual(len(up.body), 4096 + 200)
        self.assertTrue(up.body.decode().endswith('the newest line\n'))
        # Refused uploads: 9011; wrong credentials: 9012.
        self.files.upload_status['/full'] = 507
        self.fw.upload('log-2', UP_LOG, self.files.url('/full'))
        self.assertEqual(self.wait_complete('log-2')[1], 9011)
        self.files.upload_auth['/auth'] = ('digest', 'u', 'p')
        self.fw.upload('log-3', UP_LOG, self.files.url('/auth'), 'u', 'wrong')
        self.assertEqual(self.wait_complete('log-3')[1], 9012)


if __name__ == '__main__':
    cwmptest.main()
