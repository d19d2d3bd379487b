#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""cwmpctl end to end: every command, its output and its exit codes
(0 ok, 1 CWMP fault, 2 usage, 3 dmd unreachable)."""

import os
import re
import signal
import subprocess

import cwmptest
from cwmptest import ALPHA, BETA

DI = 'Device.DeviceInfo.'


class CwmpctlTest(cwmptest.CwmpTestCase):

    def setUp(self):
        super().setUp()
        self.alpha, self.beta = self.start_all()

    def ctl(self, *args, rc=0, address=True, env=None):
        argv = [cwmptest.binary('tools', 'cwmpctl')]
        if address:
            argv.append('--address=' + self.sb.bus.address)
        argv += list(args)
        e = dict(os.environ)
        e.pop('DBUS_SYSTEM_BUS_ADDRESS', None)
        e.update(env or {})
        r = subprocess.run(argv, capture_output=True, text=True, env=e,
                           timeout=cwmptest.scaled(60))
        if rc is not None:
            self.assertEqual(r.returncode, rc, 'cwmpctl %s\nstdout: %s\nstderr: %s' %
                             (' '.join(args), r.stdout, r.stderr))
        return r

    def test_get(self):
        self.dm.spv({ALPHA + 'Name': 'ctl name', BETA + 'Threshold': '-3'}, 'k')
        r = self.ctl('get', ALPHA + 'Name', BETA + 'Threshold')
        self.assertEqual(sorted(r.stdout.splitlines()),
                         sorted([ALPHA + 'Name = ctl name', BETA + 'Threshold = -3']))
        self.assertEqual(r.stderr, '')
        r = self.ctl('get', '--type', BETA + 'Threshold')
        self.assertEqual(r.stdout, BETA + 'Threshold = -3 (int)\n')
        r = self.ctl('get', '-v', DI + 'SerialNumber')
        self.assertEqual(r.stdout, self.sb.serial + '\n')
        # A partial path: every parameter below, as dmd answers them.
        r = self.ctl('get', BETA)
        expected = ['%s = %s' % (n, v) for n, _, v in self.dm.gpv([BETA])]
        self.assertEqual(r.stdout.splitlines(), expected)
        # The whole model.
        r = self.ctl('get', '')
        self.assertIn('Device.RootDataModelVersion = %s' % self.dm.root_data_model_version,
                      r.stdout.splitlines())

    def test_get_faults_and_usage(self):
        r = self.ctl('get', ALPHA + 'Nope', rc=1)
        self.assertEqual(r.stdout, '')
        self.assertRegex(r.stderr, r'^cwmpctl: fault 9005 \(Invalid parameter name\): .*' +
                         re.escape(ALPHA + 'Nope'))
        self.ctl('get', rc=2)
        self.ctl('get', '-t', '-v', ALPHA + 'Name', rc=2)
        self.ctl('get', '--bogus', ALPHA + 'Name', rc=2)
        self.ctl('frobnicate', rc=2)
        self.ctl(rc=2)
        r = self.ctl('--help')
        for cmd in ('get', 'set', 'names', 'attrs', 'add', 'del', 'providers'):
            self.assertIn(cmd, r.stdout)
        self.ctl('get', '--help')

    def test_set(self):
        before_key = self.dm.parameter_key
        r = self.ctl('set', ALPHA + 'Name=from ctl', ALPHA + 'Level:unsignedInt=42',
                     BETA + 'Note=a=b')
        self.assertEqual((r.stdout, r.stderr), ('', ''))
        self.assertEqual(self.dm.values([ALPHA + 'Name', ALPHA + 'Level', BETA + 'Note']),
                         {ALPHA + 'Name': 'from ctl', ALPHA + 'Level': '42',
                          BETA + 'Note': 'a=b'})
        self.assertEqual(self.dm.parameter_key, before_key, 'no -k keeps the ParameterKey')
        self.ctl('set', '-k', 'ctl-key', BETA + 'Note=')
        self.assertEqual(self.dm.value(BETA + 'Note'), '')
        self.assertEqual(self.dm.parameter_key, 'ctl-key')
        # A refused set: exit 1, the per-parameter faults, nothing changed.
        r = self.ctl('set', '-k', 'bad', ALPHA + 'Level=101', ALPHA + 'Counter=1',
                     ALPHA + 'Name=never', rc=1)
        lines = r.stderr.splitlines()
        self.assertRegex(lines[0], r'^cwmpctl: fault 9003 ')
        self.assertTrue(any(re.match(r'^  %s: fault 9007 ' % re.escape(ALPHA + 'Level'), l)
                            for l in lines[1:]), r.stderr)
        self.assertTrue(any(re.match(r'^  %s: fault 9008 ' % re.escape(ALPHA + 'Counter'), l)
                            for l in lines[1:]), r.stderr)
        self.assertEqual(self.dm.value(ALPHA + 'Name'), 'from ctl')
        self.assertEqual(self.dm.parameter_key, 'ctl-key')
        self.ctl('set', ALPHA + 'Level:string=5', rc=1)
        # Usage errors.
        self.ctl('set', rc=2)
        self.ctl('set', ALPHA + 'Name', rc=2)
        self.ctl('set', '=x', rc=2)
        self.ctl('set', ALPHA + 'Name:=x', rc=2)
        self.assertEqual(self.dm.value(ALPHA + 'Name'), 'from ctl')

    def test_names(self):
        r = self.ctl('names', '--next-level', ALPHA)
        expected = ['%s  %s' % (n, 'rw' if w else 'ro') for n, w in self.dm.gpn(ALPHA, True)]
        self.assertEqual(r.stdout.splitlines(), expected)
        self.assertIn(ALPHA + 'Counter  ro', expected)
        self.assertIn(ALPHA + 'Level  rw', expected)
        r = self.ctl('names', '-n')
        self.assertEqual(r.stdout, 'Device.  ro\n')
        r = self.ctl('names', BETA)
        self.assertEqual(r.stdout.splitlines(),
                         ['%s  %s' % (n, 'rw' if w else 'ro') for n, w in self.dm.gpn(BETA, False)])
        self.ctl('names', '-n', ALPHA + 'Level', rc=1)
        self.ctl('names', 'Device.Nope.', rc=1)
        self.ctl('names', ALPHA, BETA, rc=2)

    def test_attrs(self):
        self.ctl('attrs', '--set', ALPHA + 'Name', '--set', ALPHA + 'Level',
                 '--notification', '2', '--access', 'Subscriber')
        r = self.ctl('attrs', ALPHA + 'Name', ALPHA + 'Level')
        self.assertEqual(sorted(r.stdout.splitlines()),
                         sorted([ALPHA + 'Name notification=2 access=Subscriber',
                                 ALPHA + 'Level notification=2 access=Subscriber']))
        self.ctl('attrs', '--set', ALPHA + 'Name', '--access', '')
        r = self.ctl('attrs', ALPHA + 'Name')
        self.assertEqual(r.stdout, ALPHA + 'Name notification=2 access=\n')
        r = self.ctl('attrs', '--set', DI + 'UpTime', '--notification', '2', rc=1)
        self.assertRegex(r.stderr, r'^cwmpctl: fault 9009 ')
        self.ctl('attrs', '--set', ALPHA + 'Name', '--notification', '3', rc=2)
        self.ctl('attrs', '--set', ALPHA + 'Name', rc=2)
        self.ctl('attrs', rc=2)
        self.ctl('attrs', ALPHA + 'Nope', rc=1)

    def test_add_del(self):
        r = self.ctl('add', '-k', 'add-1', ALPHA + 'Item.')
        self.assertEqual(r.stdout, '1\n')
        self.assertEqual(self.ctl('add', ALPHA + 'Item.').stdout, '2\n')
        self.assertEqual(self.dm.parameter_key, 'add-1')
        self.ctl('set', ALPHA + 'Item.2.Alias=wan')
        self.ctl('del', '-k', 'del-1', ALPHA + 'Item.[wan].')
        self.assertEqual(self.dm.gpn(ALPHA + 'Item.', True), [(ALPHA + 'Item.1.', True)])
        self.assertEqual(self.dm.parameter_key, 'del-1')
        r = self.ctl('del', ALPHA + 'Item.2.', rc=1)
        self.assertRegex(r.stderr, r'^cwmpctl: fault 9005 ')
        self.ctl('add', ALPHA + 'Nope.', rc=1)
        self.ctl('add', ALPHA + 'Item', rc=2)
        self.ctl('add', rc=2)
        self.ctl('del', ALPHA + 'Item.1', rc=2)
        self.ctl('del', ALPHA + 'Item.1.', ALPHA + 'Item.2.', rc=2)

    def test_providers(self):
        r = self.ctl('providers')
        rows = [l.split() for l in r.stdout.splitlines()]
        by_subtree = {row[0]: row for row in rows}
        for d in (self.alpha, self.beta):
            row = by_subtree[d.subtree]
            self.assertEqual(row[2:], [d.object_path, 'online'])
            self.assertEqual(self.sb.name_owner_pid(row[1]), d.pid)
        self.assertTrue(any(row[1] == '(dmd)' for row in rows), r.stdout)
        self.alpha.kill()
        cwmptest.wait_until(lambda: not self.sb.provider_online(ALPHA), cwmptest.scaled(5))
        r = self.ctl('providers')
        row = [l.split() for l in r.stdout.splitlines() if l.startswith(ALPHA)][0]
        self.assertEqual(row[-1], 'offline')
        r = self.ctl('get', ALPHA + 'Name', rc=1)
        self.assertRegex(r.stderr, r'^cwmpctl: fault 9002 ')
        self.ctl('providers', 'extra', rc=2)

    def test_unreachable(self):
        # The system bus is found through DBUS_SYSTEM_BUS_ADDRESS, like the daemons do.
        r = self.ctl('get', DI + 'SerialNumber', address=False,
                     env={'DBUS_SYSTEM_BUS_ADDRESS': self.sb.bus.address})
        self.assertEqual(r.stdout, DI + 'SerialNumber = %s\n' % self.sb.serial)
        # No bus there at all.
        r = self.ctl('--address=unix:path=%s' % self.sb.path('run', 'no-such-socket'),
                     'get', DI + 'SerialNumber', address=False, rc=3)
        self.assertEqual(r.stdout, '')
        self.assertNotEqual(r.stderr, '')
        # dmd hangs: --timeout gives up.
        os.kill(self.sb.dmd.pid, signal.SIGSTOP)
        try:
            self.ctl('--timeout', '0.5', 'get', DI + 'SerialNumber', rc=3)
            self.ctl('get', '--timeout=0.5', DI + 'SerialNumber', rc=3)
        finally:
            os.kill(self.sb.dmd.pid, signal.SIGCONT)
        self.ctl('--timeout', 'soon', 'get', DI + 'SerialNumber', rc=2)
        # dmd not on the bus.
        self.sb.dmd.stop()
        for args in (['get', DI + 'SerialNumber'], ['set', ALPHA + 'Name=x'],
                     ['names'], ['attrs', ALPHA + 'Name'], ['add', ALPHA + 'Item.'],
                     ['del', ALPHA + 'Item.1.'], ['providers']):
            with self.subTest(args=args):
                r = self.ctl(*args, rc=3)
                self.assertEqual(r.stdout, '')


if __name__ == '__main__':
    cwmptest.main()
