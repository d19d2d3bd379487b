#!/usr/bin/python3
"""fwupd-bridge's fwupd backend against the real fwupd daemon and its test plugin's fake
device, on a private bus: installs, refusals mapped to TR-069 faults, a reboot that did
not bring the new version, and an update someone else made."""
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

import cwmptest
import fwupdtest

TOOL = 'test-firmware-backend'


class FwupdBackendTest(unittest.TestCase):
    only_trusted = False

    @classmethod
    def setUpClass(cls):
        cls.tool = cwmptest.binary('tests', 'providers', TOOL)
        if not os.path.exists(cls.tool):
            print('skipped: %s is not built' % TOOL)
            raise unittest.SkipTest('%s is not built' % TOOL)
        missing = fwupdtest.missing_tools(signed=cls.only_trusted)
        if missing:
            print('skipped: needs %s' % ', '.join(missing))
            raise unittest.SkipTest('needs ' + ', '.join(missing))

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix='fw-fwupd-', dir='/tmp')
        self.state = os.path.join(self.root, 'state')
        self.boot_id = os.path.join(self.root, 'boot_id')
        with open(self.boot_id, 'w') as f:
            f.write(str(uuid.uuid4()))
        self.fw = fwupdtest.Fwupd(os.path.join(self.root, 'fwupd'),
                                  only_trusted=self.only_trusted,
                                  test_config=self.fwupd_config())
        try:
            self.fw.start()
        except BaseException:
            print(self.fw.log_tail())
            self.fw.stop()
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    def tearDown(self):
        self.fw.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def fwupd_config(self):
        return {}

    def argv(self, *command, device=fwupdtest.TEST_DEVICE):
        argv = [self.tool, '--kind', 'fwupd', '--state-dir', self.state]
        if device:
            argv += ['--device-id', device]
        return argv + list(command)

    def env(self):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.fw.address,
                   CWMP_BOOT_ID_FILE=self.boot_id)
        env.update(cwmptest.sanitizer_env())
        return env

    def run_tool(self, *command, device=fwupdtest.TEST_DEVICE):
        p = subprocess.run(self.argv(*command, device=device), env=self.env(),
                           capture_output=True, text=True, timeout=cwmptest.scaled(60))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        for pattern in cwmptest.SANITIZER_PATTERNS:
            self.assertNotIn(pattern, p.stderr)
        return p.stdout.splitlines()

    def result(self, lines, prefix='result'):
        matching = [l for l in lines if l.startswith(prefix + ' ')]
        self.assertTrue(matching, lines)
        _, code, reboot, *message = matching[0].split(' ')
        return int(code), reboot == 'reboot=1', ' '.join(message)

    def install(self, cab):
        return self.result(self.run_tool('install', cab))

    def cab(self, version, **kw):
        return self.fw.make_cab(version, os.path.join(self.root, 'fw-%s.cab' % version), **kw)


