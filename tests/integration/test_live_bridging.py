#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Device.Ethernet.Link., Device.Ethernet.VLANTermination., Device.Bridging. and
Device.InterfaceStack. compared with the system's own view (ip -j -d link, bridge -j link,
bridge -j vlan), on a bridge with veth ports and VLAN devices this test makes, with VLAN
filtering off and on, and the stability of their instance numbers."""

import calendar
import ctypes
import fcntl
import json
import os
import shutil
import socket
import struct
import subprocess
import time

import cwmptest
import netns

LINK = 'Device.Ethernet.Link.'
VLANT = 'Device.Ethernet.VLANTermination.'
ETH = 'Device.Ethernet.Interface.'
IPIF = 'Device.IP.Interface.'
BRIDGE = 'Device.Bridging.Bridge.'
STACK = 'Device.InterfaceStack.'

PORT_STATES = {'disabled': 'Disabled', 'listening': 'Listening', 'learning': 'Learning',
               'forwarding': 'Forwarding', 'blocking': 'Blocking'}


def run_json(*args):
    out = subprocess.run(list(args), capture_output=True, text=True, check=True)
    return json.loads(out.stdout or '[]')


ip = netns.ip


SIOCETHTOOL = 0x8946
ETHTOOL_GLINKSETTINGS = 0x4c


def link_settings(ifname):
    """The driver's ETHTOOL_GLINKSETTINGS answer, asked the way ethtool(8) asks: (speed,
    duplex, autoneg, supported link mode bits), or None."""
    def ask(nwords):
        buf = ctypes.create_string_buffer(48 + 4 * 3 * 127)
        struct.pack_into('=II7xb', buf, 0, ETHTOOL_GLINKSETTINGS, 0, nwords)
        ifr = struct.pack('16sP', ifname.encode(), ctypes.addressof(buf)).ljust(40, b'\0')
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
        return buf
    try:
        nwords = -struct.unpack_from('=b', ask(0), 15)[0]
        buf = ask(nwords)
    except OSError:
        return None
    speed, duplex, autoneg = struct.unpack_from('=IB', buf, 4) + (buf.raw[11],)
    supported = struct.unpack_from('=%dI' % nwords, buf, 48)
    bits = {i * 32 + b for i, w in enumerate(supported) for b in range(32) if w >> b & 1}
    return speed, duplex, autoneg, bits


rows = cwmptest.table_rows


class BridgingTest(cwmptest.CwmpTestCase):

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0 or not shutil.which('ip') or not shutil.which('bridge'):
            self.skipTest('needs root, ip(8) and bridge(8)')
        tag = '%d' % (os.getpid() % 100000)
        self.br, self.a, self.b = 'cbr' + tag, 'cva' + tag, 'cvb' + tag
        self.sb.start_dmd()

    def make_bridge(self, filtering):
        if not ip('link', 'add', self.br, 'type', 'bridge'):
            self.skipTest('cannot create a bridge')
        self.addCleanup(ip, 'link', 'del', self.br)
        if filtering and not ip('link', 'set', self.br, 'type', 'bridge', 'vlan_filtering', '1'):
            self.skipTest('the kernel has no bridge VLAN filtering')
        for port in (self.a, self.b):
            self.assertTrue(ip('link', 'add', port, 'type', 'veth', 'peer', 'name', port + 'p'))
            self.addCleanup(ip, 'link', 'del', port)
            self.assertTrue(ip('link', 'set', port, 'master', self.br))
            self.assertTrue(ip('link', 'set', port + 'p', 'up'))
            self.assertTrue(ip('link', 'set', port, 'up'))
        self.assertTrue(ip('link', 'set', self.br, 'up'))

    def numbers(self):
        """{name: instance} of Device.IP.Interface."""
        return {r['Name']: i for i, r in rows(self.dm.values([IPIF]), IPIF).items()}

    def bridge_row(self):
        values = self.dm.values([BRIDGE])
        for i, r in rows(values, BRIDGE).items():
            if r['Name'] == self.br:
                return i, values
        self.fail('no row for %s in %s' % (self.br, BRIDGE))

    def settle(self, check, tries=20):
        """Runs check until it passes: the kernel brings ports to forwarding on its own."""
        for _ in range(tries - 1):
            try:
                return check()
            except AssertionError:
                time.sleep(0.2)
        return check()

    def test_bridge_and_its_ports(self):
        self.make_bridge(0)
        nums = self.numbers()
        b, values = self.bridge_row()
        self.assertEqual(b, nums[self.br])
        p = BRIDGE + '%d.' % b
        self.assertEqual(values[p + 'Enable'], 'true')
        self.assertEqual(values[p + 'Status'], 'Enabled')
        self.assertEqual(values[p + 'Standard'], '802.1D-2004')
        self.assertEqual(values[p + 'PortNumberOfEntries'], '3')
        self.assertEqual(values[p + 'VLANNumberOfEntries'], '0')
        with open('/sys/class/net/%s/bridge/ageing_time' % self.br) as f:
            self.assertEqual(int(values[p + 'AgingTime']), int(f.read()) // 100)
        with open('/sys/class/net/%s/bridge/priority' % self.br) as f:
            self.assertEqual(values[p + 'STP.BridgePriority'], f.read().strip())
        self.assertEqual(values[p + 'STP.Enable'], 'false')
        self.assertEqual(values[p + 'STP.Protocol'], 'STP')

        ports = rows(values, p + 'Port.')
        self.assertEqual({r['Name']: i for i, r in ports.items()},
                         {n: nums[n] for n in (self.br, self.a, self.b)})
        mgmt = ports[b]
        self.assertEqual(mgmt['ManagementPort'], 'true')
        self.assertEqual(sorted(mgmt['LowerLayers'].split(',')),
                         sorted(p + 'Port.%d' % nums[n] for n in (self.a, self.b)))
        self.assertNotIn('PathCost', mgmt)
        costs = {l['ifname']: l['cost'] for l in run_json('bridge', '-j', 'link', 'show')
                 if l.get('master') == self.br}
        for name in (self.a, self.b):
            r = ports[nums[name]]
            self.assertEqual(int(r['PathCost']), costs[name])
            self.assertEqual(r['ManagementPort'], 'false')
            self.assertEqual(r['LowerLayers'], ETH + '%d' % nums[name])
            self.assertEqual(r['IngressFiltering'], 'false')
            self.assertEqual(r['AcceptableFrameTypes'], 'AdmitAll')

        def states():
            theirs = {l['ifname']: PORT_STATES[l['state']]
                      for l in run_json('bridge', '-j', 'link', 'show')
                      if l.get('master') == self.br}
            ours = rows(self.dm.values([p + 'Port.']), p + 'Port.')
            self.assertEqual({ours[nums[n]]['Name']: ours[nums[n]]['PortState']
                              for n in (self.a, self.b)}, theirs)
        self.settle(states)

        # The layers: IP interface on the bridge's link, on its management port, on the
        # ports, on the veths' Ethernet interfaces.
        link = self.dm.values([LINK + '%d.' % b])
        self.assertEqual(link[LINK + '%d.LowerLayers' % b], p + 'Port.%d' % b)
        self.assertEqual(link[LINK + '%d.Name' % b], self.br)
        info = run_json('ip', '-j', '-d', 'link', 'show', 'dev', self.br)[0]
        self.assertEqual(link[LINK + '%d.MACAddress' % b], info['address'])
        self.assertEqual(int(link[LINK + '%d.MTU' % b]), info['mtu'])
        self.assertEqual(self.dm.value(IPIF + '%d.LowerLayers' % b), LINK + '%d' % b)

        stack = rows(self.dm.values([STACK]), STACK)
        pairs = {(r['HigherLayer'], r['LowerLayer']): r for r in stack.values()}

        def count():
            values = self.dm.values(['Device.InterfaceStackNumberOfEntries', STACK])
            self.assertEqual(int(values['Device.InterfaceStackNumberOfEntries']),
                             len(rows(values, STACK)))
        self.settle(count, 5)  # other tests may add interfaces in between
        for pair in [(IPIF + '%d' % b, LINK + '%d' % b),
                     (LINK + '%d' % b, p + 'Port.%d' % b),
                     (p + 'Port.%d' % b, p + 'Port.%d' % nums[self.a]),
                     (p + 'Port.%d' % nums[self.a], ETH + '%d' % nums[self.a]),
                     (LINK + '%d' % nums[self.a], ETH + '%d' % nums[self.a])]:
            self.assertIn(pair, pairs)
        self.assertEqual(pairs[(IPIF + '%d' % b, LINK + '%d' % b)]['HigherAlias'],
                         'cpe-' + self.br)
        # An Alias the ACS gives a port shows in the stack.
        self.dm.spv({p + 'Port.%d.Alias' % nums[self.a]: 'lan-port-a'}, 'k1')
        self.assertEqual(self.dm.value(p + 'Port.%d.Alias' % nums[self.a]), 'lan-port-a')
        row = pairs[(p + 'Port.%d' % b, p + 'Port.%d' % nums[self.a])]
        i = [k for k, r in stack.items() if r is row][0]
        self.assertEqual(self.dm.value(STACK + '%d.LowerAlias' % i), 'lan-port-a')

        # Read-only where the OS owns it.
        with self.assertRaises(Exception):
            self.dm.spv({p + 'Port.%d.Enable' % nums[self.a]: 'false'}, 'k2')

    def vlan_view(self, b):
        """Ours and the kernel's view of the bridge's VLAN table: {(port, vid): untagged}
        and {port: pvid}."""
        nums = self.numbers()
        names = {i: n for n, i in nums.items()}
        p = BRIDGE + '%d.' % b
        values = self.dm.values([p])
        vlans = {i: int(r['VLANID']) for i, r in rows(values, p + 'VLAN.').items()}
        ours = {}
        for r in rows(values, p + 'VLANPort.').values():
            port = names[int(r['Port'].rsplit('.', 1)[1])]
            vid = vlans[int(r['VLAN'].rsplit('.', 1)[1])]
            ours[(port, vid)] = r['Untagged'] == 'true'
        our_pvid = {r['Name']: int(r['PVID']) for r in rows(values, p + 'Port.').values()
                    if r['AcceptableFrameTypes'] == 'AdmitAll'}
        theirs, their_pvid = {}, {}
        members = {l['ifname'] for l in run_json('ip', '-j', 'link', 'show')
                   if l.get('master') == self.br} | {self.br}
        for entry in run_json('bridge', '-j', 'vlan', 'show'):
            if entry['ifname'] not in members:
                continue
            for v in entry.get('vlans', []):
                for vid in range(v['vlan'], v.get('vlanEnd', v['vlan']) + 1):
                    flags = v.get('flags', [])
                    theirs[(entry['ifname'], vid)] = 'Egress Untagged' in flags
                    if 'PVID' in flags:
                        their_pvid[entry['ifname']] = vid
        return (ours, our_pvid, values), (theirs, their_pvid)

    def test_vlan_filtering(self):
        self.make_bridge(1)
        for step in [('vlan', 'add', 'dev', self.a, 'vid', '10', 'pvid', 'untagged'),
                     ('vlan', 'add', 'dev', self.b, 'vid', '20'),
                     ('vlan', 'add', 'dev', self.b, 'vid', '30-32'),
                     ('vlan', 'del', 'dev', self.b, 'vid', '1'),
                     ('vlan', 'add', 'dev', self.br, 'vid', '10', 'self')]:
            self.assertEqual(subprocess.run(['bridge'] + list(step)).returncode, 0, step)
        b, values = self.bridge_row()
        p = BRIDGE + '%d.' % b
        self.assertEqual(values[p + 'Standard'], '802.1Q-2011')
        (ours, our_pvid, values), (theirs, their_pvid) = self.vlan_view(b)
        self.assertEqual(ours, theirs)
        self.assertEqual(our_pvid, their_pvid)
        self.assertIn((self.b, 31), ours)
        self.assertEqual(ours[(self.a, 10)], True)
        self.assertEqual(ours[(self.b, 20)], False)
        self.assertEqual(int(values[p + 'VLANNumberOfEntries']),
                         len({vid for _, vid in theirs}))
        self.assertEqual(int(values[p + 'VLANPortNumberOfEntries']), len(theirs))
        nums = self.numbers()
        port_b = rows(values, p + 'Port.')[nums[self.b]]
        self.assertEqual(port_b['AcceptableFrameTypes'], 'AdmitOnlyVLANTagged')
        self.assertEqual(port_b['IngressFiltering'], 'true')
        self.assertEqual(rows(values, p + 'Port.')[nums[self.a]]['PVID'], '10')

        # Numbers stay across a restart of dmd; a VLAN removed and added again is new.
        before = rows(values, p + 'VLAN.')
        self.sb.restart_dmd()
        self.assertEqual(rows(self.dm.values([p + 'VLAN.']), p + 'VLAN.'), before)
        highest = max(before)
        self.assertEqual(subprocess.run(['bridge', 'vlan', 'del', 'dev', self.b, 'vid',
                                         '20']).returncode, 0)
        self.assertEqual(subprocess.run(['bridge', 'vlan', 'add', 'dev', self.b, 'vid',
                                         '20']).returncode, 0)
        # Not seen in between: the same row (its identity is bridge and VLAN ID).
        after = {int(r['VLANID']): i for i, r in
                 rows(self.dm.values([p + 'VLAN.']), p + 'VLAN.').items()}
        self.assertEqual(after[20], {int(r['VLANID']): i for i, r in before.items()}[20])
        self.assertEqual(subprocess.run(['bridge', 'vlan', 'del', 'dev', self.b, 'vid',
                                         '20']).returncode, 0)

        def vids():
            return {int(r['VLANID']): i for i, r in
                    rows(self.dm.values([p + 'VLAN.']), p + 'VLAN.').items()}
        self.settle(lambda: self.assertNotIn(20, vids()))
        self.assertEqual(subprocess.run(['bridge', 'vlan', 'add', 'dev', self.b, 'vid',
                                         '20']).returncode, 0)
        self.settle(lambda: self.assertIn(20, vids()))
        self.assertGreater(vids()[20], max(highest, max(after.values())))

        # Filtering off: the bridge ignores its VLAN table, and so does the model.
        self.assertTrue(ip('link', 'set', self.br, 'type', 'bridge', 'vlan_filtering', '0'))

        def unfiltered():
            values = self.dm.values([p])
            self.assertEqual(values[p + 'Standard'], '802.1D-2004')
            self.assertEqual(values[p + 'VLANNumberOfEntries'], '0')
            self.assertEqual(rows(values, p + 'VLAN.'), {})
        self.settle(unfiltered)

    def test_vlan_terminations(self):
        self.make_bridge(0)
        v20, v30 = self.a + '.20', self.br + '.30'
        if not ip('link', 'add', 'link', self.a, 'name', v20, 'type', 'vlan', 'id', '20'):
            self.skipTest('the kernel has no VLAN devices (8021q)')
        self.addCleanup(ip, 'link', 'del', v20)
        self.assertTrue(ip('link', 'add', 'link', self.br, 'name', v30, 'type', 'vlan',
                           'id', '30', 'protocol', '802.1ad'))
        self.addCleanup(ip, 'link', 'del', v30)
        nums = self.numbers()
        values = self.dm.values([VLANT])
        terms = rows(values, VLANT)
        self.assertEqual(int(values['Device.Ethernet.VLANTerminationNumberOfEntries']),
                         len([l for l in run_json('ip', '-j', '-d', 'link', 'show')
                              if l.get('linkinfo', {}).get('info_kind') == 'vlan']))
        for name, lower in ((v20, self.a), (v30, self.br)):
            r = terms[nums[name]]
            info = run_json('ip', '-j', '-d', 'link', 'show', 'dev', name)[0]
            data = info['linkinfo']['info_data']
            self.assertEqual(r['Name'], name)
            self.assertEqual(int(r['VLANID']), data['id'])
            self.assertEqual(int(r['TPID']), 0x88a8 if data['protocol'] == '802.1ad'
                             else 0x8100)
            self.assertEqual(r['LowerLayers'], LINK + '%d' % nums[lower])
            self.assertEqual(r['Enable'], 'false')
            self.assertEqual(r['Status'], 'Down')
            self.assertEqual(self.dm.value(IPIF + '%d.LowerLayers' % nums[name]),
                             VLANT + '%d' % nums[name])
        self.assertEqual(terms[nums[v30]]['TPID'], '34984')
        self.assertEqual(terms[nums[v20]]['TPID'], '33024')
        stack = {(r['HigherLayer'], r['LowerLayer'])
                 for r in rows(self.dm.values([STACK]), STACK).values()}
        self.assertIn((VLANT + '%d' % nums[v20], LINK + '%d' % nums[self.a]), stack)

    def test_numbers_survive_restart_and_are_never_reused(self):
        self.make_bridge(0)
        b, _ = self.bridge_row()
        stack = self.dm.values([STACK])
        self.sb.restart_dmd()
        self.assertEqual(self.bridge_row()[0], b)
        self.assertEqual(self.dm.values([STACK]), stack)
        highest = max(rows(stack, STACK))
        # The bridge deleted and made again: new numbers for it and its stack rows.
        self.assertTrue(ip('link', 'del', self.br))
        self.assertTrue(ip('link', 'add', self.br, 'type', 'bridge'))
        self.assertTrue(ip('link', 'set', self.a, 'master', self.br))
        again, _ = self.bridge_row()
        self.assertGreater(again, b)
        new = rows(self.dm.values([STACK]), STACK)
        row = [i for i, r in new.items() if r['HigherLayer'] == IPIF + '%d' % again]
        self.assertEqual(len(row), 1)
        self.assertGreater(row[0], highest)


    def test_ip_and_routing_extras(self):
        """The interface's router, the expiry of an IPv6 route, a static prefix's type."""
        self.make_bridge(0)
        nums = self.numbers()
        n = nums[self.a]
        if not ip('-6', 'addr', 'add', 'fd00:77::1/64', 'dev', self.a, 'nodad'):
            self.skipTest('no IPv6')
        self.assertTrue(ip('-6', 'route', 'add', 'fd00:78::/64', 'dev', self.a, 'expires',
                           '600'))
        with open('/proc/sys/net/ipv6/conf/all/disable_ipv6') as f:
            self.assertEqual(self.dm.value('Device.IP.IPv6Enable'),
                             'false' if f.read().strip() == '1' else 'true')
        self.assertEqual(self.dm.value('Device.IP.IPv4Enable'), 'true')
        self.assertEqual(self.dm.value(IPIF + '%d.Router' % n), 'Device.Routing.Router.1')
        self.assertEqual(self.dm.value(ETH + '%d.LowerLayers' % n), '')

        values = self.dm.values([IPIF + '%d.' % n])
        prefixes = rows(values, IPIF + '%d.IPv6Prefix.' % n)
        static = [r for r in prefixes.values() if r['Prefix'] == 'fd00:77::/64']
        self.assertEqual(len(static), 1)
        self.assertEqual(static[0]['StaticType'], 'Static')
        self.assertEqual(static[0]['ParentPrefix'], '')
        link_local = [r for r in prefixes.values() if r['Prefix'] == 'fe80::/64']
        for r in link_local:
            self.assertEqual(r['StaticType'], 'Inapplicable')
        for r in rows(values, IPIF + '%d.IPv6Address.' % n).values():
            self.assertEqual(r['Anycast'], 'false')

        table = 'Device.Routing.Router.1.IPv6Forwarding.'
        routes = rows(self.dm.values([table]), table)
        ours = [r for r in routes.values() if r['DestIPPrefix'] == 'fd00:78::/64']
        self.assertEqual(len(ours), 1)
        expiry = calendar.timegm(time.strptime(ours[0]['ExpirationTime'], '%Y-%m-%dT%H:%M:%SZ'))
        self.assertAlmostEqual(expiry, time.time() + 600, delta=30)
        self.assertEqual(ours[0]['ForwardingPolicy'], '-1')
        on_link = [r for r in routes.values() if r['DestIPPrefix'] == 'fd00:77::/64']
        self.assertEqual(on_link[0]['ExpirationTime'], '9999-12-31T23:59:59Z')

        # A route a router advertisement made (RFC 4191 route information).
        if not ip('-6', 'route', 'add', 'fd00:79::/64', 'via', 'fe80::1', 'dev', self.a, 'proto',
                  'ra', 'pref', 'high', 'expires', '300'):
            self.skipTest('cannot add a route of protocol ra')
        info = 'Device.Routing.RouteInformation.InterfaceSetting.'
        values = self.dm.values(['Device.Routing.RouteInformation.'])
        theirs = [r for r in run_json('ip', '-j', '-6', 'route', 'show', 'table', 'main')
                  if r.get('protocol') == 'ra']
        self.assertEqual(int(values['Device.Routing.RouteInformation.'
                                    'InterfaceSettingNumberOfEntries']), len(theirs))
        ours = [(i, r) for i, r in rows(values, info).items() if r['Prefix'] == 'fd00:79::/64']
        self.assertEqual(len(ours), 1)
        i, r = ours[0]
        self.assertEqual(r['SourceRouter'], 'fe80::1')
        self.assertEqual(r['Interface'], IPIF + '%d' % n)
        self.assertEqual(r['PreferredRouteFlag'], 'High')
        self.assertEqual(r['Status'], 'ForwardingEntryCreated')
        self.assertEqual(r['ManagedAddressConfiguration'], 'false')
        lifetime = calendar.timegm(time.strptime(r['RouteLifetime'], '%Y-%m-%dT%H:%M:%SZ'))
        self.assertAlmostEqual(lifetime, time.time() + 300, delta=30)
        # the same route as IPv6Forwarding, with the same number
        self.assertEqual(self.dm.value(table + '%d.DestIPPrefix' % i), 'fd00:79::/64')
        self.assertEqual(self.dm.value(table + '%d.Origin' % i), 'RA')


    def test_ethtool_values_of_a_veth(self):
        """A veth's driver reports 10 Gb/s full duplex without negotiation, on twisted pair
        with the crossover unknown, and has neither EEE nor pause frames."""
        self.make_bridge(0)
        n = self.numbers()[self.a]
        values = self.dm.values([ETH + '%d.' % n, LINK + '%d.FlowControl' % n])
        with open('/sys/class/net/%s/speed' % self.a) as f:
            self.assertEqual(values[ETH + '%d.MaxBitRate' % n], f.read().strip())
        self.assertEqual(values[ETH + '%d.DuplexMode' % n], 'Full')
        self.assertEqual(values[ETH + '%d.CurrentMDIX' % n], 'Unknown')
        self.assertNotIn(ETH + '%d.MDIX' % n, values)  # a veth has no crossover to set
        self.assertEqual(values[ETH + '%d.EEECapability' % n], 'false')
        self.assertEqual(values[ETH + '%d.EEEEnable' % n], 'false')
        self.assertEqual(values[ETH + '%d.EEEStatus' % n], 'Unsupported')
        self.assertEqual(values[LINK + '%d.FlowControl' % n], 'false')

        # Every Ethernet port as the driver answers the same question here.
        values = self.dm.values(['Device.Ethernet.'])
        pause = False
        for i, r in rows(values, ETH).items():
            settings = link_settings(r['Name'])
            if settings is None:
                continue  # gone meanwhile, or a driver without link settings
            speed, duplex, autoneg, bits = settings
            pause = pause or bool(bits & {13, 14})  # Pause, Asym_Pause
            if autoneg:
                self.assertEqual(r.get('MaxBitRate'), '-1', r['Name'])
                self.assertEqual(r.get('DuplexMode'), 'Auto', r['Name'])
            else:
                self.assertEqual(r.get('MaxBitRate'),
                                 None if speed in (0, 0xffffffff) else str(speed), r['Name'])
                self.assertEqual(r.get('DuplexMode'),
                                 {0: 'Half', 1: 'Full'}.get(duplex), r['Name'])
        self.assertEqual(values['Device.Ethernet.FlowControlSupported'],
                         'true' if pause else 'false')


    def test_host_behind_a_bridge_port(self):
        """A neighbour seen on the bridge is behind the port its forwarding database says."""
        if not ip('link', 'add', self.br, 'type', 'bridge'):
            self.skipTest('cannot create a bridge')
        self.addCleanup(ip, 'link', 'del', self.br)
        ns = 'cwmpbr%d' % (os.getpid() % 100000)
        netns.add_namespace(self, ns)
        self.assertTrue(ip('link', 'add', self.a, 'type', 'veth', 'peer', 'name', self.a + 'p'))
        self.addCleanup(ip, 'link', 'del', self.a)
        net = '198.19.%d' % (os.getpid() % 250)
        for step in [('link', 'set', self.a + 'p', 'netns', ns),
                     ('link', 'set', self.a, 'master', self.br),
                     ('link', 'set', self.a, 'up'),
                     ('link', 'set', self.br, 'up'),
                     ('addr', 'add', net + '.1/24', 'dev', self.br),
                     ('-n', ns, 'addr', 'add', net + '.2/24', 'dev', self.a + 'p'),
                     ('-n', ns, 'link', 'set', self.a + 'p', 'up')]:
            self.assertTrue(ip(*step), step)
        peer_mac = run_json('ip', '-j', '-n', ns, 'link', 'show', 'dev', self.a + 'p')[0]['address']

        def host():
            subprocess.run(['ping', '-c', '1', '-W', '1', net + '.2'], capture_output=True)
            values = self.dm.values(['Device.Hosts.Host.'])
            found = [r for r in rows(values, 'Device.Hosts.Host.').values()
                     if r['PhysAddress'] == peer_mac]
            self.assertEqual(len(found), 1, values)
            return found[0]
        if not shutil.which('ping'):
            self.skipTest('needs ping(8)')
        r = self.settle(host, 25)
        nums = self.numbers()
        fdb = [e for e in run_json('bridge', '-j', 'fdb', 'show', 'br', self.br)
               if e.get('mac') == peer_mac]
        self.assertEqual([e['ifname'] for e in fdb], [self.a])
        self.assertEqual(r['Layer3Interface'], IPIF + '%d' % nums[self.br])
        self.assertEqual(r['Layer1Interface'], ETH + '%d' % nums[self.a])
        self.assertEqual(r['InterfaceType'], 'Ethernet')



class BridgeEventTest(cwmptest.CwmpAgentTestCase):
    """A bridge's new port is notified at once: the kernel's link event pokes the value
    watcher for Device.Bridging., long before its next sample."""

    def test_new_port_is_notified_at_once(self):
        if os.geteuid() != 0 or not shutil.which('ip'):
            self.skipTest('needs root and ip(8)')
        tag = '%d' % (os.getpid() % 100000)
        br, a = 'cbe' + tag, 'cve' + tag
        if not ip('link', 'add', br, 'type', 'bridge'):
            self.skipTest('cannot create a bridge')
        self.addCleanup(ip, 'link', 'del', br)
        self.assertTrue(ip('link', 'add', a, 'type', 'veth', 'peer', 'name', a + 'p'))
        self.addCleanup(ip, 'link', 'del', a)
        write = self.sb.dmd_config
        self.sb.dmd_config = lambda extra=None: write(
            dict({'Notification': {'SamplePeriodSec': '600'}}, **(extra or {})))
        self.start_cwmp()
        numbers = {r['Name']: i for i, r in rows(self.dm.values([IPIF]), IPIF).items()}
        count = BRIDGE + '%d.PortNumberOfEntries' % numbers[br]
        self.assertEqual(self.dm.value(count), '1')
        stack = 'Device.InterfaceStackNumberOfEntries'
        self.run_session(self.A.Script([self.A.set_parameter_attributes(
            [(count, True, 2, False, []), (stack, True, 2, False, [])])]))
        # The watcher's first reading is its reference (its round after start, or the one
        # an event causes): let it happen before the change.
        self.assertTrue(ip('link', 'set', a, 'mtu', '1400'))
        time.sleep(cwmptest.scaled(3))
        self.acs.wait_idle(cwmptest.scaled(10))
        n = self.acs.session_count()
        before = int(self.dm.value(stack))
        self.assertTrue(ip('link', 'set', a, 'master', br))
        s = self.acs.wait_session(n, cwmptest.scaled(10))
        self.assertSessionOk(s)
        self.assertIn('4 VALUE CHANGE', s.event_codes)
        self.assertEqual(s.params.get(count), '2')
        # Two stack rows more (the management port on the new port, the port on its
        # Ethernet interface); other tests' interfaces may come and go meanwhile.
        if s.params.get(stack) is None:
            s = self.acs.wait_session(n + 1, cwmptest.scaled(10))
        self.assertIsNotNone(s.params.get(stack))
        self.assertNotEqual(int(s.params[stack]), before)


if __name__ == '__main__':
    cwmptest.main()
