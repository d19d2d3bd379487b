#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""AddObject and DeleteObject: instance numbers, limits, aliases, ParameterKey."""

import cwmptest
from cwmptest import ALPHA, BETA

ITEM = ALPHA + 'Item.'


class ObjectsTest(cwmptest.CwmpTestCase):

    def setUp(self):
        super().setUp()
        self.alpha, self.beta = self.start_all()

    def instances(self):
        return [n for n, _ in self.dm.gpn(ITEM, True)]

    def test_add_and_delete(self):
        self.assertEqual(self.instances(), [])
        numbers = [self.dm.add(ITEM, 'add-%d' % i) for i in range(3)]
        self.assertEqual(numbers, [(1, 0), (2, 0), (3, 0)])
        self.assertEqual(self.dm.parameter_key, 'add-2')
        self.assertEqual(self.instances(), [ITEM + '1.', ITEM + '2.', ITEM + '3.'])
        # A new instance has its parameters, with defaults, and they can be set.
        got = self.dm.values([ITEM + '2.'])
        self.assertEqual(sorted(got), sorted(ITEM + '2.' + p for p in ('Alias', 'Name', 'Value')))
        self.dm.spv({ITEM + '2.Name': 'two', ITEM + '2.Value': '-2'}, 'set')
        self.assertEqual(self.dm.values([ITEM + '2.Name', ITEM + '2.Value']),
                         {ITEM + '2.Name': 'two', ITEM + '2.Value': '-2'})

        self.assertEqual(self.dm.delete(ITEM + '2.', 'del-2'), 0)
        self.assertEqual(self.dm.parameter_key, 'del-2')
        self.assertEqual(self.instances(), [ITEM + '1.', ITEM + '3.'])
        self.assertFault(9005, self.dm.gpv, [ITEM + '2.Name'])
        self.assertFault(9005, self.dm.delete, ITEM + '2.', 'again')
        self.assertEqual(self.dm.parameter_key, 'del-2')
        # Still gone after restarts.
        self.sb.restart_dmd()
        self.sb.restart_provider(self.alpha)
        self.assertEqual(self.instances(), [ITEM + '1.', ITEM + '3.'])

    def test_numbers_are_never_reused(self):
        for i in range(1, 4):
            self.assertEqual(self.dm.add(ITEM, 'k')[0], i)
        self.dm.delete(ITEM + '3.', 'k')
        self.assertEqual(self.dm.add(ITEM, 'k')[0], 4)
        self.dm.delete(ITEM + '4.', 'k')
        self.sb.restart_dmd()
        self.assertEqual(self.dm.add(ITEM, 'k')[0], 5)
        self.dm.delete(ITEM + '5.', 'k')
        self.sb.restart_dmd(kill=True)
        self.sb.restart_provider(self.alpha, kill=True)
        self.assertEqual(self.dm.add(ITEM, 'k')[0], 6)
        self.assertEqual(self.instances(), [ITEM + '1.', ITEM + '2.', ITEM + '6.'])

    def test_unknown_paths(self):
        for path in [ALPHA + 'Nope.', ALPHA + 'Item', ALPHA, ALPHA + 'Name.', BETA,
                     'Device.', 'Device.X_TEST_Nowhere.', ITEM + '1.', '']:
            with self.subTest(path=path):
                self.assertFault(9005, self.dm.add, path, 'bad')
        self.dm.add(ITEM, 'good')
        for path in [ITEM + '2.', ITEM + '[nobody].', ITEM, ALPHA, ITEM + '1.Name',
                     ITEM + '1', 'Device.X_TEST_Nowhere.1.', ITEM + '0.']:
            with self.subTest(path=path):
                self.assertFault(9005, self.dm.delete, path, 'bad')
        self.assertEqual(self.dm.parameter_key, 'good')
        self.assertEqual(self.instances(), [ITEM + '1.'])

    def test_max_entries(self):
        node = cwmptest.default_schema().find(ITEM + '{i}.')
        limit = int(node.attrs['maxEntries'])
        self.assertEqual(limit, 8)
        for i in range(limit):
            self.assertEqual(self.dm.add(ITEM, 'fill-%d' % i), (i + 1, 0))
        self.assertFault(9004, self.dm.add, ITEM, 'too-many')
        self.assertEqual(self.dm.parameter_key, 'fill-%d' % (limit - 1))
        self.assertEqual(len(self.instances()), limit)
        # Room again after a delete, with a new number.
        self.dm.delete(ITEM + '1.', 'room')
        self.assertEqual(self.dm.add(ITEM, 'again'), (limit + 1, 0))
        self.assertFault(9004, self.dm.add, ITEM, 'too-many')

    def test_alias_addressing(self):
        self.dm.add(ITEM, 'k')
        self.dm.add(ITEM, 'k')
        self.dm.spv({ITEM + '2.Alias': 'foo', ITEM + '2.Name': 'named-two',
                     ITEM + '1.Alias': 'bar', ITEM + '1.Name': 'named-one'}, 'alias')
        r = self.dm.gpv([ITEM + '[foo].Name'])
        self.assertEqual(len(r), 1)
        self.assertIn(r[0][0], (ITEM + '2.Name', ITEM + '[foo].Name'))
        self.assertEqual(r[0][2], 'named-two')
        bar = self.dm.values([ITEM + '[bar].'])
        self.assertEqual(bar.get(ITEM + '1.Name', bar.get(ITEM + '[bar].Name')), 'named-one')
        self.assertEqual(len(bar), 3)
        # Set and delete through the alias.
        self.dm.spv({ITEM + '[foo].Value': '42'}, 'by-alias')
        self.assertEqual(self.dm.value(ITEM + '2.Value'), '42')
        self.assertEqual(self.dm.delete(ITEM + '[foo].', 'del-alias'), 0)
        self.assertEqual(self.instances(), [ITEM + '1.'])
        self.assertFault(9005, self.dm.gpv, [ITEM + '[foo].Name'])
        self.assertEqual(self.dm.value(ITEM + '1.Name'), 'named-one')
        # Two instances cannot share an alias.
        self.dm.add(ITEM, 'k')
        self.assertFault(9003, self.dm.spv, {ITEM + '3.Alias': 'bar'}, 'dup-alias',
                         params={ITEM + '3.Alias': 9007})


if __name__ == '__main__':
    cwmptest.main()
