#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""What dmd and a provider answer to Introspect matches dbus-interfaces/*.xml."""

import os
import re
import subprocess
import xml.etree.ElementTree as ET

import dbus

import cwmptest
from cwmptest import ALPHA

INTERFACES_DIR = os.path.join(cwmptest.SOURCE_DIR, 'dbus-interfaces')


def members(iface):
    """The interface's members in order, with everything that clients depend on."""
    out = []
    for el in iface:
        if el.tag == 'method':
            out.append(('method', el.get('name'),
                        [(a.get('name'), a.get('type'), a.get('direction', 'in'))
                         for a in el if a.tag == 'arg'],
                        annotations(el)))
        elif el.tag == 'signal':
            out.append(('signal', el.get('name'),
                        [(a.get('name'), a.get('type')) for a in el if a.tag == 'arg'],
                        annotations(el)))
        elif el.tag == 'property':
            out.append(('property', el.get('name'), el.get('type'), el.get('access'),
                        annotations(el)))
        elif el.tag == 'annotation':
            out.append(('annotation', el.get('name'), el.get('value')))
    return out


def annotations(el):
    return [(a.get('name'), a.get('value')) for a in el if a.tag == 'annotation']


def contract(name):
    root = ET.parse(os.path.join(INTERFACES_DIR, name + '.xml')).getroot()
    return root.find("interface[@name='%s']" % name)


class IntrospectTest(cwmptest.CwmpTestCase):

    def setUp(self):
        super().setUp()
        self.alpha, self.beta = self.start_all()

    def busctl(self, *args, check=True):
        r = subprocess.run(['busctl', '--address=' + self.sb.bus.address] + list(args),
                           capture_output=True, text=True, timeout=cwmptest.scaled(30))
        if check:
            self.assertEqual(r.returncode, 0, 'busctl %s: %s' % (' '.join(args), r.stderr))
        return r

    def introspect(self, dest, path):
        xml = self.busctl('introspect', '--xml-interface', dest, path).stdout
        return ET.fromstring(xml)

    def check_object(self, dest, path, iface_name, extra_interfaces=()):
        root = self.introspect(dest, path)
        names = [i.get('name') for i in root.findall('interface')]
        self.assertEqual(len(names), len(set(names)), 'interfaces listed once: %r' % names)
        for required in [iface_name, 'org.freedesktop.DBus.Introspectable',
                         'org.freedesktop.DBus.Peer'] + list(extra_interfaces):
            self.assertIn(required, names)
        served = root.find("interface[@name='%s']" % iface_name)
        self.assertEqual(members(served), members(contract(iface_name)))
        # The standard interfaces as the specification has them.
        intro = root.find("interface[@name='org.freedesktop.DBus.Introspectable']")
        self.assertEqual(members(intro), [('method', 'Introspect',
                                           [('xml_data', 's', 'out')], [])])
        peer = root.find("interface[@name='org.freedesktop.DBus.Peer']")
        self.assertEqual(members(peer), [('method', 'Ping', [], []),
                                         ('method', 'GetMachineId',
                                          [('machine_uuid', 's', 'out')], [])])
        # Peer works.
        self.busctl('call', dest, path, 'org.freedesktop.DBus.Peer', 'Ping')
        r = self.busctl('call', dest, path, 'org.freedesktop.DBus.Peer', 'GetMachineId')
        m = re.match(r'^s "([0-9a-f]{32})"$', r.stdout.strip())
        self.assertIsNotNone(m, r.stdout)
        if os.path.exists('/etc/machine-id'):
            with open('/etc/machine-id') as f:
                self.assertEqual(m.group(1), f.read().strip())
        return root

    def test_datamodel(self):
        root = self.check_object(cwmptest.DM_BUS_NAME, cwmptest.DM_PATH, cwmptest.DM_IFACE,
                                 ['org.freedesktop.DBus.Properties'])
        # The properties can be read as introspection announces them.
        r = self.busctl('get-property', cwmptest.DM_BUS_NAME, cwmptest.DM_PATH,
                        cwmptest.DM_IFACE, 'RootDataModelVersion')
        self.assertRegex(r.stdout.strip(), r'^s "2\.[0-9]+"$')
        self.assertEqual(self.dm.root_data_model_version,
                         self.dm.value('Device.RootDataModelVersion'))
        # The introspection data is well formed with its DOCTYPE (busctl parsed it above).
        self.assertEqual(root.tag, 'node')

    def test_provider(self):
        entry = self.sb.provider_entry(ALPHA)
        self.assertIsNotNone(entry)
        self.check_object(entry[1], entry[2], cwmptest.PROVIDER_IFACE)

    def test_busctl_tree(self):
        """busctl can walk from / to the object, as developers explore a service."""
        r = self.busctl('tree', '--list', cwmptest.DM_BUS_NAME)
        self.assertIn(cwmptest.DM_PATH, r.stdout.split())

    def test_unknown_method_and_bad_arguments(self):
        with self.assertRaises(dbus.exceptions.DBusException) as cm:
            self.dm.call('NoSuchMethod')
        self.assertEqual(cm.exception.get_dbus_name(), 'org.freedesktop.DBus.Error.UnknownMethod')
        r = self.busctl('call', cwmptest.DM_BUS_NAME, cwmptest.DM_PATH, cwmptest.DM_IFACE,
                        'NoSuchMethod', check=False)
        self.assertNotEqual(r.returncode, 0)
        # Wrong argument types get a D-Bus error, and dmd stays up.
        r = self.busctl('call', cwmptest.DM_BUS_NAME, cwmptest.DM_PATH, cwmptest.DM_IFACE,
                        'GetParameterNames', 'u', '5', check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertTrue(self.sb.dmd.alive)
        self.assertEqual(self.dm.gpn('', True), [('Device.', False)])


if __name__ == '__main__':
    cwmptest.main()
