#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""dmd's built-in Device.USB., DeviceInfo's Processor / SupportedDataModel /
NetworkProperties, and the DHCP clients (Device.DHCPv4.Client., Device.DHCPv6.Client.),
compared with the running system in the same run: /sys/bus/usb/devices, /sys/devices/system/
cpu, /proc/sys/net/ipv4, the kernel's addresses (ip -j addr) and lease files the test writes
in the formats systemd-networkd and dhclient use."""

import glob
import json
import os
import re
import subprocess
import time

import cwmptest

DI = 'Device.DeviceInfo.'
HOSTS = 'Device.USB.USBHosts.'
V4 = 'Device.DHCPv4.'
V6 = 'Device.DHCPv6.'
USB_DEVICES = '/sys/bus/usb/devices'
ARCH = {'x86_64': 'x86_64', 'aarch64': 'arm', 'i686': 'i386', 'i586': 'i386', 'i386': 'i386'}


def read(path):
    with open(path) as f:
        return f.read().strip()


def usb_entries():
    """Root hubs and devices (not interfaces) as ls /sys/bus/usb/devices shows them."""
    names = os.listdir(USB_DEVICES) if os.path.isdir(USB_DEVICES) else []
    hubs = sorted(n for n in names if re.fullmatch(r'usb\d+', n))
    devices = sorted(n for n in names if re.fullmatch(r'\d+-[\d.]+', n))
    return hubs, devices


def usb_netifs():
    """Network interfaces whose device is on USB, and their (name, MAC, rx_bytes)."""
    out = {}
    for d in glob.glob('/sys/class/net/*'):
        sub = os.path.join(d, 'device', 'subsystem')
        if os.path.islink(sub) and os.path.basename(os.readlink(sub)) == 'usb':
            out[os.path.basename(d)] = read(os.path.join(d, 'address'))
    return out


def root_ports():
    """Receptacles of the root hubs: their ports but hardwired or unused ones, a USB 2 / USB 3
    pair (linked by peer) counted once."""
    ports = {}
    for d in glob.glob(os.path.join(USB_DEVICES, '*-0:1.0', 'usb*-port*')):
        try:
            kind = read(os.path.join(d, 'connect_type'))
        except OSError:
            kind = None
        peer = os.path.join(d, 'peer')
        ports[os.path.basename(d)] = (kind not in ('hardwired', 'not used'),
                                      os.path.basename(os.readlink(peer))
                                      if os.path.islink(peer) else None)
    names = set()
    for name, (usable, peer) in ports.items():
        if usable and (peer is None or ports.get(peer, (True,))[0]):
            names.add(min(name, peer) if peer else name)
    return names


def cpu_list(text):
    cpus = []
    for part in text.split(','):
        lo, _, hi = part.partition('-')
        cpus += range(int(lo), int(hi or lo) + 1)
    return cpus


def lifetime_of(ifname, address):
    """The kernel's valid lifetime of an IPv4 address, as TR-181 reads it (-1: for ever)."""
    out = json.loads(subprocess.run(['ip', '-j', '-4', 'addr', 'show', 'dev', ifname],
                                    check=True, capture_output=True, text=True).stdout)
    for link in out:
        for a in link.get('addr_info', []):
            if a.get('local') == address:
                v = a.get('valid_life_time', 4294967295)
                return '-1' if v == 4294967295 else str(v)
    return None


NETWORKD_LEASE = """# This is private data. Do not parse.
ADDRESS=127.0.0.1
NETMASK=255.0.0.0
ROUTER=192.0.2.1 192.0.2.2
SERVER_ADDRESS=192.0.2.254
BROADCAST=127.255.255.255
T1=12h
T2=21h
LIFETIME=1d
DNS=192.0.2.53 198.51.100.53
DOMAINNAME=example.net
CLIENTID=ff0ad2e0f500020000ab11
"""

DHCLIENT_LEASES = """lease {
  interface "nosuch-wan0";
  fixed-address 203.0.113.45;
  option subnet-mask 255.255.255.128;
  option routers 203.0.113.1;
  option dhcp-lease-time 3600;
  option domain-name-servers 203.0.113.1,198.51.100.7;
  option dhcp-server-identifier 203.0.113.2;
  renew 3 2026/11/25 10:17:32;
  rebind 3 2026/11/25 10:39:22;
  expire 3 2026/11/25 10:46:52;
}
"""

DHCLIENT6_LEASES = """default-duid "\\000\\001\\000\\001\\037\\305\\371\\341RT\\000\\0224V";
lease6 {
  interface "lo";
  ia-na 1e:52:54:00 {
    starts 1700000000;
    iaaddr 2001:db8::10 {
      starts 1700000000;
      preferred-life 4500;
      max-life 7200;
    }
  }
  option dhcp6.client-id 0:1:0:1:1f:c5:f9:e1:52:54:0:12:34:56;
  option dhcp6.server-id 0:1:0:1:2a:aa:bb:cc:52:54:0:aa:bb:cc;
}
"""