class InstallTest(FwupdBackendTest):
    def test_install_changes_the_device_version(self):
        self.assertEqual(self.fw.device_version(), '1.2.2')
        lines = self.run_tool('images')
        self.assertIn('running 1.2.2', lines)
        self.assertTrue(any(l.startswith('image 1 active=1 available=1 status=Active') and
                            l.endswith('version=1.2.2 log=') for l in lines), lines)

        code, reboot, message = self.install(self.cab('1.2.5'))
        self.assertEqual((code, reboot), (0, False), message)
        self.assertEqual(self.fw.device_version(), '1.2.5')
        self.assertIn('running 1.2.5', self.run_tool('images'))
        # fwupd recorded the install as a success
        rc, out = self.fw.call('GetResults', fwupdtest.TEST_DEVICE)
        self.assertIn("'UpdateState': <uint32 2>", out)
        # the same version again is what the ACS asked for: success, nothing flashed
        self.assertEqual(self.install(self.cab('1.2.5'))[0], 0)
        # an older one is a rollback the ACS may order
        self.assertEqual(self.install(self.cab('1.2.1'))[0], 0)
        self.assertEqual(self.fw.device_version(), '1.2.1')
        # without a configured device, the first updatable one (not the CPU fwupd lists)
        self.assertIn('running 1.2.1', self.run_tool('images', device=None))
        # a device fwupd does not know: no image, no running version
        lines = self.run_tool('images', device='0' * 40)
        self.assertEqual(lines, ['running -'])
        # our own installs are not reported as someone else's
        self.assertFalse(any(l.startswith('autonomous') for l in self.run_tool('watch', '0')))

    def test_write_failure_is_9010(self):
        self.fw.modify_config('test', 'WriteSupported', 'false')
        code, reboot, message = self.install(self.cab('1.2.5'))
        self.assertEqual((code, reboot), (9010, False))
        self.assertIn('not in supported mode', message)
        self.assertEqual(self.fw.device_version(), '1.2.2')
        # the image row tells, also to a later run
        self.assertIn('status=InstallationFailed', ' '.join(self.run_tool('images')))
        # fwupd keeps that failure in its history: an install of the version the device
        # already runs is still a success, and a later one works
        self.fw.modify_config('test', 'WriteSupported', 'true')
        self.assertEqual(self.install(self.cab('1.2.2'))[0], 0)
        self.assertEqual(self.install(self.cab('1.2.5'))[0], 0)
        self.assertEqual(self.fw.device_version(), '1.2.5')
        self.assertIn('status=Active', ' '.join(self.run_tool('images')))

    def test_invalid_cabinet_is_9018(self):
        junk = os.path.join(self.root, 'junk.cab')
        with open(junk, 'wb') as f:
            f.write(os.urandom(4096))
        code, _, message = self.install(junk)
        self.assertEqual(code, 9018, message)
        self.assertEqual(self.fw.device_version(), '1.2.2')

    def test_image_for_another_device_is_9010(self):
        other = self.cab('1.2.5', guid='00000000-003e-5270-89d5-3705a17f9a43')
        code, _, message = self.install(other)
        self.assertEqual(code, 9010, message)
        self.assertIn('fits no device', message)

    def test_update_by_someone_else_is_autonomous(self):
        p = subprocess.Popen(self.argv('watch', '%d' % cwmptest.scaled(20)), env=self.env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertEqual(p.stdout.readline().strip(), 'watching')
            rc, out = self.fw.install(self.cab('1.2.6'))  # fwupdmgr, in effect
            self.assertEqual(rc, 0, out)
            ready, _, _ = select.select([p.stdout], [], [], cwmptest.scaled(10))
            self.assertTrue(ready, 'no autonomous report')
            self.assertEqual(p.stdout.readline().split()[:3], ['autonomous', '1.2.6', '0'])
        finally:
            p.terminate()
            p.communicate()
        # and a change made while the bridge was not running is noticed at its start
        rc, out = self.fw.install(self.cab('1.2.7'))
        self.assertEqual(rc, 0, out)
        lines = self.run_tool('watch', '0')
        self.assertTrue(any(l.startswith('autonomous 1.2.7 0') for l in lines), lines)
        self.assertFalse(any(l.startswith('autonomous') for l in self.run_tool('watch', '0')))

    def test_fwupd_not_running_is_9010(self):
        self.fw.stop_fwupd()
        code, _, message = self.install(self.cab('1.2.5'))
        self.assertEqual(code, 9010, message)


class RebootTest(FwupdBackendTest):
    def fwupd_config(self):
        return {'NeedsReboot': 'true'}

    def test_needs_reboot_then_boot_check(self):
        code, reboot, message = self.install(self.cab('1.2.5'))
        self.assertEqual((code, reboot), (0, True), message)
        # no reboot yet: nothing to report
        self.assertIn('boot-check none', self.run_tool('boot-check'))
        # the box restarts; the fake device comes back with its old version
        with open(self.boot_id, 'w') as f:
            f.write(str(uuid.uuid4()))
        self.fw.stop_fwupd()
        self.fw.start_fwupd()
        lines = self.run_tool('boot-check')
        code, _, message = self.result(lines, 'boot-check')
        self.assertEqual(code, 9010, lines)
        self.assertIn('runs firmware 1.2.2, not 1.2.5', message)
        lines = self.run_tool('boot-check')
        self.assertIn('boot-check none', lines)
        row = next(l for l in lines if l.startswith('image 1 '))
        self.assertIn('status=ActivationFailed', row)
        self.assertIn('log=After the reboot', row)


class InterruptedTest(FwupdBackendTest):
    def fwupd_config(self):
        return {'WriteDelay': '1500'}  # a slow flash

    def test_bridge_killed_during_install(self):
        self.run_tool('images')  # the version before: 1.2.2
        cab = self.cab('1.2.5')
        p = subprocess.Popen(self.argv('install', cab), env=self.env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)  # fwupd is writing
        p.kill()
        p.communicate()
        # fwupd finishes on its own; the restarted bridge does not take the new version for
        # someone else's, and installing the same image again (the job's retry) succeeds
        lines = self.run_tool('watch', '0')
        self.assertFalse(any(l.startswith('autonomous') for l in lines), lines)
        self.assertEqual(self.fw.device_version(), '1.2.5')
        self.assertEqual(self.install(cab)[0], 0)
        self.assertFalse(any(l.startswith('autonomous') for l in self.run_tool('watch', '0')))

    def test_install_before_fwupd_answered(self):
        # the install starts before the device list came: its outcome waits for the flash
        lines = self.run_tool('install-now', self.cab('1.2.5'))
        code, _, message = self.result(lines)
        self.assertEqual(code, 0, message)
        self.assertIn('running 1.2.5', lines)
        self.assertEqual(self.fw.device_version(), '1.2.5')
        self.assertIn('running 1.2.5', self.run_tool('images'))


class SignedTest(FwupdBackendTest):
    only_trusted = True

    def test_untrusted_signature_is_9019(self):
        code, _, message = self.install(self.cab('1.2.7'))  # unsigned
        self.assertEqual(code, 9019, message)
        self.assertEqual(self.fw.device_version(), '1.2.2')
        code, _, message = self.install(self.cab('1.2.8', sign=True))
        self.assertEqual(code, 0, message)
        self.assertEqual(self.fw.device_version(), '1.2.8')


if __name__ == '__main__':
    unittest.main(verbosity=2)
