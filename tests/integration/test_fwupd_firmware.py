#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Firmware through fwupd-bridge and its slot backend, from the ACS's side: a Download of
"1 Firmware Upgrade Image" is reported after the reboot it needs (not before), a corrupt
image is 9018 at once, and a firmware change nobody requested reaches the ACS as an
AutonomousTransferComplete."""

import os
import uuid

import cwmptest
from test_firmware_slot import APPLY, REBOOT, make_image
from test_fwupd_transfers import FwupdTestCase

FIRMWARE = '1 Firmware Upgrade Image'


class FirmwareTest(FwupdTestCase):

    def setUp(self):
        super().setUp()
        root = self.sb.path('box')
        self.slots = os.path.join(root, 'slots')
        os.makedirs(os.path.join(self.slots, 'a'))
        self.write(os.path.join(self.slots, 'a', 'image'), 'factory payload')
        self.write(os.path.join(self.slots, 'a', 'version'), '1.0.0\n')
        self.write(os.path.join(self.slots, 'booted'), 'a\n')
        self.boot_id = os.path.join(root, 'boot_id')
        self.write(self.boot_id, str(uuid.uuid4()))
        self.apply = os.path.join(root, 'apply.sh')
        self.reboot = os.path.join(root, 'reboot.sh')
        self.write(self.apply, APPLY)
        self.write(self.reboot, REBOOT)
        os.chmod(self.apply, 0o755)
        os.chmod(self.reboot, 0o755)
        self.images = os.path.join(root, 'images')
        os.makedirs(self.images)

    @staticmethod
    def write(path, text):
        with open(path, 'w') as f:
            f.write(text)

    def start_box(self):
        self.start_cwmp()
        self.files = self.file_server()
        self.start_bridge()

    def start_bridge(self):
        env = dict(os.environ, CWMP_BOOT_ID_FILE=self.boot_id)
        if 'fwupd-bridge' in self.sb.daemons:
            self.bridge.env = env
            self.bridge.start()
            return
        self.bridge = self.sb.start_fwupd_bridge(env=env, sections={'Firmware': {
            'Backend': 'slot', 'SlotDirectory': self.slots, 'ApplyCommand': self.apply,
            'RebootCommand': self.reboot}})
        self.fw = self.sb.firmware

    def image(self, version, **kw):
        path = make_image(os.path.join(self.images, version), version,
                          ('payload of %s\n' % version).encode() * 1000, **kw)
        with open(path, 'rb') as f:
            return self.files.add('/' + version, f.read())

    def test_reported_after_the_reboot(self):
        self.start_box()
        self.fw.download('fw-2', FIRMWARE, self.image('2.0.0'))
        requested = os.path.join(self.slots, 'reboot.requested')
        self.assertTrue(cwmptest.wait_until(lambda: os.path.exists(requested),
                                            cwmptest.scaled(10)), self.sb.logs())
        # Written, waiting for the reboot: in progress, nothing reported yet.
        self.assertEqual(self.fw.queued(), [('fw-2', 2, True, FIRMWARE, 0, '')])
        self.bridge.restart(kill=True)  # a restart of the daemon alone is no reboot
        self.assertEqual(self.fw.queued()[0][:2], ('fw-2', 2))
        self.assertEqual(self.transfer_completes(), [])
        # The box reboots into the new slot.
        with open(requested) as f:
            slot = f.read().strip()
        self.bridge.kill()
        self.write(self.boot_id, str(uuid.uuid4()))
        self.write(os.path.join(self.slots, 'booted'), slot + '\n')
        self.start_bridge()
        key, code, text, start, done = self.wait_complete('fw-2')
        self.assertEqual((code, text), (0, ''))
        s = [s for s in self.acs.sessions
             if any(m.method == 'TransferComplete' for m in s.cpe_requests)][0]
        self.assertIn(('M Download', 'fw-2'), s.events)
        self.assertEqual(self.fw.queued(), [])
        self.assertEqual(os.listdir(self.sb.path('state', 'fwupd-bridge', 'downloads')), [])

    def test_corrupt_image_is_9018(self):
        self.start_box()
        self.fw.download('bad', FIRMWARE, self.image('3.0.0', corrupt=True))
        key, code, text, _, _ = self.wait_complete('bad')
        self.assertEqual(code, 9018, text)
        self.assertFalse(os.path.exists(os.path.join(self.slots, 'reboot.requested')))

    def test_change_behind_our_back_is_autonomous(self):
        self.start_box()
        self.bridge.stop()
        self.write(os.path.join(self.slots, 'a', 'version'), '1.0.7\n')
        self.start_bridge()

        def atc():
            return [m for s in self.acs.sessions for m in s.cpe_requests
                    if m.method == 'AutonomousTransferComplete']
        self.assertTrue(cwmptest.wait_until(atc, cwmptest.scaled(15)), self.sb.logs())
        m = atc()[0]
        self.assertEqual(m.text('FileType'), FIRMWARE)
        self.assertEqual(m.text('TargetFileName'), '1.0.7')
        self.assertEqual(m.text('FaultCode', m.child('FaultStruct')), '0')
        self.bridge.restart(kill=True)
        self.acs.wait_idle(cwmptest.scaled(10))
        self.assertEqual(len(atc()), 1)


if __name__ == '__main__':
    cwmptest.main()
