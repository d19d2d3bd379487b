#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""dmd's newer built-in values compared with the running system in the same run:
Device.DeviceInfo.'s temperature sensors (/sys), vendor files (the configuration and the
files themselves), FirstUseDate and SoftwareVersion (fwupd-bridge's file), Device.Time.
(the clock, /etc/localtime) and Device.DNS.Client. (/etc/resolv.conf)."""

import calendar
import glob
import os
import re
import time

import cwmptest

DI = 'Device.DeviceInfo.'
SENSORS = DI + 'TemperatureStatus.TemperatureSensor.'
DNS = 'Device.DNS.Client.'
UNKNOWN_TIME = '0001-01-01T00:00:00Z'


def resolv_conf_servers():
    """The name servers as the resolver sees them (resolved's upstream list behind its
    stub), in order, without duplicates."""
    def read(path):
        out = []
        try:
            with open(path) as f:
                for line in f:
                    fields = line.split()
                    if len(fields) >= 2 and fields[0] == 'nameserver' and fields[1] not in out:
                        out.append(fields[1])
        except OSError:
            pass
        return out
    servers = read('/etc/resolv.conf')
    if servers == ['127.0.0.53'] and os.path.exists('/run/systemd/resolve/resolv.conf'):
        servers = read('/run/systemd/resolve/resolv.conf')
    return servers


def sysfs_temperatures():
    """Millidegree inputs of /sys: thermal zones and hwmon temp*_input."""
    return sorted(glob.glob('/sys/class/thermal/thermal_zone*/temp') +
                  glob.glob('/sys/class/hwmon/hwmon*/temp*_input'))


def parse_utc(value):
    return calendar.timegm(time.strptime(value, '%Y-%m-%dT%H:%M:%SZ'))


class LiveDeviceInfoTest(cwmptest.CwmpTestCase):

    def start(self, **device_info):
        self.sb.device_info.update(device_info)
        self.sb.start_dmd()

    def test_dns_client(self):
        self.start()
        want = resolv_conf_servers()
        got = self.dm.values([DNS])
        self.assertEqual(got[DNS + 'ServerNumberOfEntries'], str(len(want)))
        self.assertEqual(got[DNS + 'Status'], 'Enabled' if want else 'Error')
        rows = sorted((int(re.match(re.escape(DNS) + r'Server\.(\d+)\.DNSServer$', n).group(1)), v)
                      for n, v in got.items() if n.endswith('.DNSServer'))
        self.assertEqual([v for _, v in rows], want, 'in resolv.conf order')
        for n, v in got.items():
            if n.endswith('.Type'):
                self.assertIn(v, ('Static', 'DHCPv4', 'DHCPv6'))
            if n.endswith('.Status') and n != DNS + 'Status':
                self.assertEqual(v, 'Enabled')
        # A server keeps its number across a restart of dmd.
        self.sb.restart_dmd()
        self.assertEqual(self.dm.values([DNS]), got)
        # The ACS cannot point the box's resolver elsewhere through dmd.
        if rows:
            name = '%sServer.%d.DNSServer' % (DNS, rows[0][0])
            self.assertFault(9003, self.dm.spv, {name: '192.0.2.1'}, params={name: 9007})

    def test_time(self):
        self.start()
        before = time.time()
        got = self.dm.values(['Device.Time.'])
        after = time.time()
        m = re.fullmatch(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)([+-])(\d\d):(\d\d)',
                         got['Device.Time.CurrentLocalTime'])
        self.assertIsNotNone(m, got['Device.Time.CurrentLocalTime'])
        offset = (int(m.group(3)) * 3600 + int(m.group(4)) * 60) * (1 if m.group(2) == '+'
                                                                    else -1)
        t = calendar.timegm(time.strptime(m.group(1), '%Y-%m-%dT%H:%M:%S')) - offset
        self.assertLessEqual(int(before), t)
        self.assertLessEqual(t, after + 1)
        self.assertEqual(offset, time.localtime(t).tm_gmtoff, 'the local zone\'s offset')
        self.assertIn(got['Device.Time.Status'], ('Synchronized', 'Unsynchronized'))
        if os.path.exists('/run/systemd/timesync/synchronized'):
            self.assertEqual(got['Device.Time.Status'], 'Synchronized')
        # The zone: the POSIX rule at the end of /etc/localtime (TZif 2+), if any.
        want = ''
        tz = os.environ.get('TZ')
        if tz and not tz.startswith(':') and re.search(r'\d', tz) and (
                '/' not in tz or tz.find(',') < tz.find('/')):
            want = tz
        else:
            try:
                with open('/etc/localtime', 'rb') as f:
                    data = f.read()
                if data.startswith(b'TZif') and data[4:5] >= b'2' and data.endswith(b'\n'):
                    want = data[:-1].rsplit(b'\n', 1)[1].decode()
            except OSError:
                pass
        self.assertEqual(got['Device.Time.LocalTimeZone'], want)

    def test_temperature_sensors(self):
        self.start()
        inputs = sysfs_temperatures()
        got = self.dm.values([DI + 'TemperatureStatus.'])
        n = int(got[DI + 'TemperatureStatus.TemperatureSensorNumberOfEntries'])
        self.assertLessEqual(n, len(inputs))
        if not inputs:
            self.assertEqual(n, 0)
            print('no temperature sensors on this machine: the table is empty, as it should')
            return
        readable = []
        for path in inputs:
            try:
                with open(path) as f:
                    readable.append(round(int(f.read()) / 1000))
            except (OSError, ValueError):
                pass
        for name, value in got.items():
            if name.endswith('.Value') and got[name[:-5] + 'Status'] == 'Enabled':
                # the same sensor read a moment apart: a few degrees at most
                self.assertTrue(any(abs(int(value) - r) <= 3 for r in readable), value)

    def test_vendor_files_and_versions(self):
        conf = self.sb.path('etc', 'box.conf')
        log = self.sb.path('state', 'box.log')
        version = self.sb.path('state', 'firmware', 'software-version')
        os.makedirs(os.path.dirname(log), exist_ok=True)
        os.makedirs(os.path.dirname(version), exist_ok=True)
        for path in (conf, log):
            with open(path, 'w') as f:
                f.write('x\n')
        with open(version, 'w') as f:
            f.write('5.6.7\n')
        self.start(VendorConfigFile=conf + ' Settings of the box',
                   VendorLogFile=log + ' 65536', SoftwareVersionFile=version)
        got = self.dm.values([DI])
        self.assertEqual(got[DI + 'SoftwareVersion'], '5.6.7')
        self.assertEqual(got[DI + 'VendorConfigFileNumberOfEntries'], '1')
        name = got[DI + 'VendorConfigFile.1.Name']
        self.assertEqual(name, conf if len(conf) <= 64 else os.path.basename(conf))
        self.assertEqual(got[DI + 'VendorConfigFile.1.Description'], 'Settings of the box')
        self.assertEqual(parse_utc(got[DI + 'VendorConfigFile.1.Date']),
                         int(os.stat(conf).st_mtime))
        self.assertEqual(got[DI + 'VendorLogFile.1.MaximumSize'], '65536')
        fs = os.statvfs(log)
        self.assertIn(got[DI + 'VendorLogFile.1.Persistent'], ('true', 'false'))
        self.assertGreater(fs.f_blocks, 0)
        # FirstUseDate: kept once the clock is trusted, unknown until then.
        first = got[DI + 'FirstUseDate']
        if first != UNKNOWN_TIME:
            self.assertLessEqual(parse_utc(first), time.time())
        # A file that goes away leaves the table; a new version shows at once.
        os.unlink(conf)
        with open(version, 'w') as f:
            f.write('5.6.8\n')
        got = self.dm.values([DI])
        self.assertEqual(got[DI + 'VendorConfigFileNumberOfEntries'], '0')
        self.assertNotIn(DI + 'VendorConfigFile.1.Name', got)
        self.assertEqual(got[DI + 'SoftwareVersion'], '5.6.8')
        self.sb.restart_dmd()
        self.assertEqual(self.dm.value(DI + 'FirstUseDate'), first, 'kept across restarts')


if __name__ == '__main__':
    cwmptest.main()
