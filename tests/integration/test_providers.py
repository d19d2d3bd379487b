#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The namespace registry: providers register, vanish, come back, and outlive dmd."""

import os
import time

import cwmptest
from cwmptest import ALPHA, BETA

DI = 'Device.DeviceInfo.'


class ProvidersTest(cwmptest.CwmpTestCase):

    def setUp(self):
        super().setUp()
        self.alpha, self.beta = self.start_all()

    def test_dmd_notifies_ready(self):
        self.assertTrue(self.sb.dmd.wait_notified_ready(), 'dmd sent no READY=1 to '
                        'NOTIFY_SOCKET (it sent %r)' % self.sb.dmd.notified)

    def test_list_providers(self):
        listing = self.dm.providers()
        by_subtree = {e[0]: e for e in listing}
        self.assertEqual(len(by_subtree), len(listing), 'one entry per subtree')
        for d in (self.alpha, self.beta):
            subtree, bus_name, obj, online = by_subtree[d.subtree]
            self.assertTrue(online)
            self.assertEqual(obj, d.object_path)
            self.assertTrue(bus_name.startswith(':'), 'a unique name: %r' % bus_name)
            self.assertEqual(self.sb.name_owner_pid(bus_name), d.pid)
        # dmd's own subtrees are listed with an empty bus name.
        built_in = [e for e in listing if e[1] == '']
        self.assertTrue(any(DI.startswith(e[0]) for e in built_in), listing)
        for e in built_in:
            self.assertTrue(e[3], 'built-in owners are online: %r' % (e,))

    def test_overlapping_registration_refused(self):
        before = self.dm.providers()
        for subtree in [ALPHA, ALPHA + 'Item.', BETA, DI, 'Device.']:
            with self.subTest(subtree=subtree):
                self.assertAnyFault(self.dm.register, '/io/cwmp/test/Intruder', [subtree])
        # A second test-provider for Alpha's subtree is refused and does not disturb Alpha.
        self.dm.spv({ALPHA + 'Name': 'first'}, 'k')
        self.assertEqual(sorted(self.dm.providers()), sorted(before))
        intruder = self.sb.start_alpha(label='alpha-intruder', wait=False)
        cwmptest.wait_until(lambda: not intruder.alive or intruder.got_ready_notification(),
                            cwmptest.START_TIMEOUT)
        time.sleep(0.3)  # its registration attempt, refused, has been answered
        self.assertEqual(sorted(self.dm.providers()), sorted(before))
        self.assertEqual(self.dm.value(ALPHA + 'Name'), 'first')
        intruder.kill()
        self.assertEqual(sorted(self.dm.providers()), sorted(before))

    def test_object_below_a_built_in_owner(self):
        # dmd serves Device.DeviceInfo. itself; a provider may take an object below it
        # (fwupd-bridge's FirmwareImage table), not the subtree itself.
        sub = DI + 'MemoryStatus.'
        other = self.sb.start_provider('memory', sub, os.path.join(cwmptest.DMD_SCHEMA_DIR,
                                                                   '10-deviceinfo.schema'))
        entry = self.sb.provider_entry(sub)
        self.assertIsNotNone(entry)
        self.assertEqual(self.sb.name_owner_pid(entry[1]), other.pid)
        # The provider answers for the object (this one has no live values to give: 9005),
        # dmd still answers for the rest of DeviceInfo.
        f = self.assertAnyFault(self.dm.gpv, [sub + 'Total'])
        self.assertEqual(f.code, 9005, f)
        self.assertTrue(self.dm.value(DI + 'UpTime').isdigit())
        other.kill()
        self.assertTrue(cwmptest.wait_until(lambda: not self.sb.provider_online(sub),
                                            cwmptest.scaled(5)))
        f = self.assertAnyFault(self.dm.gpv, [sub + 'Total'])
        self.assertEqual(f.code, 9002, f)
        self.assertTrue(self.dm.value(DI + 'UpTime').isdigit())

    def test_unregister_only_own(self):
        before = self.dm.providers()
        self.assertAnyFault(self.dm.unregister, [ALPHA])
        self.assertEqual(sorted(self.dm.providers()), sorted(before))
        self.dm.spv({ALPHA + 'Name': 'still served'}, 'k')
        self.assertEqual(self.dm.value(ALPHA + 'Name'), 'still served')

    def test_provider_killed_and_restarted(self):
        self.dm.spv({ALPHA + 'Name': 'before-crash', ALPHA + 'Level': '33',
                     BETA + 'Note': 'beta lives'}, 'k')
        self.dm.add(ALPHA + 'Item.', 'k')
        self.dm.spv({ALPHA + 'Item.1.Name': 'item one'}, 'k')
        before = self.dm.values([ALPHA])
        del before[ALPHA + 'Counter']
        self.alpha.kill()
        self.assertTrue(cwmptest.wait_until(
            lambda: not self.sb.provider_online(ALPHA), cwmptest.scaled(5)),
            'dmd did not notice that the provider left')
        entry = self.sb.provider_entry(ALPHA)
        self.assertIsNotNone(entry, 'an offline subtree stays listed')
        self.assertFalse(entry[3])
        for call, args in [(self.dm.gpv, [[ALPHA + 'Name']]), (self.dm.gpv, [[ALPHA]]),
                           (self.dm.gpn, [ALPHA, True]),
                           (self.dm.spv, [{ALPHA + 'Name': 'x'}, 'k2']),
                           (self.dm.add, [ALPHA + 'Item.', 'k2'])]:
            with self.subTest(call=call.__name__):
                f = self.assertAnyFault(call, *args)
                self.assertEqual(f.code, 9002, f)
                self.assertIn(ALPHA, f.message, 'the fault names the subtree: %r' % f)
        self.assertEqual(self.dm.parameter_key, 'k')
        # The others still work.
        self.assertEqual(self.dm.value(BETA + 'Note'), 'beta lives')
        self.dm.spv({BETA + 'Mode': 'Manual'}, 'k3')
        self.assertEqual(self.dm.value(DI + 'SerialNumber'), self.sb.serial)

        self.alpha.start(wait=False)
        self.sb.wait_provider_ready(self.alpha)
        got = self.dm.values([ALPHA])
        del got[ALPHA + 'Counter']
        self.assertEqual(got, before)
        self.assertEqual(got[ALPHA + 'Item.1.Name'], 'item one')
        self.dm.spv({ALPHA + 'Name': 'after-crash'}, 'k4')
        self.assertEqual(self.dm.value(ALPHA + 'Name'), 'after-crash')

    def test_dmd_restart_providers_come_back(self):
        self.dm.spv({ALPHA + 'Name': 'a', BETA + 'Note': 'b'}, 'k')
        before = sorted((e[0], e[2]) for e in self.dm.providers())
        for kill in (False, True):
            with self.subTest(kill=kill):
                self.sb.dmd.restart(kill=kill)
                # The providers register again on their own.
                for d in (self.alpha, self.beta):
                    self.sb.wait_provider_online(d.subtree, d.pid)
                self.assertEqual(sorted((e[0], e[2]) for e in self.dm.providers()), before)
                self.assertEqual(self.dm.values([ALPHA + 'Name', BETA + 'Note']),
                                 {ALPHA + 'Name': 'a', BETA + 'Note': 'b'})
                self.dm.spv({ALPHA + 'Level': '7' if kill else '8'}, 'k')
        self.assertTrue(self.alpha.alive and self.beta.alive)

    def test_provider_started_before_dmd(self):
        """A provider started while dmd is down registers once dmd comes."""
        for d in (self.alpha, self.beta, self.sb.dmd):
            d.stop()
        self.alpha.start(wait=False)
        self.beta.start(wait=False)
        self.sb.dmd.start()
        for d in (self.alpha, self.beta):
            self.sb.wait_provider_online(d.subtree, d.pid)
        self.assertEqual(self.dm.value(ALPHA + 'Level'), '50')

    def test_caller_leaving_drops_registration(self):
        """Any bus client may own a subtree nobody serves; it goes offline when the client
        leaves the bus, and the real provider can take it back."""
        self.beta.stop()
        self.assertTrue(cwmptest.wait_until(lambda: not self.sb.provider_online(BETA),
                                            cwmptest.scaled(5)))
        other = self.sb.new_connection()
        cwmptest.DataModel(other).register('/io/cwmp/test/Stand_in', [BETA])
        self.assertEqual(self.sb.provider_entry(BETA),
                         (BETA, other.get_unique_name(), '/io/cwmp/test/Stand_in', True))
        other.close()
        self.assertTrue(cwmptest.wait_until(lambda: not self.sb.provider_online(BETA),
                                            cwmptest.scaled(5)),
                        'still online after its owner left: %r' % (self.sb.provider_entry(BETA),))
        self.sb.wait_provider_ready(self.beta.start(wait=False))
        self.assertEqual(self.sb.provider_entry(BETA)[2], self.beta.object_path)
        self.assertEqual(self.dm.value(BETA + 'Mode'), 'Auto')
        # A subtree the schema does not know is refused.
        self.assertFault(9005, self.dm.register, '/io/cwmp/test/Gamma', ['Device.X_TEST_Gamma.'])


if __name__ == '__main__':
    cwmptest.main()