class LiveUsbDhcpTest(cwmptest.CwmpTestCase):

    def rows(self, table, values):
        return cwmptest.table_rows(values, table)

    def test_usb_matches_sysfs(self):
        self.sb.start_dmd()
        hubs, devices = usb_entries()
        got = self.dm.values(['Device.USB.'])
        print('compared with ls %s: %d root hubs %s, %d devices %s'
              % (USB_DEVICES, len(hubs), hubs, len(devices), devices))
        self.assertEqual(got[HOSTS + 'HostNumberOfEntries'], str(len(hubs)))
        hosts = self.rows(HOSTS + 'Host.', got)
        self.assertEqual(sorted(h['Name'] for h in hosts.values()), sorted(hubs))
        for inst, h in hosts.items():
            self.assertEqual(inst, int(h['Name'][3:]), 'a host is numbered by its bus')
            driver = os.path.basename(os.path.realpath(
                os.path.join(USB_DEVICES, h['Name'], '..', 'driver')))
            kind = {'xhci': 'xHCI', 'ehci': 'EHCI', 'ohci': 'OHCI', 'uhci': 'UHCI'}
            self.assertEqual(h['Type'], kind.get(driver[:4], 'Unknown'), driver)
            on_bus = [d for d in devices if d.split('-')[0] == str(inst)]
            self.assertEqual(h['DeviceNumberOfEntries'], str(len(on_bus)))
        dev_pat = re.compile(re.escape(HOSTS) + r'Host\.(\d+)\.Device\.(\d+)\.(\w+)$')
        served = {}
        for n, v in got.items():
            m = dev_pat.match(n)
            if m:
                served.setdefault((int(m.group(1)), int(m.group(2))), {})[m.group(3)] = v
        self.assertEqual(len(served), len(devices))
        want = sorted((int(d.split('-')[0]), int(read(os.path.join(USB_DEVICES, d, 'devnum'))),
                       int(read(os.path.join(USB_DEVICES, d, 'idVendor')), 16),
                       int(read(os.path.join(USB_DEVICES, d, 'idProduct')), 16))
                      for d in devices)
        have = sorted((bus, int(d['DeviceNumber']), int(d['VendorID']), int(d['ProductID']))
                      for (bus, _), d in served.items())
        self.assertEqual(have, want)
        # Network interfaces on USB.
        netifs = usb_netifs()
        print('compared with /sys/class/net/*/device/subsystem: USB network interfaces %s'
              % sorted(netifs))
        self.assertEqual(got['Device.USB.InterfaceNumberOfEntries'], str(len(netifs)))
        served_if = self.rows('Device.USB.Interface.', got)
        self.assertEqual({i['Name']: i['MACAddress'] for i in served_if.values()}, netifs)
        # The root hubs' ports, one row per receptacle.
        ports = root_ports()
        print('compared with %s/*-0:1.0/usb*-port*: %d receptacles' % (USB_DEVICES, len(ports)))
        self.assertEqual(got['Device.USB.PortNumberOfEntries'], str(len(ports)))
        for p in self.rows('Device.USB.Port.', got).values():
            self.assertEqual(p['Type'], 'Host')
        # The kernel owns the buses.
        if hosts:
            name = '%sHost.%d.Enable' % (HOSTS, min(hosts))
            self.assertFault(9003, self.dm.spv, {name: 'false'}, params={name: 9008})

    def test_deviceinfo_platform(self):
        self.sb.start_dmd()
        got = self.dm.values([DI])
        machine = os.uname().machine
        cpus = cpu_list(read('/sys/devices/system/cpu/present'))
        arch = ARCH.get(machine)
        print('compared with uname %s and CPUs present %s' % (machine, cpus))
        if arch:
            self.assertEqual(got[DI + 'ProcessorNumberOfEntries'], str(len(cpus)))
            for c in cpus:
                self.assertEqual(got['%sProcessor.%d.Architecture' % (DI, c + 1)], arch)
        self.assertEqual(got[DI + 'SupportedDataModelNumberOfEntries'], '1')
        self.assertEqual(got[DI + 'SupportedDataModel.1.URN'],
                         'urn:broadband-forum-org:tr-181-2-19-1')
        self.assertEqual(got[DI + 'NetworkProperties.MaxTCPWindowSize'],
                         read('/proc/sys/net/ipv4/tcp_rmem').split()[2])
        available = read('/proc/sys/net/ipv4/tcp_available_congestion_control').split()
        self.assertEqual(got[DI + 'NetworkProperties.TCPImplementation'],
                         'New Reno,Vegas' if 'vegas' in available else 'New Reno')

    def ip_interface_of(self, ifname):
        got = self.dm.values(['Device.IP.Interface.'])
        for n, v in got.items():
            m = re.match(r'(Device\.IP\.Interface\.\d+)\.Name$', n)
            if m and v == ifname:
                return m.group(1)
        self.fail('no Device.IP.Interface. row for %s' % ifname)

    def test_dhcp_clients_from_lease_files(self):
        networkd = self.sb.path('netif')
        dhclient = self.sb.path('dhcp')
        lo = str(socket_ifindex('lo'))
        os.makedirs(os.path.join(networkd, 'leases'))
        os.makedirs(os.path.join(networkd, 'links'))
        os.makedirs(dhclient)
        lease = os.path.join(networkd, 'leases', lo)
        with open(lease, 'w') as f:
            f.write(NETWORKD_LEASE)
        with open(os.path.join(dhclient, 'dhclient.nosuch-wan0.leases'), 'w') as f:
            f.write(DHCLIENT_LEASES)
        with open(os.path.join(dhclient, 'dhclient6.leases'), 'w') as f:
            f.write(DHCLIENT6_LEASES)
        cfg = self.sb.dmd_config({'DHCP': {'NetworkdStateDirectory': networkd,
                                           'DhclientLeaseDirectory': dhclient}})
        self.sb.start_dmd(config=cfg)

        got = self.dm.values([V4, V6])
        self.assertEqual(got[V4 + 'ClientNumberOfEntries'], '2')
        clients = self.rows(V4 + 'Client.', got)
        by_address = {c['IPAddress']: c for c in clients.values()}
        lo_path = self.ip_interface_of('lo')
        c = by_address['127.0.0.1']
        self.assertEqual(c['Interface'], lo_path)
        self.assertEqual((c['Enable'], c['Status']), ('true', 'Enabled'))
        self.assertEqual(c['SubnetMask'], '255.0.0.0')
        self.assertEqual(c['IPRouters'], '192.0.2.1,192.0.2.2')
        self.assertEqual(c['DNSServers'], '192.0.2.53,198.51.100.53')
        self.assertEqual(c['DHCPServer'], '192.0.2.254')
        # Bound: the leased address is on the interface; its lifetime is the kernel's.
        kernel = lifetime_of('lo', '127.0.0.1')
        print('127.0.0.1 on lo: valid lifetime %s (ip -j addr)' % kernel)
        self.assertEqual(c['DHCPStatus'], 'Bound')
        self.assertEqual(c['LeaseTimeRemaining'], kernel)
        w = by_address['203.0.113.45']
        self.assertEqual((w['Interface'], w['DHCPStatus'], w['LeaseTimeRemaining']),
                         ('', 'Init', '0'), 'an interface the box does not have')
        self.assertEqual(w['IPRouters'], '203.0.113.1')
        self.assertEqual(w['DNSServers'], '203.0.113.1,198.51.100.7')

        self.assertEqual(got[V6 + 'ClientNumberOfEntries'], '1')
        six = self.rows(V6 + 'Client.', got)
        ((v6_instance, only),) = six.items()
        self.assertEqual(only['Interface'], lo_path)
        self.assertEqual(only['Status'], 'Enabled')
        self.assertEqual(only['DUID'], '000100011FC5F9E152540012' '3456')
        self.assertEqual(only['ServerNumberOfEntries'], '1')
        self.assertEqual(got['%sClient.%d.Server.1.DUID' % (V6, v6_instance)],
                         '000100012AAABBCC525400AABBCC')

        # Read-only: the operating system configures its clients.
        name = '%sClient.%d.Enable' % (V4, min(clients))
        self.assertFault(9003, self.dm.spv, {name: 'false'}, params={name: 9008})
        self.assertFault(9001, self.dm.add, V4 + 'Client.')

        # The lease goes away: so does the row; the other keeps its number across a restart.
        lo_instance = [i for i, c in clients.items() if c['IPAddress'] == '127.0.0.1'][0]
        os.unlink(lease)
        time.sleep(0.2)
        self.sb.restart_dmd()
        after = self.rows(V4 + 'Client.', self.dm.values([V4]))
        self.assertNotIn(lo_instance, after)
        self.assertEqual({i: c['IPAddress'] for i, c in after.items()},
                         {i: c['IPAddress'] for i, c in clients.items()
                          if c['IPAddress'] != '127.0.0.1'})


def socket_ifindex(name):
    import socket
    return socket.if_nametoindex(name)


if __name__ == '__main__':
    cwmptest.main()
