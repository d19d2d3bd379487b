#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""cwmpctl without its daemons: help, usage errors (exit 2) and an unreachable dmd or cwmpd
(exit 3).

These need no daemon of the project: a private dbus-daemon at most, on which nobody owns
io.cwmp.DataModel or io.cwmp.Agent, or a connection owns the name and never answers."""

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

DATA_MODEL_COMMANDS = ('get', 'set', 'names', 'attrs', 'add', 'del', 'providers')
AGENT_COMMANDS = ('inform', 'status', 'queue-event')
COMMANDS = DATA_MODEL_COMMANDS + AGENT_COMMANDS

# A command line of each kind that is right, for the calls that cannot reach their daemon.
DATA_MODEL_CALLS = [
    ['get', 'Device.'], ['set', 'Device.X.Name=x'], ['set', '-k', 'key', 'Device.X.Name=x'],
    ['names'], ['names', '-n'], ['attrs', 'Device.X.Name'],
    ['attrs', '--set', 'Device.X.Name', '--notification', '1'], ['add', 'Device.X.Item.'],
    ['del', 'Device.X.Item.1.'], ['providers'],
]
AGENT_CALLS = [
    ['inform'], ['status'], ['queue-event', '8 DIAGNOSTICS COMPLETE'],
    ['queue-event', 'M Download', 'fw-7'],
    ['queue-event', '--producer-key', 'hook/1', 'X 00D09E Example'],
    ['queue-event', '-p', 'hook/2', '7 TRANSFER COMPLETE'],
]

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
    ['inform', 'extra'],
    ['inform', '--bogus'],
    ['inform', '--timeout', '0'],
    ['status', 'extra'],
    ['status', '-n'],
    ['queue-event'],
    ['queue-event', ''],
    ['queue-event', 'M', 'Download', 'fw-7'],
    ['queue-event', '-p'],
    ['queue-event', '--producer-key', '', 'M Download'],
    ['queue-event', '7 TRANSFER COMPLETE', 'fw-7'],
    ['queue-event', os.fsdecode(b'M Download\xff')],
    ['queue-event', 'M Download', os.fsdecode(b'\xfe')],
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
        for line in ('0  success', '1  refused by dmd or cwmpd', '2  usage error',
                     '3  dmd (cwmpd for inform, status, queue-event) unreachable'):
            self.assertIn(line, r.stdout)
        self.assertIn('io.cwmp.Agent', r.stdout)

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
        for args in AGENT_CALLS:
            with self.subTest(args=args):
                r = run(args, env_bus='unix:path=/nonexistent/socket')
                self.assertExit(r, 3, args)
                self.assertEqual(r.stdout, '')
                self.assertIn('/nonexistent/socket', r.stderr)


class CwmpctlUnreachableTest(CwmpctlTestCase):
    """A bus without dmd and cwmpd, and a dmd or cwmpd that never answers."""

    def setUp(self):
        self.bus = PrivateBus()
        self.addCleanup(self.bus.close)

    def test_name_not_owned(self):
        for calls, name, daemon in ((DATA_MODEL_CALLS, 'io.cwmp.DataModel', 'dmd'),
                                    (AGENT_CALLS, 'io.cwmp.Agent', 'cwmpd')):
            for args in calls:
                with self.subTest(args=args):
                    # Through the environment, as on a box, and through --address.
                    for r in (run(args, env_bus=self.bus.address),
                              run(['--address', self.bus.address] + args)):
                        self.assertExit(r, 3, args)
                        self.assertEqual(r.stdout, '')
                        self.assertIn('cannot reach %s (is %s running?)' % (name, daemon),
                                      r.stderr)

    def test_other_daemon_running(self):
        # dmd on the bus does not make cwmpd reachable, and the other way round.
        for owner, calls, name in (('io.cwmp.DataModel', AGENT_CALLS, 'io.cwmp.Agent'),
                                   ('io.cwmp.Agent', DATA_MODEL_CALLS, 'io.cwmp.DataModel')):
            silent = dbus.bus.BusConnection(self.bus.address)
            try:
                silent.request_name(owner)
                for args in calls:
                    with self.subTest(owner=owner, args=args):
                        r = run(['--address', self.bus.address, '--timeout', '5'] + args)
                        self.assertExit(r, 3, args)
                        self.assertIn('cannot reach %s' % name, r.stderr)
            finally:
                silent.close()

    def test_timeout(self):
        # Owns the name and never reads its messages: every call waits for the timeout.
        silent = dbus.bus.BusConnection(self.bus.address)
        self.addCleanup(silent.close)
        silent.request_name('io.cwmp.DataModel')
        silent.request_name('io.cwmp.Agent')
        for args, name in ((['--timeout', '0.5', 'get', 'Device.'], 'io.cwmp.DataModel'),
                           (['get', '--timeout=0.5', 'Device.'], 'io.cwmp.DataModel'),
                           (['providers', '--timeout', '0.5'], 'io.cwmp.DataModel'),
                           (['--timeout', '0.5', 'inform'], 'io.cwmp.Agent'),
                           (['status', '--timeout=0.5'], 'io.cwmp.Agent'),
                           (['queue-event', '--timeout', '0.5', 'M Download', 'k'],
                            'io.cwmp.Agent')):
            with self.subTest(args=args):
                start = time.monotonic()
                r = run(['--address', self.bus.address] + args)
                elapsed = time.monotonic() - start
                self.assertExit(r, 3, args)
                self.assertEqual(r.stdout, '')
                self.assertIn('no answer from %s' % name, r.stderr)
                self.assertGreaterEqual(elapsed, 0.5)
                self.assertLess(elapsed, 10 * TIMEOUT_SCALE)


if __name__ == '__main__':
    unittest.main(verbosity=2)
