#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Device.DeviceInfo.ProcessStatus.CPU.{i}. compared with /proc/stat in the same run, and
Device.Hosts.Host.{i}.HostName from a dnsmasq lease file the test writes, for a neighbour on
a veth pair to a namespace."""

import json
import os
import socket
import subprocess
import time

import cwmptest
import netns

CPU = 'Device.DeviceInfo.ProcessStatus.CPU.'
HOSTS = 'Device.Hosts.Host.'
rows = cwmptest.table_rows


def proc_stat_cpus():
    """{cpu number: (user + nice, system + irq + softirq, idle + iowait, total)} ticks."""
    out = {}
    with open('/proc/stat') as f:
        for line in f:
            label, *fields = line.split()
            if not label.startswith('cpu') or label == 'cpu':
                continue
            v = [int(x) for x in fields[:8]] + [0] * (8 - len(fields[:8]))
            out[int(label[3:])] = (v[0] + v[1], v[2] + v[5] + v[6], v[3] + v[4], sum(v))
    return out


def percent(part, whole):
    return 0 if whole == 0 else min(100, (part * 100 + whole // 2) // whole)


class LiveCpuTest(cwmptest.CwmpTestCase):

    def setUp(self):
        super().setUp()
        self.sb.start_dmd()

    def test_rows_are_the_cpus_of_proc_stat(self):
        before = proc_stat_cpus()
        got = self.dm.values([CPU])
        after = proc_stat_cpus()
        cpus = rows(got, CPU)
        self.assertEqual(sorted(cpus), sorted(n + 1 for n in after), got)
        self.assertEqual(int(self.dm.value('Device.DeviceInfo.ProcessStatus.CPUNumberOfEntries')),
                         len(after))
        # The first read measures since boot: it lies between /proc/stat's since-boot
        # figures just before and just after.
        for n, row in cpus.items():
            self.assertEqual(row['Name'], 'cpu%d' % (n - 1))
            for k, field in enumerate(('UserModeUtilization', 'SystemModeUtilization',
                                       'IdleModeUtilization')):
                lo, hi = sorted((percent(before[n - 1][k], before[n - 1][3]),
                                 percent(after[n - 1][k], after[n - 1][3])))
                self.assertTrue(lo - 1 <= int(row[field]) <= hi + 1, (n, field, row, lo, hi))
            busy = int(row['CPUUtilization'])
            idle = int(row['IdleModeUtilization'])
            self.assertTrue(abs(busy + idle - 100) <= 1, row)

    def test_a_busy_cpu_reads_busy(self):
        """After a second of spinning on one CPU, that CPU's window shows it busy."""
        if not hasattr(os, 'sched_setaffinity'):
            self.skipTest('no sched_setaffinity')
        cpu = sorted(os.sched_getaffinity(0))[0]
        self.dm.values([CPU])  # the since-boot sample
        before = proc_stat_cpus()[cpu]
        pid = os.fork()
        if pid == 0:
            os.sched_setaffinity(0, {cpu})
            end = time.monotonic() + 1.5
            while time.monotonic() < end:
                pass
            os._exit(0)
        os.waitpid(pid, 0)
        got = rows(self.dm.values([CPU + '%d.' % (cpu + 1)]), CPU)[cpu + 1]
        after = proc_stat_cpus()[cpu]
        theirs = percent((after[3] - after[2]) - (before[3] - before[2]), after[3] - before[3])
        # the window began at the since-boot sample, slightly before `before`
        self.assertTrue(abs(int(got['CPUUtilization']) - theirs) <= 10, (got, theirs))
        self.assertGreaterEqual(int(got['CPUUtilization']), 50, got)


class LiveHostNameTest(cwmptest.CwmpTestCase):

    def setUp(self):
        super().setUp()
        netns.need_root(self)
        self.leases = self.sb.path('dnsmasq.leases')
        self.sb.start_dmd(config=self.sb.dmd_config({'Hosts': {
            'DnsmasqLeaseFile': self.leases}}))

    def peer(self):
        """A veth pair to a namespace whose far end answered: (its MAC, its address)."""
        tag = netns.tag()
        net = netns.subnet()
        ns, here, there = 'cwmphn' + tag, 'vhn' + tag, 'vhnp' + tag
        netns.veth_to_namespace(self, ns, here, there, net + '.1/24', net + '.2/24')
        out = subprocess.run(['ip', '-n', ns, '-j', 'link', 'show', there], capture_output=True,
                             text=True, check=True)
        mac = json.loads(out.stdout)[0]['address']
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b'x', (net + '.2', 9))
        s.close()
        return mac, net + '.2'

    def host_row(self, mac):
        for _ in range(50):
            got = self.dm.values(['Device.Hosts.'])
            found = [r for r in rows(got, HOSTS).values() if r['PhysAddress'] == mac]
            if found:
                return found[0]
            time.sleep(0.1)
        self.fail('no Host row for %s' % mac)

    def write_leases(self, text):
        with open(self.leases + '.tmp', 'w') as f:
            f.write(text)
        os.rename(self.leases + '.tmp', self.leases)

    def test_host_name_from_the_lease_file(self):
        mac, address = self.peer()
        # No lease file: unknown, which TR-181 spells "".
        self.assertEqual(self.host_row(mac)['HostName'], '')

        now = int(time.time())
        self.write_leases('%d %s %s settop-kitchen 01:%s\n'
                          '%d 02:00:00:00:00:01 10.9.9.9 someone-else *\n'
                          % (now + 3600, mac, address, mac, now + 3600))
        self.assertEqual(self.host_row(mac)['HostName'], 'settop-kitchen')

        # An expired lease names nobody; a nameless one ("*") neither.
        self.write_leases('%d %s %s old-name *\n' % (now - 10, mac, address))
        self.assertEqual(self.host_row(mac)['HostName'], '')
        self.write_leases('%d %s %s * *\n' % (now + 3600, mac, address))
        self.assertEqual(self.host_row(mac)['HostName'], '')


if __name__ == '__main__':
    cwmptest.main()
