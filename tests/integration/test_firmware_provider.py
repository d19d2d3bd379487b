#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Device.DeviceInfo.FirmwareImage.{i}. as dmd serves it from fwupd-bridge with the slot
backend: the rows, Alias and Available, value changes while a firmware download is
installed, the running version in software-version, and the state after the reboot."""

import functools
import http.server
import os
import uuid

import cwmptest
from cwmptest import DMD_SCHEMA_DIR, FWUPD_BRIDGE_SCHEMA_DIR
from http_loopback import LoopbackHTTPServer
from test_firmware_slot import APPLY, REBOOT, openssl, make_image

FI = 'Device.DeviceInfo.FirmwareImage.'
VALUE_CHANGED = "type='signal',interface='io.cwmp.DataModel1',member='ValueChanged'"


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class FirmwareImageTest(cwmptest.CwmpTestCase):
    def setUp(self):
        super().setUp()
        if not os.path.exists(cwmptest.binary('fwupd-bridge', 'fwupd-bridge')):
            self.skipTest('fwupd-bridge is not built')
        self.slots = self.sb.path('slots')
        self.files = self.sb.path('files')
        for d in (os.path.join(self.slots, 'a'), self.files):
            os.makedirs(d)
        self.write(os.path.join(self.slots, 'a', 'version'), '1.0.0\n')
        self.write(os.path.join(self.slots, 'booted'), 'a\n')
        self.boot_id = self.sb.path('boot_id')
        self.write(self.boot_id, str(uuid.uuid4()))
        for name, text in (('apply.sh', APPLY), ('reboot.sh', REBOOT)):
            self.write(self.sb.path(name), text)
            os.chmod(self.sb.path(name), 0o755)
        openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out',
                'vendor.key', cwd=self.sb.root)
        openssl('pkey', '-in', 'vendor.key', '-pubout', '-out', 'vendor.pub', cwd=self.sb.root)
        self.sb.start_dmd(schema_dirs=[DMD_SCHEMA_DIR, FWUPD_BRIDGE_SCHEMA_DIR])
        # FirmwareImage. is a table below dmd's own Device.DeviceInfo.: dmd must take a
        # table as a provider's subtree
        try:
            self.dm.register('/io/cwmp/Test/Probe', [FI])
            self.dm.unregister([FI])
        except Exception as e:
            print('skipped: dmd refuses %s as a provider subtree: %s' % (FI, e))
            self.skipTest('dmd refuses %s as a provider subtree' % FI)
        self.bridge = self.start_bridge()

    def start_bridge(self):
        d = self.sb.start_fwupd_bridge(sections={'Firmware': {
            'Backend': 'slot', 'SlotDirectory': self.slots,
            'PublicKeyFile': self.sb.path('vendor.pub'),
            'ApplyCommand': self.sb.path('apply.sh'),
            'RebootCommand': self.sb.path('reboot.sh')}},
            env={'CWMP_BOOT_ID_FILE': self.boot_id})
        self.sb.wait_provider_online(FI, d.pid)
        return d

    @staticmethod
    def write(path, text):
        with open(path, 'w') as f:
            f.write(text)

    def software_version(self):
        with open(os.path.join(self.bridge.state_dir, 'software-version')) as f:
            return f.read()

    def rows(self):
        values = self.dm.values([FI])
        rows = {}
        for name, value in values.items():
            n, param = name[len(FI):].split('.', 1)
            rows.setdefault(int(n), {})[param] = value
        return rows

    def serve(self):
        handler = functools.partial(Quiet, directory=self.files)
        server = LoopbackHTTPServer(handler).start()
        self.addCleanup(server.stop)
        return server.url('/')

    def test_rows_alias_available_and_software_version(self):
        rows = self.rows()
        self.assertEqual(sorted(rows), [1, 2])
        self.assertEqual(rows[1], {'Alias': 'cpe-1', 'Name': 'a', 'Version': '1.0.0',
                                   'Available': 'true', 'Status': 'Active',
                                   'BootFailureLog': ''})
        self.assertEqual(rows[2], {'Alias': 'cpe-2', 'Name': 'b', 'Version': '',
                                   'Available': 'false', 'Status': 'NoImage',
                                   'BootFailureLog': ''})
        self.assertEqual(self.software_version(), '1.0.0\n')
        with open(os.path.join(self.bridge.state_dir, 'active-firmware-image')) as f:
            self.assertEqual(f.read(), FI + '1\n')
        # the running image cannot be made unavailable; the other one can
        self.assertFault(9003, self.dm.spv, {FI + '1.Available': 'false'}, 'k1',
                         params={FI + '1.Available': 9007})
        self.dm.spv({FI + '1.Alias': 'factory', FI + '1.Available': 'true'}, 'k2')
        self.assertFault(9003, self.dm.spv, {FI + '2.Name': 'x'}, 'k3',
                         params={FI + '2.Name': 9008})
        # both survive a restart of the bridge
        self.bridge.restart()
        self.sb.wait_provider_online(FI, self.bridge.pid)
        self.assertEqual(self.dm.value(FI + '1.Alias'), 'factory')
        self.assertEqual(self.dm.values([FI + '[factory].Version']),
                         {FI + '1.Version': '1.0.0'})

    def test_download_fills_the_other_slot_and_reboot_activates_it(self):
        base = self.serve()
        make_image(os.path.join(self.files, 'fw.img'), '2.0.0', os.urandom(30000),
                   key=self.sb.path('vendor.key'), name='box-2.0.0')
        monitor = self.sb.monitor([VALUE_CHANGED])
        self.sb.firmware.download('fw-1', '1 Firmware Upgrade Image', base + 'fw.img')

        def changed_to(name, value):
            def match(m):
                return [name, value] in [v[::2] for v in m['payload']['data'][0]]
            return match
        self.assertIsNotNone(monitor.wait_for(changed_to(FI + '2.Version', '2.0.0'),
                                              cwmptest.scaled(20)), monitor.collected())
        self.assertTrue(cwmptest.wait_until(
            lambda: os.path.exists(os.path.join(self.slots, 'reboot.requested')),
            cwmptest.scaled(10)))
        # the row being written went through the transfer's states
        statuses = [v[2] for m in monitor.collected() for v in m['payload']['data'][0]
                    if v[0] == FI + '2.Status']
        self.assertEqual(statuses[0], 'Downloading', statuses)
        self.assertIn('Validating', statuses)
        self.assertEqual(statuses[-1], 'Available', statuses)
        rows = self.rows()
        self.assertEqual((rows[2]['Name'], rows[2]['Version'], rows[2]['Status']),
                         ('box-2.0.0', '2.0.0', 'Available'))
        self.assertEqual(rows[1]['Status'], 'Active')
        self.assertEqual(self.software_version(), '1.0.0\n')  # not before the reboot

        # the reboot: a new boot, into slot b
        self.bridge.stop()
        self.write(self.boot_id, str(uuid.uuid4()))
        self.write(os.path.join(self.slots, 'booted'), 'b\n')
        self.bridge.start()
        self.sb.wait_provider_online(FI, self.bridge.pid)
        self.assertTrue(cwmptest.wait_until(lambda: self.software_version() == '2.0.0\n',
                                            cwmptest.scaled(10)))
        rows = self.rows()
        self.assertEqual((rows[2]['Status'], rows[2]['Available']), ('Active', 'true'))
        self.assertEqual(rows[1]['Status'], 'Available')
        with open(os.path.join(self.bridge.state_dir, 'active-firmware-image')) as f:
            self.assertEqual(f.read(), FI + '2\n')


if __name__ == '__main__':
    import unittest
    unittest.main(verbosity=2)
