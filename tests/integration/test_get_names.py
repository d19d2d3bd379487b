#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""GetParameterValues and GetParameterNames across dmd's own subtrees and two providers."""

import cwmptest
from cwmptest import ALPHA, BETA

DI = 'Device.DeviceInfo.'


# What mirrors the running system: tables (and their counts) that change whenever a process
# starts or a connection, an interface, a route or a neighbour comes or goes (other tests
# running at the same time make them meanwhile).
LIVE_TABLES = (DI + 'ProcessStatus.', 'Device.IP.ActivePort', 'Device.Hosts.',
               'Device.IP.Interface', 'Device.Ethernet.', 'Device.Routing.', 'Device.Bridging.',
               'Device.InterfaceStack', 'Device.QoS.', 'Device.NeighborDiscovery.',
               'Device.DHCPv4.', 'Device.DHCPv6.', 'Device.USB.')


def without_processes(names):
    """Names outside the live tables of the system."""
    return [n for n in names if not n.startswith(LIVE_TABLES)]


def type_name(node):
    """The type a parameter travels with: the schema type; lists travel as strings."""
    return 'string' if node.kind.startswith('list<') else node.kind


class GetNamesTest(cwmptest.CwmpTestCase):

    def setUp(self):
        super().setUp()
        self.schema = cwmptest.default_schema()
        self.alpha, self.beta = self.start_all()

    def assertModelOrder(self, names):
        keys = [self.schema.order_key(n) for n in names]
        for i in range(1, len(keys)):
            self.assertLess(keys[i - 1], keys[i], 'not in model order: %s before %s' %
                            (names[i - 1], names[i]))

    def assertTypes(self, values):
        for name, typ, _ in values:
            node = self.schema.node_of(name)
            self.assertIsNotNone(node, '%s is not in the schema' % name)
            self.assertFalse(node.is_object, '%s: an object among values' % name)
            self.assertEqual(typ, type_name(node), 'type of %s' % name)

    def test_device_spans_every_owner_in_model_order(self):
        self.dm.spv({ALPHA + 'Name': 'alpha-name', BETA + 'Note': 'beta-note',
                     BETA + 'Threshold': '-7'}, 'k1')
        self.assertEqual(self.dm.add(ALPHA + 'Item.', 'k2'), (1, 0))
        self.dm.spv({ALPHA + 'Item.1.Name': 'first'}, 'k3')
        values = self.dm.gpv(['Device.'])
        names = [n for n, _, _ in values]
        got = {n: v for n, _, v in values}
        self.assertEqual(len(names), len(set(names)), 'duplicate names')
        self.assertModelOrder(names)
        self.assertTypes(values)
        # dmd's own values, the config file's, and both providers'.
        self.assertEqual(got['Device.RootDataModelVersion'], self.dm.root_data_model_version)
        self.assertEqual(got[DI + 'SerialNumber'], self.sb.serial)
        self.assertEqual(got[DI + 'Manufacturer'], self.sb.device_info['Manufacturer'])
        self.assertEqual(got[ALPHA + 'Name'], 'alpha-name')
        self.assertEqual(got[ALPHA + 'Level'], '50')
        self.assertEqual(got[ALPHA + 'Item.1.Name'], 'first')
        self.assertEqual(got[BETA + 'Note'], 'beta-note')
        self.assertEqual(got[BETA + 'Threshold'], '-7')
        # Every parameter outside tables is there.
        for node in self.schema.order:
            if not node.is_object and '{i}' not in node.path:
                self.assertIn(node.path, got)
        # The empty path is the root (processes may come and go in between).
        self.assertEqual(without_processes(n for n, _, _ in self.dm.gpv([''])),
                         without_processes(names))

    def test_provider_subtree(self):
        values = self.dm.gpv([ALPHA])
        names = [n for n, _, _ in values]
        expected = [n.path for n in self.schema.parameters_under(ALPHA) if '{i}' not in n.path]
        self.assertEqual(names, expected)
        self.assertTypes(values)
        beta = self.dm.gpv([BETA])
        self.assertEqual([n for n, _, _ in beta],
                         [n.path for n in self.schema.parameters_under(BETA)])
        self.assertTypes(beta)

    def test_full_names(self):
        self.dm.spv({ALPHA + 'Enable': 'true', BETA + 'Mode': 'Manual'}, 'k')
        wanted = [BETA + 'Mode', ALPHA + 'Enable', DI + 'SerialNumber', ALPHA + 'Level']
        values = self.dm.gpv(wanted)
        self.assertEqual(sorted(n for n, _, _ in values), sorted(wanted))
        got = {n: v for n, _, v in values}
        self.assertEqual(got[BETA + 'Mode'], 'Manual')
        self.assertEqual(got[ALPHA + 'Enable'], 'true')
        self.assertEqual(got[DI + 'SerialNumber'], self.sb.serial)
        self.assertEqual(got[ALPHA + 'Level'], '50')
        self.assertTypes(values)
        # A full name and a partial path together.
        mixed = self.dm.gpv([ALPHA + 'Name', BETA])
        self.assertEqual(sorted(n for n, _, _ in mixed),
                         sorted([ALPHA + 'Name'] + [n.path for n in
                                                    self.schema.parameters_under(BETA)]))

    def test_unknown_and_malformed_names(self):
        bad = [
            ALPHA + 'Nope',                     # no such parameter
            'Device.X_TEST_Nowhere.',           # no such object
            'Device.X_TEST_Alpha',              # an object named without its dot
            ALPHA + 'Name.',                    # a parameter named as an object
            ALPHA + 'Item.1.Name',              # no such instance
            ALPHA + 'Item.[nobody].Name',       # no such alias
            'Device..X_TEST_Alpha.Name',        # empty segment
            ALPHA + 'Item.0.Name',              # instance 0
            ALPHA + 'Na me',                    # space
            'Device.X_TEST_Alpha.Item.{i}.Name',  # a schema template
            'InternetGatewayDevice.',           # another root
            'Device.' + 'A' * 300,              # too long
        ]
        for name in bad:
            with self.subTest(name=name):
                self.assertFault(9005, self.dm.gpv, [name], message_contains=name)
        # One bad name spoils the whole request.
        self.assertFault(9005, self.dm.gpv, [ALPHA + 'Name', BETA + 'Nope'],
                         message_contains=BETA + 'Nope')

    def test_names_of_root(self):
        self.assertEqual(self.dm.gpn('', True), [('Device.', False)])
        self.dm.add(ALPHA + 'Item.', 'k')
        names = self.dm.gpn('', False)
        listed = [n for n, _ in names]
        self.assertEqual(len(listed), len(set(listed)), 'duplicate names')
        self.assertEqual(listed[0], 'Device.')
        for n in ['Device.RootDataModelVersion', DI, DI + 'SerialNumber', ALPHA, ALPHA + 'Name',
                  ALPHA + 'Item.', ALPHA + 'Item.1.', ALPHA + 'Item.1.Alias', BETA,
                  BETA + 'Mode']:
            self.assertIn(n, listed)
        self.assertModelOrder(listed)
        self.assertWritabilityMatchesSchema(names)
        # Every parameter that GetParameterValues reports is named, and nothing else is.
        params = [n for n in listed if not n.endswith('.')]
        self.assertEqual(without_processes(params),
                         without_processes(n for n, _, _ in self.dm.gpv([''])))

    def assertWritabilityMatchesSchema(self, names):
        for name, writable in names:
            node = self.schema.node_of(name)
            if not name.endswith('.'):
                self.assertIsNotNone(node, name)
                self.assertEqual(writable, node.writable, 'writable flag of %s' % name)
                continue
            tmpl = self.schema.template_of(name)
            table = self.schema.find(tmpl + '{i}.')
            if table is not None:  # "X.Item.": AddObject allowed?
                self.assertEqual(writable, table.writable, 'writable flag of %s' % name)
            else:  # a single object, or an instance ("X.Item.1."): DeleteObject allowed?
                node = self.schema.find(tmpl)
                self.assertIsNotNone(node, name)
                expected = node.writable if node.multi else False
                self.assertEqual(writable, expected, 'writable flag of %s' % name)

    def test_names_of_object(self):
        self.assertEqual(self.dm.add(ALPHA + 'Item.', 'k'), (1, 0))
        self.assertEqual(self.dm.add(ALPHA + 'Item.', 'k'), (2, 0))
        next_level = self.dm.gpn(ALPHA, True)
        parent_of = cwmptest.Schema.parent_template
        expected = [n.path for n in self.schema.order
                    if parent_of(n.path) == ALPHA and not n.path.endswith('{i}.')]
        expected += [ALPHA + 'Item.']
        self.assertEqual(sorted(n for n, _ in next_level), sorted(expected))
        self.assertModelOrder([n for n, _ in next_level])
        self.assertWritabilityMatchesSchema(next_level)
        self.assertNotIn(ALPHA, [n for n, _ in next_level])

        # Everything below, the object itself first.
        below = self.dm.gpn(ALPHA, False)
        listed = [n for n, _ in below]
        self.assertEqual(listed[0], ALPHA)
        for n in [ALPHA + 'Item.', ALPHA + 'Item.1.', ALPHA + 'Item.2.', ALPHA + 'Item.2.Value']:
            self.assertIn(n, listed)
        self.assertTrue(all(n.startswith(ALPHA) for n in listed))
        self.assertModelOrder(listed)
        self.assertWritabilityMatchesSchema(below)

        # A table lists its instances; an instance its parameters.
        self.assertEqual(self.dm.gpn(ALPHA + 'Item.', True),
                         [(ALPHA + 'Item.1.', True), (ALPHA + 'Item.2.', True)])
        inst = self.dm.gpn(ALPHA + 'Item.2.', True)
        self.assertEqual(sorted(n for n, _ in inst),
                         sorted(ALPHA + 'Item.2.' + p for p in ('Alias', 'Name', 'Value')))
        self.assertWritabilityMatchesSchema(inst)

        # dmd's own object.
        di = self.dm.gpn(DI, True)
        self.assertIn((DI + 'SerialNumber', False), di)
        self.assertWritabilityMatchesSchema(di)

    def test_names_of_parameter(self):
        self.assertEqual(self.dm.gpn(ALPHA + 'Level', False), [(ALPHA + 'Level', True)])
        self.assertEqual(self.dm.gpn(ALPHA + 'Counter', False), [(ALPHA + 'Counter', False)])
        self.assertEqual(self.dm.gpn(DI + 'UpTime', False), [(DI + 'UpTime', False)])
        self.assertFault(9003, self.dm.gpn, ALPHA + 'Level', True)
        for bad in [ALPHA + 'Nope', 'Device.Nope.', ALPHA + 'Item.5.', 'Device..']:
            with self.subTest(path=bad):
                self.assertFault(9005, self.dm.gpn, bad, False, message_contains=bad)
                self.assertFault(9005, self.dm.gpn, bad, True, message_contains=bad)

    def test_hidden_parameter_reads_empty(self):
        self.dm.spv({ALPHA + 'Secret': 'open-sesame', ALPHA + 'Name': 'visible'}, 'k')
        self.assertEqual(self.dm.value(ALPHA + 'Secret'), '')
        got = self.dm.values([ALPHA])
        self.assertEqual(got[ALPHA + 'Secret'], '')
        self.assertEqual(got[ALPHA + 'Name'], 'visible')
        # The value is kept, not lost: it survives a restart of its provider and still reads "".
        self.sb.restart_provider(self.alpha)
        self.assertEqual(self.dm.value(ALPHA + 'Secret'), '')


if __name__ == '__main__':
    cwmptest.main()
