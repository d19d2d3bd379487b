#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Device.Ethernet., Device.IP., Device.Routing. and Device.Hosts. compared with the
system's own view in the same moment (ip -j, ss, /sys), on a veth pair to a network
namespace this test makes, and the stability of their instance numbers."""

import ipaddress
import json
import os
import re
import shutil
import socket
import subprocess
import time

import cwmptest
import netns

ETH = 'Device.Ethernet.Interface.'
IPIF = 'Device.IP.Interface.'
ROUTER = 'Device.Routing.Router.1.'
HOSTS = 'Device.Hosts.Host.'
PORTS = 'Device.IP.ActivePort.'

ROUTE_TYPES = (None, 'unicast', 'blackhole', 'unreachable', 'prohibit')


def ip_json(*args):
    out = subprocess.run(['ip', '-j'] + list(args), capture_output=True, text=True, check=True)
    return json.loads(out.stdout or '[]')


ip = netns.ip


def sys_stat(ifname, counter):
    with open('/sys/class/net/%s/statistics/%s' % (ifname, counter)) as f:
        return int(f.read())


rows = cwmptest.table_rows


def prefix_of_mask(mask):
    return sum(bin(int(b)).count('1') for b in mask.split('.'))


class Network:
    """A veth pair to a namespace, and readings of the interface table."""

    def need_root(self):
        netns.need_root(self)

    def veth(self):
        """A veth pair, its far end in a namespace of its own: (our name, our address, the
        peer's address). Both ends are up and have answered a ping."""
        tag = netns.tag()
        net = netns.subnet()
        ns, here, there = 'cwmpnet' + tag, 'vnet' + tag, 'vnetp' + tag
        netns.veth_to_namespace(self, ns, here, there, net + '.1/24', net + '.2/24',
                                loopback=True)
        self.ns, self.net = ns, net
        self.ping(net + '.2')
        return here, net + '.1', net + '.2'

    def ping(self, address, count=1):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(count):
            s.sendto(b'x' * 100, (address, 9))
        s.close()
        # The neighbour entry exists once the peer answered ARP: wait for it.
        for _ in range(50):
            if any(n.get('dst') == address and 'lladdr' in n for n in ip_json('neigh')):
                return
            time.sleep(0.05)
        self.fail('no neighbour entry for %s' % address)

    def by_alias(self, path):
        """The value of a parameter named through an Alias: (its instance path, value)."""
        got = self.dm.gpv([path])
        self.assertEqual(len(got), 1, got)
        return got[0][0], got[0][2]

    def interface_numbers(self):
        """{name: instance} of Device.IP.Interface."""
        return {r['Name']: i for i, r in rows(self.dm.values([IPIF]), IPIF).items()}



class LiveNetworkTest(Network, cwmptest.CwmpTestCase):

    def setUp(self):
        super().setUp()
        self.need_root()
        self.sb.start_dmd()

    def same_view(self, ours, theirs, what):
        """Compare two views taken one after the other; another test may change the system
        in between, so a difference must persist over a few tries."""
        for _ in range(4):
            a, b = ours(), theirs()
            if a == b:
                return
            time.sleep(0.2)
        self.assertEqual(a, b, what)

    # -- the tables against ip(8) -------------------------------------------------------

    def test_interfaces(self):
        here, _, _ = self.veth()
        links = {l['ifname']: l for l in ip_json('link')}
        got = self.dm.values([IPIF])
        ipif = rows(got, IPIF)
        by_name = {r['Name']: (i, r) for i, r in ipif.items()}
        self.assertEqual(int(self.dm.value('Device.IP.InterfaceNumberOfEntries')), len(ipif))
        for name, link in links.items():
            if name not in by_name:
                continue  # another test's, made in between
            i, r = by_name[name]
            self.assertEqual(r['Enable'], 'true' if 'UP' in link['flags'] else 'false', name)
            self.assertEqual(r['Loopback'], 'true' if 'LOOPBACK' in link['flags'] else 'false')
            self.assertEqual(int(r['MaxMTUSize']), min(link['mtu'], 65535), name)
            self.assertEqual(r['Alias'], 'cpe-' + re.sub(r'[.\[\]]', '_', name))
            if link.get('operstate') == 'UP':
                self.assertEqual(r['Status'], 'Up', name)
            if link.get('operstate') == 'DOWN':
                self.assertEqual(r['Status'], 'Down', name)
        self.assertEqual(by_name['lo'][1]['Type'], 'Loopback')
        self.assertEqual(by_name['lo'][1]['LowerLayers'], '')

        # The veth is an Ethernet interface with the same number, under its Ethernet link.
        n, r = by_name[here]
        self.assertEqual(r['Status'], 'Up')
        self.assertEqual(r['LowerLayers'], 'Device.Ethernet.Link.%d' % n)
        self.assertEqual(self.dm.values(['Device.Ethernet.Link.%d.LowerLayers' % n]),
                         {'Device.Ethernet.Link.%d.LowerLayers' % n: ETH + '%d' % n})
        eth = self.dm.values([ETH + '%d.' % n])
        self.assertEqual(eth[ETH + '%d.Name' % n], here)
        self.assertEqual(eth[ETH + '%d.MACAddress' % n], links[here]['address'])
        self.assertEqual(eth[ETH + '%d.Status' % n], 'Up')
        self.assertEqual(eth[ETH + '%d.Upstream' % n], 'false')
        with open('/sys/class/net/%s/speed' % here) as f:
            self.assertEqual(eth[ETH + '%d.CurrentBitRate' % n], f.read().strip())
        eth = rows(self.dm.values([ETH]), ETH)
        eth_names = [r['Name'] for r in eth.values()]
        self.assertIn(here, eth_names)
        self.assertNotIn('lo', eth_names)
        # Upstream: the interfaces the default routes leave through
        upstream = {r.get('dev') for args in (['route'], ['-6', 'route'])
                    for r in ip_json(*args) if r.get('dst') == 'default'
                    and r.get('type') in (None, 'unicast')}
        for r in eth.values():
            self.assertEqual(r['Upstream'], 'true' if r['Name'] in upstream else 'false',
                             r['Name'])

    def test_alias_of_a_name_with_a_dot(self):
        name = 'vnet%d.7' % (os.getpid() % 10000)
        if not ip('link', 'add', name, 'type', 'veth', 'peer', 'name', 'vnetq%d' % os.getpid()):
            self.skipTest('cannot create a veth pair')
        self.addCleanup(ip, 'link', 'del', name)
        n = self.interface_numbers()[name]
        alias = 'cpe-' + name.replace('.', '_')
        self.assertEqual(self.dm.value(IPIF + '%d.Alias' % n), alias)
        self.assertEqual(self.by_alias(IPIF + '[%s].Name' % alias), (IPIF + '%d.Name' % n, name))

    def test_addresses(self):
        self.veth()

        def theirs():
            v4, v6 = set(), set()
            for link in ip_json('addr'):
                for a in link.get('addr_info', []):
                    item = (link['ifname'], a['local'], a['prefixlen'])
                    (v4 if a['family'] == 'inet' else v6).add(item)
            return v4, v6

        def ours():
            got = self.dm.values([IPIF])
            names = {i: r['Name'] for i, r in rows(got, IPIF).items()}
            v4, v6 = set(), set()
            for name, value in got.items():
                m = re.match(re.escape(IPIF) + r'(\d+)\.IPv4Address\.(\d+)\.IPAddress$', name)
                if m:
                    mask = got[name[:-len('IPAddress')] + 'SubnetMask']
                    v4.add((names[int(m.group(1))], value, prefix_of_mask(mask)))
                m = re.match(re.escape(IPIF) + r'(\d+)\.IPv6Address\.(\d+)\.IPAddress$', name)
                if m:
                    # the prefix length is the one of the address's row in IPv6Prefix
                    prefix = got[name[:-len('IPAddress')] + 'Prefix']
                    length = 128
                    if prefix:
                        network = ipaddress.ip_network(got[prefix + '.Prefix'])
                        self.assertIn(ipaddress.ip_address(value), network)
                        self.assertTrue(prefix.startswith(IPIF + m.group(1) + '.IPv6Prefix.'))
                        length = network.prefixlen
                    v6.add((names[int(m.group(1))], value, length))
            return v4, v6
        self.same_view(ours, theirs, 'addresses')

    def test_ipv6_prefix(self):
        here, _, _ = self.veth()
        n = self.interface_numbers()[here]
        net6 = '2001:db8:%x' % (os.getpid() % 65536)
        self.assertTrue(ip('addr', 'add', net6 + '::1/64', 'dev', here, 'nodad'))
        self.assertTrue(ip('addr', 'add', net6 + '::2/64', 'dev', here, 'nodad'))
        for _ in range(20):
            got = self.dm.values([IPIF + '%d.' % n])
            prefixes = rows(got, IPIF + '%d.IPv6Prefix.' % n)
            mine = {i: p for i, p in prefixes.items() if p['Prefix'] == net6 + '::/64'}
            if mine:
                break
            time.sleep(0.05)
        self.assertEqual(len(mine), 1, prefixes)
        (i, p), = mine.items()
        self.assertEqual(p['Origin'], 'Static')
        self.assertEqual(p['OnLink'], 'true')  # the kernel made the prefix route
        self.assertEqual(p['PrefixStatus'], 'Preferred')
        # both addresses name it; the link-local address has its own, well-known prefix
        addrs = rows(got, IPIF + '%d.IPv6Address.' % n).values()
        ref = IPIF + '%d.IPv6Prefix.%d' % (n, i)
        self.assertEqual(sorted(a['IPAddress'] for a in addrs if a['Prefix'] == ref),
                         [net6 + '::1', net6 + '::2'])
        self.assertEqual(int(got[IPIF + '%d.IPv6PrefixNumberOfEntries' % n]), len(prefixes))
        self.assertIn('WellKnown', [p['Origin'] for p in prefixes.values()
                                    if p['Prefix'] == 'fe80::/64'])

    def test_routes(self):
        self.veth()

        def theirs():
            out = []
            for family, args in (('4', ['route']), ('6', ['-6', 'route'])):
                for r in ip_json(*args):
                    if r.get('type') not in ROUTE_TYPES:
                        continue
                    dst = r['dst']
                    if dst == 'default':
                        dst = '0.0.0.0/0' if family == '4' else '::/0'
                    elif '/' not in dst:
                        dst += '/32' if family == '4' else '/128'
                    out.append((family, dst, r.get('gateway', ''), r.get('dev', ''),
                                r.get('metric', 0), (r.get('type') or 'unicast')))
            return sorted(out)

        def ours():
            got = self.dm.values([ROUTER])
            names = self.interface_numbers()
            names = {IPIF + '%d' % i: n for n, i in names.items()}
            out = []
            types = {'Normal': 'unicast', 'Blackhole': 'blackhole',
                     'Unreachable': 'unreachable', 'Prohibit': 'prohibit'}
            for r in rows(got, ROUTER + 'IPv4Forwarding.').values():
                dst = (r['DestIPAddress'] or '0.0.0.0') + '/%d' % (
                    prefix_of_mask(r['DestSubnetMask']) if r['DestSubnetMask'] else 0)
                out.append(('4', dst, r['GatewayIPAddress'], names.get(r['Interface'], ''),
                            int(r['ForwardingMetric']), types[r['Type']]))
            for r in rows(got, ROUTER + 'IPv6Forwarding.').values():
                out.append(('6', r['DestIPPrefix'], r['NextHop'], names.get(r['Interface'], ''),
                            int(r['ForwardingMetric']), types[r['Type']]))
            self.assertEqual(int(got[ROUTER + 'IPv4ForwardingNumberOfEntries']),
                             len([o for o in out if o[0] == '4']))
            return sorted(out)
        self.same_view(ours, theirs, 'routes')
        here = self.veth_name = [n for n in self.interface_numbers() if n.startswith('vnet')][0]
        got = self.dm.values([ROUTER + 'IPv4Forwarding.'])
        mine = [r for r in rows(got, ROUTER + 'IPv4Forwarding.').values()
                if r['DestIPAddress'] == self.net + '.0']
        self.assertEqual(len(mine), 1, got)
        self.assertEqual(mine[0]['DestSubnetMask'], '255.255.255.0')
        self.assertEqual(mine[0]['Interface'], IPIF + '%d' % self.interface_numbers()[here])
        self.assertEqual(mine[0]['StaticRoute'], 'false')  # the kernel's prefix route

    def test_hosts(self):
        here, _, peer = self.veth()
        mac = ip_json('-n', self.ns, 'link', 'show', 'vnetp' + here[len('vnet'):])[0]['address']

        def theirs():
            out = set()
            for n in ip_json('neigh'):
                states = set(n.get('state', []))
                if 'lladdr' not in n or states & {'FAILED', 'INCOMPLETE', 'NOARP', 'NONE'} \
                        or n['dev'] == 'lo':
                    continue
                out.add((n['dev'], n['lladdr'], n['dst']))
            return out

        def ours():
            got = self.dm.values(['Device.Hosts.'])
            names = {IPIF + '%d' % i: n for n, i in self.interface_numbers().items()}
            out = set()
            hosts = rows(got, HOSTS)
            self.assertEqual(int(got['Device.Hosts.HostNumberOfEntries']), len(hosts))
            for i, h in hosts.items():
                for fam in ('IPv4', 'IPv6'):
                    for a in rows(got, HOSTS + '%d.%sAddress.' % (i, fam)).values():
                        out.add((names[h['Layer3Interface']], h['PhysAddress'], a['IPAddress']))
            return out
        self.same_view(ours, theirs, 'neighbours')
        got = self.dm.values(['Device.Hosts.'])
        peer_rows = [h for h in rows(got, HOSTS).values() if h['PhysAddress'] == mac]
        self.assertEqual(len(peer_rows), 1, got)
        self.assertEqual(peer_rows[0]['IPAddress'], peer)
        self.assertEqual(peer_rows[0]['Active'], 'true')  # it just answered
        n = self.interface_numbers()[here]
        self.assertEqual(peer_rows[0]['Layer1Interface'], ETH + '%d' % n)

    def test_listening_and_established_ports(self):
        server = socket.socket()
        server.bind(('127.0.0.1', 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(('127.0.0.1', port))
        conn, _ = server.accept()
        self.addCleanup(server.close)
        self.addCleanup(client.close)
        self.addCleanup(conn.close)

        def theirs():
            out = set()
            for line in subprocess.run(['ss', '-H', '-tln'], capture_output=True, text=True,
                                       check=True).stdout.splitlines():
                local = line.split()[3]
                addr, p = local.rsplit(':', 1)
                addr = addr.strip('[]').split('%')[0]
                out.add((addr, int(p)))
            return out

        def ours():
            got = self.dm.values([PORTS])
            out = set()
            for r in rows(got, PORTS).values():
                if r['Status'] == 'LISTEN':
                    out.add((r['LocalIPAddress'], int(r['LocalPort'])))
            return out

        def normal(view):
            # ss writes the IPv6 wildcard of a dual-stack socket as "*"
            return {('::' if a == '*' else a, p) for a, p in view}
        if shutil.which('ss'):
            self.same_view(lambda: normal(ours()), lambda: normal(theirs()), 'listening ports')
        got = rows(self.dm.values([PORTS]), PORTS)
        self.assertIn({'LocalIPAddress': '127.0.0.1', 'LocalPort': str(port),
                       'RemoteIPAddress': '0.0.0.0', 'RemotePort': '0', 'Status': 'LISTEN'},
                      list(got.values()))
        cport = client.getsockname()[1]
        self.assertIn({'LocalIPAddress': '127.0.0.1', 'LocalPort': str(cport),
                       'RemoteIPAddress': '127.0.0.1', 'RemotePort': str(port),
                       'Status': 'ESTABLISHED'}, list(got.values()))
        self.assertEqual(int(self.dm.value('Device.IP.ActivePortNumberOfEntries')) > 0, True)

    # -- counters --------------------------------------------------------------------------

    def test_counters_follow_traffic(self):
        here, _, peer = self.veth()
        n = self.interface_numbers()[here]
        stats = ETH + '%d.Stats.' % n
        before = sys_stat(here, 'tx_packets')
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(50):
            s.sendto(b'y' * 200, (peer, 9))
        s.close()
        for counter, param in (('tx_packets', 'PacketsSent'), ('tx_bytes', 'BytesSent'),
                               ('rx_packets', 'PacketsReceived'),
                               ('rx_bytes', 'BytesReceived')):
            low = sys_stat(here, counter)
            value = int(self.dm.value(stats + param))
            ip_value = int(self.dm.value(IPIF + '%d.Stats.%s' % (n, param)))
            high = sys_stat(here, counter)
            self.assertTrue(low <= value <= high, (param, low, value, high))
            self.assertTrue(low <= ip_value <= high, (param, low, ip_value, high))
        self.assertGreaterEqual(int(self.dm.value(stats + 'PacketsSent')), before + 50)

    def test_active_notification_refused_for_counters(self):
        self.veth()
        n = min(self.interface_numbers().values())
        counter = IPIF + '%d.Stats.BytesSent' % n
        self.assertFault(9009, self.dm.spa, [(counter, True, 2, False, [])])
        self.dm.spa([(counter, True, 1, False, [])])  # passive is fine
        self.dm.spa([(IPIF + '%d.Status' % n, True, 2, False, [])])
        self.assertEqual(self.dm.attributes([IPIF + '%d.Status' % n])[IPIF + '%d.Status' % n][0],
                         2)
        # the state the kernel owns is read-only
        self.assertFault(9003, self.dm.spv, {IPIF + '%d.Enable' % n: 'false'},
                         params={IPIF + '%d.Enable' % n: 9008})
        self.assertFault(9001, self.dm.add, IPIF)
        self.assertFault(9001, self.dm.delete, IPIF + '%d.' % n)

    # -- numbering ---------------------------------------------------------------------------

    def test_new_address_appears_and_numbers_stay(self):
        here, _, _ = self.veth()
        before = self.dm.gpn('Device.IP.Interface.', False)
        before = {n for n, _ in before if n.endswith('.')}
        n = self.interface_numbers()[here]
        self.assertTrue(ip('addr', 'add', self.net + '.77/24', 'dev', here))
        after = None
        for _ in range(20):
            got = self.dm.values([IPIF + '%d.IPv4Address.' % n])
            if self.net + '.77' in got.values():
                after = got
                break
            time.sleep(0.05)
        self.assertIsNotNone(after, 'the new address did not appear')
        now = {n for n, _ in self.dm.gpn('Device.IP.Interface.', False) if n.endswith('.')}
        # Every row that existed keeps its number (rows of other tests may come and go).
        mine = {p for p in before if p.startswith(IPIF + '%d.' % n)}
        self.assertTrue(mine <= now, (mine - now))
        new = now - before
        self.assertTrue(any(p.startswith(IPIF + '%d.IPv4Address.' % n) for p in new), new)
        self.assertEqual(int(self.dm.value(IPIF + '%d.IPv4AddressNumberOfEntries' % n)), 2)

    def test_numbers_survive_restart_and_reboot_but_are_never_reused(self):
        here, _, _ = self.veth()
        numbers = self.interface_numbers()
        n = numbers[here]
        # Alias: the default, a path through it, and one the ACS sets, which is kept.
        self.assertEqual(self.by_alias(IPIF + '[cpe-%s].Name' % here),
                         (IPIF + '%d.Name' % n, here))
        self.dm.spv({IPIF + '%d.Alias' % n: 'test-lan'}, 'k1')
        self.assertEqual(self.by_alias(IPIF + '[test-lan].Name'), (IPIF + '%d.Name' % n, here))

        self.sb.restart_dmd()
        self.assertEqual(self.interface_numbers()[here], n)
        self.assertEqual(self.interface_numbers()['lo'], numbers['lo'])
        self.sb.reboot()
        self.assertEqual(self.interface_numbers()[here], n)
        self.assertEqual(self.by_alias(IPIF + '[test-lan].Name'), (IPIF + '%d.Name' % n, here))

        # Deleted and made again: another interface, another number never given before.
        highest = max(self.interface_numbers().values())
        self.assertTrue(ip('link', 'del', here))
        self.assertTrue(ip('link', 'add', here, 'type', 'veth', 'peer', 'name', here + 'q'))
        again = self.interface_numbers()[here]
        self.assertGreater(again, highest)
        # also when dmd did not see it happen
        self.sb.dmd.stop()
        self.assertTrue(ip('link', 'del', here))
        self.assertTrue(ip('link', 'add', here, 'type', 'veth', 'peer', 'name', here + 'q'))
        self.sb.dmd.start()
        third = self.interface_numbers()[here]
        self.assertGreater(third, again)


class KernelEventTest(Network, cwmptest.CwmpAgentTestCase):
    """A kernel event makes dmd read the watched values at once, long before its next
    sample."""

    def test_new_address_is_notified_at_once(self):
        self.need_root()
        here, _, _ = self.veth()
        write = self.sb.dmd_config
        self.sb.dmd_config = lambda extra=None: write(
            dict({'Notification': {'SamplePeriodSec': '600'}}, **(extra or {})))
        self.start_cwmp()
        count = IPIF + '%d.IPv4AddressNumberOfEntries' % self.interface_numbers()[here]
        self.run_session(self.A.Script([self.A.set_parameter_attributes(
            [(count, True, 2, False, [])])]))
        # The watcher takes the value it reads first as the reference: its round after
        # start (1.5 s, once cwmpd is on the bus) or the one a link event causes sets it.
        self.assertTrue(ip('link', 'set', here, 'mtu', '1400'))
        time.sleep(cwmptest.scaled(3))
        self.acs.wait_idle(cwmptest.scaled(10))
        n = self.acs.session_count()
        self.assertTrue(ip('addr', 'add', self.net + '.78/24', 'dev', here))
        s = self.acs.wait_session(n, cwmptest.scaled(10))
        self.assertSessionOk(s)
        self.assertIn('4 VALUE CHANGE', s.event_codes)
        self.assertEqual(s.params.get(count), '2')


if __name__ == '__main__':
    cwmptest.main()
