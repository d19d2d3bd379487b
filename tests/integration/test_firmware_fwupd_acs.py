#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Firmware from the ACS to a device fwupd updates: the ACS's Download RPC goes through
cwmpd to fwupd-bridge, whose fwupd backend installs the cabinet with the real fwupd daemon
(its test plugin's fake device, on the test bus); the ACS hears the outcome in
TransferComplete."""

import os

import dbus

import cwmptest
import fwupdtest
from cwmptest import FWUPD_BRIDGE_SCHEMA_DIR
from test_fwupd_transfers import FwupdTestCase

FIRMWARE = '1 Firmware Upgrade Image'
FI = 'Device.DeviceInfo.FirmwareImage.'


class FwupdDownloadTest(FwupdTestCase):

    def setUp(self):
        super().setUp()
        missing = fwupdtest.missing_tools()
        if missing:
            print('skipped: needs %s' % ', '.join(missing))
            self.skipTest('needs ' + ', '.join(missing))
        self.start_cwmp(extra_schema_dirs=[FWUPD_BRIDGE_SCHEMA_DIR])
        self.files = self.file_server()
        self.fwupd = fwupdtest.Fwupd(self.sb.path('fwupd'), bus_address=self.sb.bus.address)
        self.addCleanup(self.fwupd.stop)
        try:
            self.fwupd.start()
        except BaseException:
            print(self.fwupd.log_tail())
            raise
        self.bridge = self.sb.start_fwupd_bridge(sections={'Firmware': {
            'Backend': 'fwupd', 'FwupdDeviceId': fwupdtest.TEST_DEVICE}})
        self.fw = self.sb.firmware

    def cab(self, version):
        path = self.fwupd.make_cab(version, self.sb.path('fwupd', 'cab', version + '.cab'))
        with open(path, 'rb') as f:
            return self.files.add('/%s.cab' % version, f.read())

    def download(self, key, url):
        s = self.run_session([self.A.download(key, FIRMWARE, url)])
        self.assertSessionOk(s)
        self.assertEqual(s.responses[0].method, 'DownloadResponse')
        self.assertEqual(s.responses[0].int_field('Status'), 1)  # completes later

    def test_download_installs_through_fwupd(self):
        self.assertEqual(self.fwupd.device_version(), '1.2.2')
        self.download('fw-1', self.cab('1.2.5'))
        key, code, text, start, done = self.wait_complete('fw-1', timeout=30)
        self.assertEqual((code, text), (0, ''))
        self.assertEqual(self.fwupd.device_version(), '1.2.5')
        self.assertEqual(self.fw.queued(), [])
        with open(os.path.join(self.bridge.state_dir, 'software-version')) as f:
            self.assertEqual(f.read(), '1.2.5\n')

    def test_firmware_image_row_follows_the_device(self):
        if not cwmptest.wait_until(lambda: self.sb.provider_online(FI, self.bridge.pid),
                                   cwmptest.scaled(3)):
            print('skipped: dmd did not take %s from fwupd-bridge (a table as a provider '
                  'subtree)' % FI)
            self.skipTest('dmd did not take %s from fwupd-bridge' % FI)
        # The row appears once fwupd has answered the bridge's first GetDevices.
        names = [FI + '1.Version', FI + '1.Status', FI + '1.Available']

        def row():
            try:
                return self.dm.values(names)
            except dbus.exceptions.DBusException:
                return None
        self.assertTrue(cwmptest.wait_until(row, cwmptest.scaled(10)), self.sb.logs())
        self.assertEqual(self.dm.values(names),
                         {FI + '1.Version': '1.2.2', FI + '1.Status': 'Active',
                          FI + '1.Available': 'true'})
        self.download('fw-2', self.cab('1.2.7'))
        self.assertEqual(self.wait_complete('fw-2', timeout=30)[1], 0)
        self.assertEqual(self.dm.value(FI + '1.Version'), '1.2.7')
        with open(os.path.join(self.bridge.state_dir, 'active-firmware-image')) as f:
            self.assertEqual(f.read(), FI + '1\n')

    def test_invalid_cabinet_and_write_failure(self):
        self.download('junk', self.files.add('/junk.cab', os.urandom(2048)))
        self.assertEqual(self.wait_complete('junk', timeout=30)[1], 9018)
        self.fwupd.modify_config('test', 'WriteSupported', 'false')
        self.download('nowrite', self.cab('1.2.6'))
        key, code, text, _, _ = self.wait_complete('nowrite', timeout=30)
        self.assertEqual(code, 9010, text)
        self.assertEqual(self.fwupd.device_version(), '1.2.2')


if __name__ == '__main__':
    cwmptest.main()
