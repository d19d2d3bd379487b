#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""cwmpctl without dmd: help, usage errors (exit 2) and an unreachable dmd (exit 3).

These need no daemon of the project: a private dbus-daemon at most, on which nobody owns
io.cwmp.DataModel, or owns it and never answers."""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

import dbus

BUILD_DIR = os.environ.get('CWMP_BUILD_DIR') or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'build')
CWMPCTL = os.path.join(BUILD_DIR, 'tools', 'cwmpctl')
TIMEOUT_SCALE = float(os.environ.get('CWMP_TIMEOUT_SCALE', '1'))

COMMANDS = ('get', 'set', 'names', 'attrs', 'add', 'del', 'providers')

BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:dir=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*"/>
    <allow receive_type="*"/>
  </policy>
</busconfig>
'''

# Argument lists that are wrong whatever the data model holds.
USAGE_ERRORS = [
    [],
    ['frobnicate'],
    ['--bogus', 'get', 'Device.'],
    ['--timeout', '0', 'get', 'Device.'],
    ['--timeout', 'soon', 'get', 'Device.'],
    ['--timeout', '-1', 'get', 'Device.'],
    ['--address', '', 'get', 'Device.'],
    ['get'],
    ['get', '--bogus', 'Device.'],
    ['get', '-t', '-v', 'Device.'],
    ['set'],
    ['set', 'Device.X.Name'],
    ['set', '=value'],
    ['set', 'Device.X.Name:=value'],
    ['set', '-k'],
    ['names', 'Device.A.', 'Device.B.'],
    ['attrs'],
    ['attrs', '--notification', '1'],
    ['attrs', '--access', 'Subscriber'],
    ['attrs', '--set', 'Device.X.Name'],
    ['attrs', '--set', 'Device.X.Name', '--notification', '3'],
    ['attrs', '--set', 'Device.X.Name', '--notification', '1x'],
    ['attrs', '--set', 'Device.X.Name', '--access', 'a,,b'],
    ['attrs', '--set', 'Device.X.Name', '--notification', '1', 'Device.X.Other'],
    ['add'],
    ['add', 'Device.X.Item'],
    ['add', 'Device.X.Item.', 'Device.X.Other.'],
    ['del'],
    ['del', 'Device.X.Item.1'],
    ['providers', 'extra'],
]


def run(args, env_bus=None, timeout=30):
    env = dict(os.environ)
    env.pop('DBUS_SYSTEM_BUS_ADDRESS', None)
    if env_bus is not None:
        env['DBUS_SYSTEM_BUS_ADDRESS'] = env_bus
    return subprocess.run([CWMPCTL] + list(args), capture_output=True, text=True, env=env,
                          timeout=timeout * TIMEOUT_SCALE)


class PrivateBus:
    """A dbus-daemon of our own, with a socket in a temporary directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='cwmpctl-usage-')
        config = os.path.join(self.dir, 'bus.conf')
        with open(config, 'w') as f:
            f.write(BUS_CONFIG % self.dir)
        self.proc = subprocess.Popen(['dbus-daemon', '--config-file=' + config, '--nofork',
                                      '--print-address=1'],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        self.address = self.proc.stdout.readline().strip()
        if not self.address:
            self.close()
            raise RuntimeError('dbus-daemon did not start')

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class CwmpctlTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not os.access(CWMPCTL, os.X_OK):
            raise AssertionError('%s is not built (CWMP_BUILD_DIR=%s)' % (CWMPCTL, BUILD_DIR))

    def assertExit(self, r, code, args):
        self.assertEqual(r.returncode, code, 'cwmpctl %r\nstdout: %s\nstderr: %s' %
                         (args, r.stdout, r.stderr))


class CwmpctlUsageTest(CwmpctlTestCase):

    def test_help(self):
        r = run(['--help'])
        self.assertExit(r, 0, ['--help'])
        self.assertEqual(r.stderr, '')
        self.assertTrue(r.stdout.startswith('Usage: cwmpctl '), r.stdout)
        for command in COMMANDS:
            self.assertRegex(r.stdout, r'\n  %s\b' % command)
        # The exit codes scripts rely on are documented where a user looks first.
        for line in ('0  success', '1  the data model refused', '2  usage error',
                     '3  dmd unreachable'):
            self.assertIn(line, r.stdout)

    def test_command_help(self):
        for command in COMMANDS:
            for flag in ('--help', '-h'):
                with self.subTest(command=command, flag=flag):
                    # Help needs no bus: point the system bus nowhere.
                    r = run([command, flag], env_bus='unix:path=/nonexistent/socket')
                    self.assertExit(r, 0, [command, flag])
                    self.assertTrue(r.stdout.startswith('Usage: cwmpctl %s' % command),
                                    r.stdout)
                    self.assertIn('Exit status:', r.stdout)
                    self.assertEqual(r.stderr, '')

    def test_version(self):
        r = run(['--version'])
        self.assertExit(r, 0, ['--version'])
        self.assertRegex(r.stdout, r'^cwmpctl \d+\.\d+\.\d+\n$')

    def test_usage_errors(self):
        # Checked before any connection: a usage error is exit 2 even with no bus at all.
        for args in USAGE_ERRORS:
            with self.subTest(args=args):
                r = run(args, env_bus='unix:path=/nonexistent/socket')
                self.assertExit(r, 2, args)
                self.assertEqual(r.stdout, '')
                self.assertRegex(r.stderr, r'^cwmpctl')
                self.assertIn('--help', r.stderr)

    def test_no_bus(self):
        r = run(['get', 'Device.'], env_bus='unix:path=/nonexistent/socket')
        self.assertExit(r, 3, ['get'])
        self.assertEqual(r.stdout, '')
        self.assertIn('/nonexistent/socket', r.stderr)
        r = run(['--address', 'unix:path=/nonexistent/socket', 'names'])
        self.assertExit(r, 3, ['names'])
        self.assertEqual(r.stdout, '')


class CwmpctlUnreachableTest(CwmpctlTestCase):
    """A bus without dmd, and a dmd that never answers."""

    def setUp(self):
        self.bus = PrivateBus()
        self.addCleanup(self.bus.close)

    def test_name_not_owned(self):
        for args in (['get', 'Device.'], ['set', 'Device.X.Name=x'],
                     ['set', '-k', 'key', 'Device.X.Name=x'], ['names'], ['names', '-n'],
                     ['attrs', 'Device.X.Name'],
                     ['attrs', '--set', 'Device.X.Name', '--notification', '1'],
                     ['add', 'Device.X.Item.'], ['del', 'Device.X.Item.1.'], ['providers']):
            with self.subTest(args=args):
                # Through the environment, as on a box, and through --address.
                for r in (run(args, env_bus=self.bus.address),
                          run(['--address', self.bus.address] + args)):
                    self.assertExit(r, 3, args)
                    self.assertEqual(r.stdout, '')
                    self.assertIn('io.cwmp.DataModel', r.stderr)

    def test_timeout(self):
        # Owns the name and never reads its messages: every call waits for the timeout.
        silent = dbus.bus.BusConnection(self.bus.address)
        self.addCleanup(silent.close)
        silent.request_name('io.cwmp.DataModel')
        for args in (['--timeout', '0.5', 'get', 'Device.'],
                     ['get', '--timeout=0.5', 'Device.'],
                     ['providers', '--timeout', '0.5']):
            with self.subTest(args=args):
                start = time.monotonic()
                r = run(['--address', self.bus.address] + args)
                elapsed = time.monotonic() - start
                self.assertExit(r, 3, args)
                self.assertEqual(r.stdout, '')
                self.assertIn('no answer', r.stderr)
                self.assertGreaterEqual(elapsed, 0.5)
                self.assertLess(elapsed, 10 * TIMEOUT_SCALE)


if __name__ == '__main__':
    unittest.main(verbosity=2)
