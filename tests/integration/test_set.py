#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""SetParameterValues: all or nothing across owners, faults, ParameterKey, persistence,
ValueChanged."""

import cwmptest
from cwmptest import ALPHA, BETA

DI = 'Device.DeviceInfo.'
VALUE_CHANGED = "type='signal',interface='io.cwmp.DataModel1',member='ValueChanged'"

WATCHED = [ALPHA + 'Name', ALPHA + 'Level', ALPHA + 'Enable', BETA + 'Mode', BETA + 'Threshold',
           BETA + 'Note']


class SetTest(cwmptest.CwmpTestCase):

    def snapshot(self):
        return self.dm.values(WATCHED), self.dm.parameter_key

    def set_baseline(self):
        """Known values everywhere, under ParameterKey "baseline"."""
        self.assertIn(self.dm.spv({
            ALPHA + 'Name': 'base-name', ALPHA + 'Level': '10', ALPHA + 'Enable': 'false',
            BETA + 'Mode': 'Auto', BETA + 'Threshold': '5', BETA + 'Note': 'base-note'},
            'baseline'), (0, 1))
        before = self.snapshot()
        self.assertEqual(before[1], 'baseline')
        return before

    def test_one_provider_two_subtrees(self):
        """A provider that serves two subtrees gets one commit for each: both apply, and a
        restart of the provider finds both."""
        self.sb.start_dmd()
        schemas = cwmptest.TEST_SCHEMA_DIR
        both = self.sb.start_provider(
            'both', ALPHA, schemas + '/alpha.schema',
            extra_args=['--subtree', BETA, '--schema', schemas + '/beta.schema'])
        self.assertTrue(cwmptest.wait_until(lambda: self.sb.provider_online(BETA, both.pid),
                                            cwmptest.scaled(5)))
        self.assertIn(self.dm.spv({ALPHA + 'Level': '33', BETA + 'Mode': 'Off'}, 'two-1'), (0, 1))
        expected = {ALPHA + 'Level': '33', BETA + 'Mode': 'Off'}
        self.assertEqual(self.dm.values(list(expected)), expected)
        self.sb.restart_provider(both)
        self.assertTrue(cwmptest.wait_until(lambda: self.sb.provider_online(BETA, both.pid),
                                            cwmptest.scaled(5)))
        self.assertEqual(self.dm.values(list(expected)), expected)

    def test_set_across_providers(self):
        self.start_all()
        key0 = self.dm.parameter_key
        status = self.dm.spv({
            ALPHA + 'Name': 'hello', ALPHA + 'Level': '75', ALPHA + 'Enable': 'true',
            BETA + 'Mode': 'Off', BETA + 'Threshold': '-100'}, 'key-1')
        self.assertIn(status, (0, 1))
        self.assertEqual(self.dm.parameter_key, 'key-1')
        self.assertNotEqual(key0, 'key-1')
        got = self.dm.values([ALPHA, BETA])
        self.assertEqual(got[ALPHA + 'Name'], 'hello')
        self.assertEqual(got[ALPHA + 'Level'], '75')
        self.assertEqual(got[ALPHA + 'Enable'], 'true')
        self.assertEqual(got[BETA + 'Mode'], 'Off')
        self.assertEqual(got[BETA + 'Threshold'], '-100')
        # With explicit types, and the key changes again.
        self.dm.spv([(ALPHA + 'Level', 'unsignedInt', '100'), (BETA + 'Threshold', 'int', '100'),
                     (BETA + 'Note', 'string', '')], 'key-2')
        self.assertEqual(self.dm.parameter_key, 'key-2')
        got = self.dm.values([ALPHA + 'Level', BETA + 'Threshold', BETA + 'Note'])
        self.assertEqual(got, {ALPHA + 'Level': '100', BETA + 'Threshold': '100',
                               BETA + 'Note': ''})

    def test_refused_set_changes_nothing(self):
        self.start_all(beta={'reject_value': 'forbidden'})
        before = self.set_baseline()
        monitor = self.sb.monitor([VALUE_CHANGED])
        f = self.assertFault(9003, self.dm.spv, {
            ALPHA + 'Name': 'changed', ALPHA + 'Enable': 'true',
            ALPHA + 'Level': '101',          # out of range 0..100: dmd's check
            BETA + 'Note': 'forbidden',      # refused by Beta's own Validate
            BETA + 'Mode': 'Manual'}, 'refused-key',
            params={ALPHA + 'Level': 9007, BETA + 'Note': 9007})
        for name, code, message in f.params:
            self.assertTrue(message, 'per-parameter fault of %s has a message' % name)
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(monitor.collected(), [], 'a refused set signals no change')
        # Beta's refusal alone is enough to stop everything too.
        self.assertFault(9003, self.dm.spv, {ALPHA + 'Name': 'changed',
                                             BETA + 'Note': 'forbidden'}, 'refused-2',
                         params={BETA + 'Note': 9007})
        self.assertEqual(self.snapshot(), before)
        # And the same values without the refused ones go through.
        self.dm.spv({ALPHA + 'Name': 'changed', BETA + 'Note': 'fine'}, 'accepted')
        self.assertEqual(self.dm.values([ALPHA + 'Name', BETA + 'Note']),
                         {ALPHA + 'Name': 'changed', BETA + 'Note': 'fine'})
        self.assertEqual(self.dm.parameter_key, 'accepted')

    def test_value_faults(self):
        self.start_all()
        before = self.set_baseline()
        cases = [
            ({ALPHA + 'Counter': '5'}, {ALPHA + 'Counter': 9008}),
            ({DI + 'UpTime': '5'}, {DI + 'UpTime': 9008}),
            ({DI + 'SerialNumber': 'x'}, {DI + 'SerialNumber': 9008}),
            ({ALPHA + 'Level': '-1'}, {ALPHA + 'Level': 9007}),
            ({ALPHA + 'Level': 'ten'}, {ALPHA + 'Level': 9007}),
            ({ALPHA + 'Enable': 'yes'}, {ALPHA + 'Enable': 9007}),
            ({BETA + 'Mode': 'Sometimes'}, {BETA + 'Mode': 9007}),
            ({BETA + 'Threshold': '101'}, {BETA + 'Threshold': 9007}),
            ({BETA + 'Note': 'x' * 33}, {BETA + 'Note': 9007}),
            ({ALPHA + 'Nope': '1'}, {ALPHA + 'Nope': 9005}),
            ({ALPHA + 'Item.1.Name': 'x'}, {ALPHA + 'Item.1.Name': 9005}),
            # A good value next to a read-only one: still nothing.
            ({ALPHA + 'Name': 'new', ALPHA + 'Counter': '1'}, {ALPHA + 'Counter': 9008}),
        ]
        for values, faults in cases:
            with self.subTest(values=values):
                self.assertFault(9003, self.dm.spv, values, 'bad', params=faults)
                self.assertEqual(self.snapshot(), before)
        # A wrong type name.
        for name, typ, value in [(ALPHA + 'Level', 'string', '5'),
                                 (ALPHA + 'Enable', 'int', '1'),
                                 (BETA + 'Note', 'unsignedInt', '7'),
                                 (ALPHA + 'Name', 'banana', 'x')]:
            with self.subTest(name=name, type=typ):
                self.assertFault(9003, self.dm.spv, [(name, typ, value)], 'bad',
                                 params={name: 9006})
                self.assertEqual(self.snapshot(), before)
        # The same name twice.
        self.assertFault(9003, self.dm.spv, [(ALPHA + 'Name', '', 'a'),
                                             (ALPHA + 'Name', '', 'b')], 'bad')
        self.assertEqual(self.snapshot(), before)

    def check_commit_refusal(self, refused_name, refused_value, other_name):
        before = self.set_baseline()
        self.assertAnyFault(self.dm.spv, {other_name: 'applied-then-undone',
                                          refused_name: refused_value}, 'refused-at-commit')
        self.assertEqual(self.snapshot(), before)
        # The undo was stored, not only kept in memory.
        self.sb.restart_dmd()
        for d in (self.sb.daemons['alpha'], self.sb.daemons['beta']):
            self.sb.restart_provider(d, kill=True)
        self.assertEqual(self.snapshot(), before)

    def test_commit_refusal_rolls_back_alpha(self):
        self.start_all(alpha={'refuse_apply': 'no-alpha'}, beta={'refuse_apply': 'no-beta'})
        # Beta refuses at commit time: Alpha's applied value must be undone.
        self.check_commit_refusal(BETA + 'Note', 'no-beta', ALPHA + 'Name')

    def test_commit_refusal_rolls_back_beta(self):
        self.start_all(alpha={'refuse_apply': 'no-alpha'}, beta={'refuse_apply': 'no-beta'})
        self.check_commit_refusal(ALPHA + 'Name', 'no-alpha', BETA + 'Note')

    def test_values_survive_restarts(self):
        alpha, beta = self.start_all()
        self.dm.spv({ALPHA + 'Name': 'kept', ALPHA + 'Level': '99', BETA + 'Mode': 'Manual',
                     BETA + 'Threshold': '-42', BETA + 'Note': 'also kept'}, 'persist-1')
        expected = self.snapshot()
        self.sb.restart_dmd()
        self.assertEqual(self.snapshot(), expected)
        self.sb.restart_dmd(kill=True)
        self.assertEqual(self.snapshot(), expected)
        self.sb.restart_provider(alpha)
        self.sb.restart_provider(beta, kill=True)
        self.assertEqual(self.snapshot(), expected)
        # Everything down at once, then up again.
        for d in (alpha, beta, self.sb.dmd):
            d.kill()
        self.sb.dmd.start()
        self.sb.wait_provider_ready(alpha.start(wait=False))
        self.sb.wait_provider_ready(beta.start(wait=False))
        self.assertEqual(self.snapshot(), expected)

    def test_value_changed_signal(self):
        self.start_all()
        monitor = self.sb.monitor([VALUE_CHANGED])
        self.dm.spv({ALPHA + 'Name': 'signalled', BETA + 'Threshold': '12'}, 'sig')
        me = self.sb.conn.get_unique_name()
        m = monitor.wait_for(lambda m: m['member'] == 'ValueChanged')
        self.assertIsNotNone(m, 'no ValueChanged signal')
        self.assertEqual(m['path'], cwmptest.DM_PATH)
        self.assertEqual(m['payload']['type'], 'a(sss)s')
        values, origin = m['payload']['data']
        self.assertEqual(origin, me)
        got = {v[0]: (v[1], v[2]) for v in values}
        self.assertEqual(got.get(ALPHA + 'Name'), ('string', 'signalled'))
        self.assertEqual(got.get(BETA + 'Threshold'), ('int', '12'))
        self.assertEqual(self.sb.name_owner_pid(m['sender']), self.sb.dmd.pid,
                         'the signal comes from dmd')
        # Someone else's change names that someone.
        other = self.sb.new_connection()
        cwmptest.DataModel(other).spv({ALPHA + 'Level': '1'}, 'other')
        m = monitor.wait_for(lambda m: m['member'] == 'ValueChanged' and
                             m['payload']['data'][1] == other.get_unique_name())
        self.assertIsNotNone(m, 'no ValueChanged signal naming the second caller')
        self.assertIn([ALPHA + 'Level', 'unsignedInt', '1'], m['payload']['data'][0])
        # A hidden value never goes out on the bus.
        self.dm.spv({ALPHA + 'Secret': 'do-not-broadcast'}, 'secret')
        for m in monitor.collected():
            self.assertNotIn('do-not-broadcast', str(m['payload']['data']))


if __name__ == '__main__':
    cwmptest.main()
