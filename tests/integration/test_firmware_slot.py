#!/usr/bin/python3
"""fwupd-bridge's slot backend: A/B slot directories, signed images, apply and reboot
commands, the boot check after the reboot and the fallback to the old slot."""
import base64
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

import cwmptest

TOOL = 'test-firmware-backend'

APPLY = """#!/bin/sh
# stands in for the boot loader update: the next boot tries $FIRMWARE_SLOT once
echo "$FIRMWARE_SLOT $FIRMWARE_VERSION $FIRMWARE_PREVIOUS_SLOT $1" >> "$FIRMWARE_SLOT_DIR/apply.log"
touch "$FIRMWARE_SLOT_DIR/apply.started"
if [ -e "$FIRMWARE_SLOT_DIR/apply.hang" ]; then sleep 60; fi
if [ -e "$FIRMWARE_SLOT_DIR/apply.fail" ]; then exit 3; fi
echo "$FIRMWARE_SLOT" > "$FIRMWARE_SLOT_DIR/next"
"""

REBOOT = """#!/bin/sh
echo "$FIRMWARE_SLOT" > "$FIRMWARE_SLOT_DIR/reboot.requested"
"""


def openssl(*args, cwd):
    subprocess.run(('openssl',) + args, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def make_image(path, version, payload, key=None, name=None, corrupt=False, truncate=False):
    """Writes an image in the slot backend's format (docs/firmware.md)."""
    header = 'CWMP-FIRMWARE 1\nversion=%s\n' % version
    if name:
        header += 'name=%s\n' % name
    header += 'size=%d\nsha256=%s\n' % (len(payload), hashlib.sha256(payload).hexdigest())
    header = header.encode()
    if key:
        d = os.path.dirname(path)
        with open(os.path.join(d, 'manifest'), 'wb') as f:
            f.write(header)
        openssl('dgst', '-sha256', '-sign', key, '-out', 'manifest.sig', 'manifest', cwd=d)
        with open(os.path.join(d, 'manifest.sig'), 'rb') as f:
            header += b'signature=' + base64.b64encode(f.read()) + b'\n'
    body = bytearray(payload)
    if corrupt:
        body[len(body) // 2] ^= 0x5a
    if truncate:
        body = body[:len(body) // 2]
    with open(path, 'wb') as f:
        f.write(header + b'\n' + bytes(body))
    return path


class SlotBackendTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tool = cwmptest.binary('tests', 'providers', TOOL)
        if not os.path.exists(cls.tool):
            print('skipped: %s is not built' % TOOL)
            raise unittest.SkipTest('%s is not built' % TOOL)
        cls.keys = tempfile.mkdtemp(prefix='fw-keys-', dir='/tmp')
        for name in ('vendor', 'other'):
            openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256',
                    '-out', name + '.key', cwd=cls.keys)
            openssl('pkey', '-in', name + '.key', '-pubout', '-out', name + '.pub',
                    cwd=cls.keys)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.keys, ignore_errors=True)

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix='fw-slot-', dir='/tmp')
        self.slots = os.path.join(self.root, 'slots')
        self.state = os.path.join(self.root, 'state')
        self.work = os.path.join(self.root, 'work')
        for d in (self.slots, os.path.join(self.slots, 'a'), self.state, self.work):
            os.makedirs(d, exist_ok=True)
        # the factory image in slot a, booted
        self.write(os.path.join(self.slots, 'a', 'image'), 'factory payload')
        self.write(os.path.join(self.slots, 'a', 'version'), '1.0.0\n')
        self.write(os.path.join(self.slots, 'booted'), 'a\n')
        self.boot_id = os.path.join(self.root, 'boot_id')
        self.write(self.boot_id, str(uuid.uuid4()))
        self.apply = os.path.join(self.root, 'apply.sh')
        self.reboot = os.path.join(self.root, 'reboot.sh')
        self.write(self.apply, APPLY)
        self.write(self.reboot, REBOOT)
        os.chmod(self.apply, 0o755)
        os.chmod(self.reboot, 0o755)
        self.mounts = []

    def tearDown(self):
        for m in self.mounts:
            subprocess.run(['umount', '-l', m], stderr=subprocess.DEVNULL)
        shutil.rmtree(self.root, ignore_errors=True)

    @staticmethod
    def write(path, text):
        with open(path, 'w') as f:
            f.write(text)

    @staticmethod
    def read(path):
        with open(path) as f:
            return f.read()

    def argv(self, *command, key='vendor'):
        argv = [self.tool, '--kind', 'slot', '--state-dir', self.state, '--slot-dir',
                self.slots, '--apply-command', self.apply, '--reboot-command', self.reboot]
        if key:
            argv += ['--public-key', os.path.join(self.keys, key + '.pub')]
        return argv + list(command)

    def env(self):
        env = dict(os.environ, CWMP_BOOT_ID_FILE=self.boot_id)
        env.update(cwmptest.sanitizer_env())
        return env

    def run_tool(self, *command, key='vendor'):
        p = subprocess.run(self.argv(*command, key=key), env=self.env(), capture_output=True,
                           text=True, timeout=cwmptest.scaled(30))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        for pattern in cwmptest.SANITIZER_PATTERNS:
            self.assertNotIn(pattern, p.stderr)
        return p.stdout.splitlines()

    def result(self, lines, prefix='result'):
        line = next(l for l in lines if l.startswith(prefix + ' '))
        _, code, reboot, *message = line.split(' ')
        return int(code), reboot == 'reboot=1', ' '.join(message)

    def images(self, lines=None):
        lines = lines if lines is not None else self.run_tool('images')
        rows = {}
        running = None
        for l in lines:
            if l.startswith('image '):
                fields = dict(f.split('=', 1) for f in l.split(' ')[2:] if '=' in f)
                # the log may hold blanks: it is the rest of the line
                fields['log'] = l.split(' log=', 1)[1]
                rows['ab'[int(l.split()[1]) - 1]] = fields  # slot a is row 1, b row 2
            if l.startswith('running '):
                running = l.split(' ', 1)[1]
        return rows, running

    def image(self, version, **kw):
        path = os.path.join(self.work, 'fw-%s.img' % version)
        if 'key' not in kw:
            kw['key'] = os.path.join(self.keys, 'vendor.key')
        return make_image(path, version, os.urandom(kw.pop('size', 20000)), **kw)

    def reboot_into(self, slot, failure_log=None):
        """The box restarts: a new boot id, and the boot loader brings up `slot`."""
        self.write(self.boot_id, str(uuid.uuid4()))
        self.write(os.path.join(self.slots, 'booted'), slot + '\n')
        if failure_log:
            self.write(os.path.join(self.slots, 'boot-failure.log'), failure_log)

    def install_good(self, version='2.0.0'):
        code, reboot, message = self.result(self.run_tool('install', self.image(version)))
        self.assertEqual((code, reboot), (0, True), message)
        return version

    # ---------------------------------------------------------------------------------

    def test_good_image_boots_into_the_other_slot(self):
        rows, running = self.images()
        self.assertEqual(running, '1.0.0')
        self.assertEqual(rows['a']['status'], 'Active')
        self.assertEqual(rows['b']['status'], 'NoImage')

        img = self.image('2.0.0', name='box-2.0.0')
        code, reboot, message = self.result(self.run_tool('install', img))
        self.assertEqual((code, reboot), (0, True), message)
        # the apply command got the inactive slot and its image; then the reboot ran
        applied = self.read(os.path.join(self.slots, 'apply.log')).split()
        self.assertEqual(applied, ['b', '2.0.0', 'a', os.path.join(self.slots, 'b', 'image')])
        self.assertTrue(cwmptest.wait_until(
            lambda: os.path.exists(os.path.join(self.slots, 'reboot.requested')), 5))
        with open(img, 'rb') as f:
            payload = f.read().split(b'\n\n', 1)[1]
        with open(os.path.join(self.slots, 'b', 'image'), 'rb') as f:
            self.assertEqual(f.read(), payload)
        rows, running = self.images()
        self.assertEqual(running, '1.0.0')  # not before the reboot
        self.assertEqual((rows['b']['status'], rows['b']['version'], rows['b']['name']),
                         ('Available', '2.0.0', 'box-2.0.0'))
        # a restart of the daemon alone is no reboot: nothing to report yet
        self.assertIn('boot-check none', self.run_tool('boot-check'))

        self.reboot_into(self.read(os.path.join(self.slots, 'next')).strip())
        lines = self.run_tool('boot-check')
        self.assertEqual(self.result(lines, 'boot-check')[0], 0, lines)
        rows, running = self.images(lines)
        self.assertEqual(running, '2.0.0')
        self.assertEqual((rows['b']['status'], rows['b']['active']), ('Active', '1'))
        self.assertEqual((rows['a']['status'], rows['a']['active']), ('Available', '0'))
        self.assertEqual(self.read(os.path.join(self.slots, 'active')).strip(), 'b')
        # reported once
        self.assertIn('boot-check none', self.run_tool('boot-check'))
        # and the next install goes to slot a
        self.install_good('3.0.0')
        self.assertTrue(self.read(os.path.join(self.slots, 'apply.log')).splitlines()[-1]
                        .startswith('a 3.0.0 b '))

    def test_corrupt_image_is_9018(self):
        for kw in ({'corrupt': True}, {'truncate': True}):
            code, reboot, message = self.result(self.run_tool(
                'install', self.image('2.0.0', **kw)))
            self.assertEqual(code, 9018, message)
            self.assertFalse(reboot)
        junk = os.path.join(self.work, 'junk.img')
        self.write(junk, 'this is not a firmware image\n\n')
        self.assertEqual(self.result(self.run_tool('install', junk))[0], 9018)
        self.assertFalse(os.path.exists(os.path.join(self.slots, 'apply.log')))
        rows, running = self.images()
        self.assertEqual(running, '1.0.0')
        self.assertEqual(rows['b']['status'], 'ValidationFailed')
        self.assertEqual(rows['b']['available'], '0')
        self.assertFalse(os.path.exists(os.path.join(self.slots, 'b', 'image')))
        self.assertFalse(os.path.exists(os.path.join(self.slots, 'b', 'image.new')))
        self.assertIn('boot-check none', self.run_tool('boot-check'))

    def test_bad_or_missing_signature_is_9019(self):
        other = self.image('2.0.0', key=os.path.join(self.keys, 'other.key'))
        code, _, message = self.result(self.run_tool('install', other))
        self.assertEqual(code, 9019, message)
        self.assertIn('signature', message)
        unsigned = self.image('2.0.1', key=None)
        code, _, message = self.result(self.run_tool('install', unsigned))
        self.assertEqual(code, 9019, message)
        self.assertIn('not signed', message)
        # a manifest changed after signing
        good = self.image('2.0.2')
        with open(good, 'rb') as f:
            data = f.read()
        with open(good, 'wb') as f:
            f.write(data.replace(b'version=2.0.2', b'version=9.0.2'))
        self.assertEqual(self.result(self.run_tool('install', good))[0], 9019)
        self.assertFalse(os.path.exists(os.path.join(self.slots, 'apply.log')))
        # without a configured key, signatures are not required
        code, _, message = self.result(self.run_tool('install', unsigned, key=None))
        self.assertEqual(code, 0, message)

    def test_full_disk_is_9010_and_leaves_nothing_active(self):
        small = os.path.join(self.slots, 'b')
        os.makedirs(small, exist_ok=True)
        r = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small],
                           capture_output=True, text=True)
        if r.returncode != 0:
            self.skipTest('cannot mount a small tmpfs: ' + r.stderr.strip())
        self.mounts.append(small)
        code, reboot, message = self.result(self.run_tool(
            'install', self.image('2.0.0', size=200000)))
        self.assertEqual(code, 9010, message)
        self.assertIn('Not enough space', message)
        self.assertFalse(reboot)
        self.assertEqual(os.listdir(small), ['info'])  # no partial image left behind
        rows, running = self.images()
        self.assertEqual(running, '1.0.0')
        self.assertEqual(rows['b']['status'], 'InstallationFailed')
        self.assertEqual(rows['a']['status'], 'Active')
        self.assertFalse(os.path.exists(os.path.join(self.slots, 'apply.log')))
        # a smaller image fits
        self.install_good('2.0.1')

    def test_reboot_during_apply_reports_interrupted(self):
        self.write(os.path.join(self.slots, 'apply.hang'), '')
        p = subprocess.Popen(self.argv('install', self.image('2.0.0')), env=self.env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        try:
            self.assertTrue(cwmptest.wait_until(
                lambda: os.path.exists(os.path.join(self.slots, 'apply.started')), 20))
        finally:
            os.killpg(p.pid, signal.SIGKILL)  # power loss: the daemon and the apply command
            p.communicate()
        os.unlink(os.path.join(self.slots, 'apply.hang'))
        self.reboot_into('a')
        lines = self.run_tool('boot-check')
        code, _, message = self.result(lines, 'boot-check')
        self.assertEqual(code, 9010, lines)
        self.assertIn('interrupted', message)
        rows, running = self.images(lines)
        self.assertEqual(running, '1.0.0')
        self.assertEqual(rows['b']['status'], 'InstallationFailed')
        self.assertEqual(rows['a']['status'], 'Active')
        self.assertIn('boot-check none', self.run_tool('boot-check'))
        # the slot can be written again
        self.install_good('2.0.1')

    def test_install_waits_for_an_apply_command_left_running(self):
        # the daemon alone is killed during the apply command, which goes on
        self.write(os.path.join(self.slots, 'apply.hang'), '')
        # (no pipes: the command left running would hold them open)
        p = subprocess.Popen(self.argv('install', self.image('2.0.0')), env=self.env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        try:
            self.assertTrue(cwmptest.wait_until(
                lambda: os.path.exists(os.path.join(self.slots, 'apply.started')), 20))
            p.kill()
            p.wait()
            # the job's retry must not write the slot under the running command
            r = subprocess.run(self.argv('install', self.image('2.0.1')), env=self.env(),
                               capture_output=True, text=True, timeout=cwmptest.scaled(30))
            self.assertIn('install-error Device or resource busy', r.stdout, r.stderr)
            self.assertFalse(os.path.exists(os.path.join(self.slots, 'b', 'version')))
        finally:
            os.killpg(p.pid, signal.SIGKILL)
            os.unlink(os.path.join(self.slots, 'apply.hang'))
        # once it is gone, the slot can be written
        img = self.image('2.0.2')

        def installed():
            r = subprocess.run(self.argv('install', img), env=self.env(), capture_output=True,
                               text=True, timeout=cwmptest.scaled(30))
            return r.stdout.startswith('result 0 reboot=1')
        self.assertTrue(cwmptest.wait_until(installed, 10, 0.2))
        self.assertEqual(self.read(os.path.join(self.slots, 'b', 'version')).strip(), '2.0.2')

    def test_failed_apply_command_is_9010(self):
        self.write(os.path.join(self.slots, 'apply.fail'), '')
        code, reboot, message = self.result(self.run_tool('install', self.image('2.0.0')))
        self.assertEqual((code, reboot), (9010, False))
        self.assertIn('apply command failed', message)
        self.assertFalse(os.path.exists(os.path.join(self.slots, 'reboot.requested')))
        rows, _ = self.images()
        self.assertEqual(rows['b']['status'], 'InstallationFailed')

    def test_failed_boot_falls_back_with_log(self):
        self.install_good('2.0.0')
        # the new slot did not come up; the boot counter ran out and the loader went back
        self.reboot_into('a', failure_log='slot b: kernel panic - not syncing\nboot count 0\n')
        lines = self.run_tool('boot-check')
        code, _, message = self.result(lines, 'boot-check')
        self.assertEqual(code, 9010, lines)
        self.assertIn('did not boot', message)
        rows, running = self.images(lines)
        self.assertEqual(running, '1.0.0')
        self.assertEqual(rows['b']['status'], 'ActivationFailed')
        self.assertEqual(rows['b']['available'], '0')
        self.assertEqual(rows['b']['version'], '2.0.0')
        self.assertIn('kernel panic', rows['b']['log'])
        self.assertEqual(rows['a']['status'], 'Active')
        self.assertEqual(self.read(os.path.join(self.slots, 'active')).strip(), 'a')
        self.assertIn('boot-check none', self.run_tool('boot-check'))

    def test_version_changed_behind_our_back_is_autonomous(self):
        self.assertNotIn('autonomous', ' '.join(self.run_tool('watch', '0')))
        self.write(os.path.join(self.slots, 'a', 'version'), '1.0.7\n')
        lines = self.run_tool('watch', '0')
        self.assertTrue(any(l.startswith('autonomous 1.0.7 0') for l in lines), lines)
        self.assertNotIn('autonomous', ' '.join(self.run_tool('watch', '0')))


if __name__ == '__main__':
    unittest.main(verbosity=2)
