#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""SetParameterAttributes / GetParameterAttributes: notification, access lists,
persistence, refusals, partial paths."""

import cwmptest
from cwmptest import ALPHA, BETA

DI = 'Device.DeviceInfo.'


class AttributesTest(cwmptest.CwmpTestCase):

    def setUp(self):
        super().setUp()
        self.alpha, self.beta = self.start_all()

    def test_defaults(self):
        attrs = self.dm.attributes([ALPHA + 'Name', BETA + 'Mode', DI + 'UpTime'])
        self.assertEqual(attrs, {ALPHA + 'Name': (0, []), BETA + 'Mode': (0, []),
                                 DI + 'UpTime': (0, [])})
        # forceEnabled parameters are always active.
        self.assertEqual(self.dm.attributes([DI + 'SoftwareVersion'])[DI + 'SoftwareVersion'][0],
                         2)

    def test_set_and_read_back(self):
        self.dm.spa([(ALPHA + 'Name', True, 2, True, ['Subscriber']),
                     (ALPHA + 'Level', True, 1, False, []),
                     (BETA + 'Note', False, 2, True, ['Subscriber']),
                     (DI + 'UpTime', True, 1, True, ['Subscriber'])])
        expected = {ALPHA + 'Name': (2, ['Subscriber']), ALPHA + 'Level': (1, []),
                    BETA + 'Note': (0, ['Subscriber']),  # notification not to be changed
                    DI + 'UpTime': (1, ['Subscriber'])}
        names = list(expected)
        self.assertEqual(self.dm.attributes(names), expected)
        # Change only one of the two attributes at a time.
        self.dm.spa([(ALPHA + 'Name', True, 0, False, []),
                     (ALPHA + 'Level', False, 0, True, ['Subscriber'])])
        expected[ALPHA + 'Name'] = (0, ['Subscriber'])
        expected[ALPHA + 'Level'] = (1, ['Subscriber'])
        self.assertEqual(self.dm.attributes(names), expected)
        # Every name once.
        got = self.dm.gpa(names)
        self.assertEqual(sorted(n for n, _, _ in got), sorted(names))

        # Persisted by dmd, whoever owns the value.
        self.sb.restart_dmd()
        self.assertEqual(self.dm.attributes(names), expected)
        self.sb.restart_dmd(kill=True)
        self.sb.restart_provider(self.alpha, kill=True)
        self.assertEqual(self.dm.attributes(names), expected)

    def test_active_notification_refused(self):
        self.dm.spa([(ALPHA + 'Name', True, 1, True, ['Subscriber'])])
        before = self.dm.attributes([ALPHA + 'Name', DI + 'UpTime'])
        self.assertFault(9009, self.dm.spa, [(DI + 'UpTime', True, 2, False, [])])
        # One refused entry refuses the whole request.
        self.assertFault(9009, self.dm.spa, [(ALPHA + 'Name', True, 2, True, []),
                                             (DI + 'UpTime', True, 2, False, [])])
        self.assertEqual(self.dm.attributes([ALPHA + 'Name', DI + 'UpTime']), before)
        # Passive notification of the same parameter is fine.
        self.dm.spa([(DI + 'UpTime', True, 1, False, [])])
        self.assertEqual(self.dm.attributes([DI + 'UpTime'])[DI + 'UpTime'], (1, []))

    def test_bad_requests(self):
        before = self.dm.attributes([ALPHA])
        self.assertFault(9005, self.dm.spa, [(ALPHA + 'Nope', True, 1, False, [])],
                         message_contains=ALPHA + 'Nope')
        self.assertFault(9005, self.dm.gpa, [ALPHA + 'Nope'], message_contains=ALPHA + 'Nope')
        self.assertFault(9005, self.dm.gpa, ['Device.X_TEST_Nowhere.'])
        # Notification beyond the defined values.
        self.assertFault(9003, self.dm.spa, [(ALPHA + 'Name', True, 7, False, [])])
        # A good entry next to a bad one changes nothing.
        self.assertFault(9005, self.dm.spa, [(ALPHA + 'Level', True, 1, False, []),
                                             (ALPHA + 'Nope', True, 1, False, [])])
        self.assertEqual(self.dm.attributes([ALPHA]), before)

    def test_partial_paths(self):
        self.dm.spa([(BETA, True, 1, True, ['Subscriber'])])
        beta_params = [n.path for n in cwmptest.default_schema().parameters_under(BETA)]
        got = self.dm.gpa([BETA])
        self.assertEqual([n for n, _, _ in got], beta_params)
        for name, notification, acl in got:
            self.assertEqual((notification, acl), (1, ['Subscriber']), name)
        # Nothing else changed.
        self.assertEqual(self.dm.attributes([ALPHA + 'Name'])[ALPHA + 'Name'], (0, []))
        # Instances: attributes of a new instance's parameters, via the table path.
        self.dm.add(ALPHA + 'Item.', 'k')
        self.dm.spa([(ALPHA + 'Item.', True, 2, False, [])])
        got = self.dm.attributes([ALPHA + 'Item.1.'])
        self.assertEqual(sorted(got), sorted(ALPHA + 'Item.1.' + p
                                             for p in ('Alias', 'Name', 'Value')))
        self.assertTrue(all(v == (2, []) for v in got.values()), got)
        # A partial path over a parameter that refuses active notification refuses it all.
        mem = DI + 'MemoryStatus.'
        before = self.dm.attributes([mem])
        self.assertFault(9009, self.dm.spa, [(mem, True, 2, False, [])])
        self.assertEqual(self.dm.attributes([mem]), before)


if __name__ == '__main__':
    cwmptest.main()
