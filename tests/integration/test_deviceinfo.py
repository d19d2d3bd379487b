#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Device.DeviceInfo. and Device.RootDataModelVersion compared with the running system."""

import os
import platform
import re
import time

import cwmptest

DI = 'Device.DeviceInfo.'
PROC = DI + 'ProcessStatus.Process.'


def proc_uptime():
    with open('/proc/uptime') as f:
        return float(f.read().split()[0])


def meminfo(field):
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise KeyError(field)


def cmdline(pid):
    with open('/proc/%d/cmdline' % pid, 'rb') as f:
        return f.read().rstrip(b'\0').replace(b'\0', b' ').decode()


def comm(pid):
    with open('/proc/%d/comm' % pid) as f:
        return f.read().rstrip('\n')


def own_cpu_ms():
    t = os.times()
    return (t.user + t.system) * 1000


class DeviceInfoTest(cwmptest.CwmpTestCase):

    def setUp(self):
        super().setUp()
        self.alpha, self.beta = self.start_all()

    def test_identity_from_config(self):
        got = self.dm.values([DI])
        info = self.sb.device_info
        self.assertEqual(got[DI + 'SerialNumber'], self.sb.serial)
        self.assertEqual(got[DI + 'Manufacturer'], info['Manufacturer'])
        self.assertEqual(got[DI + 'ManufacturerOUI'], info['ManufacturerOUI'])
        self.assertEqual(got[DI + 'ModelName'], info['ModelName'])
        # Documented: ProductClass defaults to the ModelName.
        self.assertEqual(got[DI + 'ProductClass'], info['ModelName'])
        self.assertIn('Linux ' + platform.release(),
                      got[DI + 'AdditionalSoftwareVersion'].split(','))

    def test_root_data_model_version(self):
        v = self.dm.value('Device.RootDataModelVersion')
        self.assertRegex(v, r'^2\.[0-9]+$')
        self.assertEqual(self.dm.root_data_model_version, v)
        self.assertEqual(self.dm.gpv(['Device.RootDataModelVersion'])[0][1], 'string')

    def test_uptime(self):
        before = proc_uptime()
        up = int(self.dm.value(DI + 'UpTime'))
        after = proc_uptime()
        self.assertGreaterEqual(up, int(before) - 1)
        self.assertLessEqual(up, int(after) + 1)
        time.sleep(2.2)
        self.assertGreater(int(self.dm.value(DI + 'UpTime')), up)

    def test_memory(self):
        got = self.dm.values([DI + 'MemoryStatus.'])
        self.assertEqual(int(got[DI + 'MemoryStatus.Total']), meminfo('MemTotal'))
        free = int(got[DI + 'MemoryStatus.Free'])
        self.assertGreater(free, 0)
        self.assertLessEqual(free, meminfo('MemTotal'))
        self.assertLess(abs(free - meminfo('MemAvailable')), meminfo('MemTotal') // 10)
        # The persistent storage is the file system of dmd's state directory.
        st = os.statvfs(self.sb.path('state', 'dmd'))
        total = st.f_blocks * st.f_frsize // 1024
        self.assertLessEqual(abs(int(got[DI + 'MemoryStatus.TotalPersistent']) - total), 1)
        self.assertLessEqual(int(got[DI + 'MemoryStatus.FreePersistent']),
                             int(got[DI + 'MemoryStatus.TotalPersistent']))

    def processes(self):
        """{PID: {field: value, 'instance': path}} from one GetParameterValues."""
        got = self.dm.gpv([DI + 'ProcessStatus.'])
        procs = {}
        count = None
        for name, _, value in got:
            if name == DI + 'ProcessStatus.ProcessNumberOfEntries':
                count = int(value)
            m = re.match(re.escape(PROC) + r'(\d+)\.(\w+)$', name)
            if m:
                procs.setdefault(int(m.group(1)), {})[m.group(2)] = value
        self.assertEqual(count, len(procs), 'ProcessNumberOfEntries counts the instances')
        by_pid = {}
        for inst, fields in procs.items():
            self.assertEqual(sorted(fields), sorted(['PID', 'Command', 'Size', 'Priority',
                                                     'CPUTime', 'State']))
            pid = int(fields['PID'])
            self.assertNotIn(pid, by_pid, 'PID %d listed twice' % pid)
            fields['instance'] = inst
            by_pid[pid] = fields
        return by_pid

    def assertCommand(self, pid, command):
        full = cmdline(pid)
        if command == comm(pid):
            return
        # At most 256 characters (TR-181 string(256)), without the blanks a cut may leave.
        self.assertEqual(command, full[:256].rstrip(), 'Command of PID %d' % pid)

    def test_own_processes_listed(self):
        cpu_before = own_cpu_ms()
        procs = self.processes()
        cpu_after = own_cpu_ms()
        mine = {'test': os.getpid(), 'dmd': self.sb.dmd.pid, 'alpha': self.alpha.pid,
                'beta': self.beta.pid}
        for label, pid in mine.items():
            with self.subTest(process=label):
                self.assertIn(pid, procs, '%s (PID %d) is not listed' % (label, pid))
                self.assertCommand(pid, procs[pid]['Command'])
                self.assertIn(procs[pid]['State'], ('Running', 'Sleeping'))
                self.assertGreater(int(procs[pid]['Size']), 0)
        cpu = int(procs[os.getpid()]['CPUTime'])
        self.assertGreaterEqual(cpu, cpu_before - 20)
        self.assertLessEqual(cpu, cpu_after + 20)
        self.assertIn(self.alpha.argv[0], procs[self.alpha.pid]['Command'])

        # A process that ends leaves the table; instance numbers are not reused.
        self.sb.restart_provider(self.alpha)
        time.sleep(0.2)
        again = self.processes()
        self.assertNotIn(mine['alpha'], again)
        self.assertIn(self.alpha.pid, again)
        self.assertGreater(again[self.alpha.pid]['instance'],
                           max(p['instance'] for p in procs.values()))
        # dmd keeps the numbering across its own restart.
        self.sb.restart_dmd()
        time.sleep(0.2)
        after = self.processes()
        self.assertEqual(after[os.getpid()]['instance'], again[os.getpid()]['instance'])
        self.assertEqual(after[self.beta.pid]['instance'], again[self.beta.pid]['instance'])

    def test_unconfigured_oui(self):
        """Without a configured OUI dmd says FFFFFF, which no manufacturer has."""
        self.sb.dmd.stop()
        del self.sb.device_info['ManufacturerOUI']
        self.sb.dmd_config()
        self.sb.dmd.start()
        self.assertEqual(self.dm.value(DI + 'ManufacturerOUI'), 'FFFFFF')


if __name__ == '__main__':
    cwmptest.main()
