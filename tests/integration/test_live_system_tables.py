#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""dmd's built-in Device.SoftwareModules., Device.Users. and Device.NeighborDiscovery.,
compared with the running system in the same run (dpkg-query, getent, /proc/sys/net/ipv6,
/proc/meminfo, statvfs), and over a package status file the test writes and changes:
instance numbers stay with their package across changes and across a restart of dmd."""

import os
import re
import shutil
import subprocess
import time
import uuid

import cwmptest

SM = 'Device.SoftwareModules.'
DU = SM + 'DeploymentUnit.'
USERS = 'Device.Users.'
ND = 'Device.NeighborDiscovery.'
INSTALLED = ('installed', 'triggers-pending', 'triggers-awaited')

STATUS = """Package: alpha
Status: install ok installed
Maintainer: Alpha Team <alpha@example.org>
Architecture: amd64
Version: 1.0-1
Description: the first package
 A longer description that is not served.

Package: beta
Status: deinstall ok config-files
Architecture: amd64
Version: 2.0

Package: gamma
Status: install ok half-configured
Maintainer: Gamma <g@example.org>
Architecture: all
Version: 3.1
Description: the third package
"""


def meminfo(key):
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    raise KeyError(key)


def sysctl(path):
    with open(path) as f:
        return int(f.read().strip())


def ipv6_interfaces(conf):
    names = []
    for i in os.listdir(conf):
        try:
            if i not in ('all', 'default') and sysctl(os.path.join(conf, i, 'disable_ipv6')) == 0:
                names.append(i)
        except OSError:
            pass  # gone meanwhile
    return sorted(names)


class LiveSystemTablesTest(cwmptest.CwmpTestCase):

    def rows(self, table, values):
        """{instance: {field: value}} of a table's direct parameters."""
        out = {}
        pat = re.compile(re.escape(table) + r'(\d+)\.(\w+)$')
        for n, v in values.items():
            m = pat.match(n)
            if m:
                out.setdefault(int(m.group(1)), {})[m.group(2)] = v
        return out

    def test_software_modules_match_dpkg(self):
        if not shutil.which('dpkg-query') or not os.path.exists('/var/lib/dpkg/status'):
            self.skipTest('no dpkg on this system: nothing to compare with')
        self.sb.start_dmd()
        start = time.monotonic()
        got = self.dm.values([SM])
        first = time.monotonic() - start
        start = time.monotonic()
        self.dm.values([SM])
        again = time.monotonic() - start
        out = subprocess.run(['dpkg-query', '-W', '-f',
                              '${Package}\t${Version}\t${db:Status-Status}\t${Maintainer}\n'],
                             check=True, capture_output=True, text=True).stdout
        want = {}
        for line in out.splitlines():
            name, version, state, maintainer = line.split('\t')
            if state in INSTALLED:
                want.setdefault(name, set()).add((version[:32], maintainer))
        dus = self.rows(DU, got)
        print('compared with dpkg-query -W: %d installed packages, %d served; GPV of %s took '
              '%.2f s (first), %.2f s (again)' % (sum(map(len, want.values())), len(dus), SM,
                                                  first, again))
        installed = [d for d in dus.values() if d['Status'] == 'Installed']
        self.assertEqual(sorted((d['Name'], d['Version']) for d in installed),
                         sorted((n, v) for n, s in want.items() for v, _ in s))
        for d in installed:
            maintainer = next(m for v, m in want[d['Name']] if v == d['Version'])
            self.assertEqual(d['UUID'], str(uuid.uuid5(uuid.NAMESPACE_DNS,
                                                       d['Name'] + maintainer)))
            self.assertEqual(d['ExecutionEnvRef'], SM + 'ExecEnv.1')
            self.assertEqual(d['Resolved'], 'true')
        self.assertEqual(got[SM + 'DeploymentUnitNumberOfEntries'], str(len(dus)))
        self.assertLess(first, cwmptest.scaled(10), 'a GPV of every package is too slow')
        # The Linux system itself.
        env = self.rows(SM + 'ExecEnv.', got)
        self.assertEqual(list(env), [1])
        e = env[1]
        self.assertEqual((e['Type'], e['Version']), (os.uname().sysname, os.uname().release[:32]))
        self.assertEqual((e['Enable'], e['Status']), ('true', 'Up'))
        self.assertEqual(int(e['AllocatedMemory']), meminfo('MemTotal'))
        self.assertLess(abs(int(e['AvailableMemory']) - meminfo('MemAvailable')), 262144)
        st = os.statvfs('/')
        self.assertEqual(int(e['AllocatedDiskSpace']),
                         min(st.f_blocks * st.f_frsize // 1024, 2**31 - 1))
        cpus = self.rows('Device.DeviceInfo.Processor.', self.dm.values(['Device.DeviceInfo.']))
        self.assertEqual(e['ProcessorRefList'],
                         ','.join('Device.DeviceInfo.Processor.%d' % i for i in sorted(cpus)))
        # Read-only: no ChangeDUState behind it.
        self.assertFault(9003, self.dm.spv, {DU + '%d.Name' % min(dus): 'x'},
                         params={DU + '%d.Name' % min(dus): 9008})
        # But for the Alias, which dmd keeps, and which names the row in a path.
        first_du = min(dus)
        self.assertEqual(dus[first_du]['Alias'], 'cpe-%d' % first_du)
        self.dm.spv({DU + '%d.Alias' % first_du: 'shell'})
        self.assertEqual(self.dm.gpv([DU + '[shell].Name']),
                         [(DU + '%d.Name' % first_du, 'string', dus[first_du]['Name'])])
        self.sb.restart_dmd()
        self.assertEqual(self.dm.value(DU + '%d.Alias' % first_du), 'shell')
        self.assertFault(9003, self.dm.spv, {DU + '%d.Alias' % max(dus): 'shell'})

    def test_status_file_numbering(self):
        status = self.sb.path('etc', 'status')
        os.makedirs(os.path.dirname(status), exist_ok=True)
        with open(status, 'w') as f:
            f.write(STATUS)
        cfg = self.sb.dmd_config({'SoftwareModules': {'PackageStatusFile': status}})
        self.sb.start_dmd(config=cfg)
        dus = self.rows(DU, self.dm.values([DU]))
        by_name = {d['Name']: (i, d) for i, d in dus.items()}
        self.assertEqual(sorted(by_name), ['alpha', 'gamma'], 'config-files only is left out')
        alpha = by_name['alpha'][1]
        self.assertEqual((alpha['Status'], alpha['Version'], alpha['Vendor'],
                          alpha['Description'], alpha['DUID']),
                         ('Installed', '1.0-1', 'Alpha Team <alpha@example.org>',
                          'the first package', 'alpha'))
        self.assertEqual(by_name['gamma'][1]['Status'], 'Installing')
        self.assertEqual(by_name['gamma'][1]['Resolved'], 'false')
        # alpha removed, delta installed: the others keep their numbers, none is reused.
        with open(status, 'w') as f:
            f.write(STATUS.replace('Package: alpha\nStatus: install ok installed',
                                   'Package: alpha\nStatus: purge ok not-installed') +
                    '\nPackage: delta\nStatus: install ok installed\nVersion: 4\n')
        deadline = time.monotonic() + cwmptest.scaled(5)
        while True:
            now = {d['Name']: i for i, d in self.rows(DU, self.dm.values([DU])).items()}
            if sorted(now) == ['delta', 'gamma'] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(sorted(now), ['delta', 'gamma'])
        self.assertEqual(now['gamma'], by_name['gamma'][0])
        self.assertNotIn(now['delta'], [i for i, _ in by_name.values()])
        self.sb.restart_dmd()
        again = {d['Name']: i for i, d in self.rows(DU, self.dm.values([DU])).items()}
        self.assertEqual(again, now, 'numbers survive a restart')

    def test_large_status_file(self):
        """A status file of Debian's size: a GPV of every unit stays quick, and a second one
        does not parse the file again."""
        status = self.sb.path('etc', 'status')
        os.makedirs(os.path.dirname(status), exist_ok=True)
        count = 6000
        with open(status, 'w') as f:
            for i in range(count):
                f.write('Package: pkg%05d\nStatus: install ok installed\nArchitecture: amd64\n'
                        'Maintainer: Team %d <t@example.org>\nVersion: %d.0-1\n'
                        'Description: package %d\n a long description\n .\n more\n\n'
                        % (i, i % 50, i, i))
        cfg = self.sb.dmd_config({'SoftwareModules': {'PackageStatusFile': status}})
        self.sb.start_dmd(config=cfg)
        start = time.monotonic()
        got = self.dm.values([DU])
        first = time.monotonic() - start
        start = time.monotonic()
        self.dm.values([DU])
        again = time.monotonic() - start
        start = time.monotonic()
        self.dm.value(DU + '3000.Version')
        one = time.monotonic() - start
        print('%d packages, %d values: GPV of %s %.2f s (parse included), %.2f s again; '
              'one value %.4f s' % (count, len(got), DU, first, again, one))
        self.assertEqual(len(self.rows(DU, got)), count)
        self.assertLess(first, cwmptest.scaled(10))
        self.assertLess(one, cwmptest.scaled(1))

    def test_users_match_getent(self):
        self.sb.start_dmd()
        got = self.dm.values([USERS])
        passwd = [line.split(':') for line in subprocess.run(
            ['getent', 'passwd'], check=True, capture_output=True, text=True).stdout.splitlines()]
        groups = [line.split(':') for line in subprocess.run(
            ['getent', 'group'], check=True, capture_output=True, text=True).stdout.splitlines()]
        users = self.rows(USERS + 'User.', got)
        print('compared with getent passwd / group: %d users, %d groups'
              % (len(passwd), len(groups)))
        # getent also lists other sources (NSS); the files' own accounts must all be there.
        with open('/etc/passwd') as f:
            local = [line.split(':') for line in f.read().splitlines()
                     if line and not line.startswith('#')]
        self.assertEqual(sorted((u['Username'], int(u['UserID'])) for u in users.values()),
                         sorted((p[0], int(p[2])) for p in local))
        for p in local:
            self.assertIn((p[0], int(p[2])), [(e[0], int(e[2])) for e in passwd])
        self.assertEqual(got[USERS + 'UserNumberOfEntries'], str(len(local)))
        self.assertFalse(any(n.endswith('.Password') for n in got), 'passwords are never served')
        group_rows = self.rows(USERS + 'Group.', got)
        gid_row = {int(g['GroupID']): i for i, g in group_rows.items()}
        with open('/etc/group') as f:
            local_groups = [line.split(':') for line in f.read().splitlines() if line]
        self.assertEqual(sorted(g['Groupname'] for g in group_rows.values()),
                         sorted(g[0] for g in local_groups))
        for u in users.values():
            primary = next(p for p in local if p[0] == u['Username'])[3]
            if int(primary) in gid_row:
                self.assertIn('Device.Users.Group.%d' % gid_row[int(primary)],
                              u['GroupParticipation'].split(','))
        shadow_readable = os.access('/etc/shadow', os.R_OK)
        if shadow_readable:
            with open('/etc/shadow') as f:
                locked = {s[0]: s[1][:1] in ('!', '*')
                          for s in (line.split(':') for line in f.read().splitlines()) if s[0]}
            for u in users.values():
                if u['Username'] in locked:
                    self.assertEqual(u['Enable'], 'false' if locked[u['Username']] else 'true',
                                     u['Username'])
        with open('/proc/sys/kernel/cap_last_cap') as f:
            last = int(f.read())
        self.assertEqual(len(got[USERS + 'SupportedCapabilities'].split(',')), min(last + 1, 41))
        self.sb.restart_dmd()
        again = self.rows(USERS + 'User.', self.dm.values([USERS + 'User.']))
        self.assertEqual({i: u['Username'] for i, u in again.items()},
                         {i: u['Username'] for i, u in users.items()},
                         'numbers survive a restart')

    def test_neighbor_discovery_matches_sysctl(self):
        conf = '/proc/sys/net/ipv6/conf'
        if not os.path.isdir(conf):
            self.skipTest('the kernel has no IPv6')
        self.sb.start_dmd()
        # Other tests may add interfaces meanwhile: compare a listing that held still.
        for _ in range(10):
            enabled = ipv6_interfaces(conf)
            got = self.dm.values([ND])
            ip = self.rows('Device.IP.Interface.', self.dm.values(['Device.IP.Interface.']))
            if ipv6_interfaces(conf) == enabled:
                break
            time.sleep(0.5)
        rows = self.rows(ND + 'InterfaceSetting.', got)
        print('compared with %s/*: interfaces with IPv6 %s' % (conf, enabled))
        self.assertEqual(got[ND + 'InterfaceSettingNumberOfEntries'], str(len(enabled)))
        ip_of = {v['Name']: 'Device.IP.Interface.%d' % i for i, v in ip.items() if 'Name' in v}
        names = []
        for r in rows.values():
            name = next((n for n, p in ip_of.items() if p == r['Interface']), None)
            self.assertIsNotNone(name, 'Interface %r is an IP.Interface row' % r['Interface'])
            names.append(name)
            c = os.path.join(conf, name)
            self.assertEqual(int(r['DADTransmits']), sysctl(os.path.join(c, 'dad_transmits')))
            self.assertEqual(int(r['RetransTimer']), sysctl(
                '/proc/sys/net/ipv6/neigh/%s/retrans_time_ms' % name))
            self.assertEqual(int(r['RtrSolicitationInterval']),
                             1000 * sysctl(os.path.join(c, 'router_solicitation_interval')))
            solicitations = sysctl(os.path.join(c, 'router_solicitations'))
            accept = sysctl(os.path.join(c, 'accept_ra'))
            fwd = sysctl(os.path.join(c, 'forwarding'))
            sends = ((accept == 2 or (accept == 1 and fwd == 0)) and solicitations != 0
                     and name != 'lo')
            self.assertEqual(r['RSEnable'], 'true' if sends else 'false', name)
            self.assertEqual((r['Enable'], r['Status'], r['NUDEnable']),
                             ('true', 'Enabled', 'true'))
        self.assertEqual(sorted(names), enabled)
        first = min(rows)
        self.assertEqual(rows[first]['Alias'], 'cpe-%d' % first)
        self.dm.spv({ND + 'InterfaceSetting.%d.Alias' % first: 'first'})
        self.sb.restart_dmd()
        by_alias = self.dm.gpv([ND + 'InterfaceSetting.[first].Interface'])
        self.assertEqual([v for _, _, v in by_alias], [rows[first]['Interface']])
        again = self.rows(ND + 'InterfaceSetting.', self.dm.values([ND]))
        self.assertEqual({i: r['Interface'] for i, r in again.items()},
                         {i: r['Interface'] for i, r in rows.items()},
                         'numbers survive a restart')


if __name__ == '__main__':
    cwmptest.main()
