#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Device.DeviceInfo.MemoryStatus.MemoryMonitor. against the running system's
/proc/meminfo: MemUtilization agrees with MemTotal and MemAvailable, a poll above
CriticalRiseThreshold sets CriticalRiseTimeStamp and signals it (ValueChanged, origin ""),
the hysteresis keeps it from moving while the condition lasts, a poll below
CriticalFallThreshold sets CriticalFallTimeStamp, and the timestamps survive a restart of
dmd. Thresholds are set so that the crossings are certain (0 and 100 percent).

Device.DeviceInfo.TemperatureStatus.TemperatureSensor.{i}.: dmd runs in a mount namespace
where a fake thermal zone replaces /sys/class/thermal (skipped where mount namespaces are
not allowed), and the test rewrites its temp file: dmd's polls alone move MaxValue/MinValue
and set HighAlarmTime/LowAlarmTime once, with ValueChanged; the tracked values survive a
restart; Reset clears them and sets ResetTime."""

import calendar
import os
import subprocess
import time

import cwmptest

MM = 'Device.DeviceInfo.MemoryStatus.MemoryMonitor.'
RISE = MM + 'CriticalRiseTimeStamp'
FALL = MM + 'CriticalFallTimeStamp'
SENSORS = 'Device.DeviceInfo.TemperatureStatus.TemperatureSensor.'
UNKNOWN_TIME = '0001-01-01T00:00:00Z'
VC_MATCH = "type='signal',interface='io.cwmp.DataModel1',member='ValueChanged'"


def meminfo_percent():
    fields = {}
    with open('/proc/meminfo') as f:
        for line in f:
            key, rest = line.split(':', 1)
            fields[key] = int(rest.split()[0])
    total = fields['MemTotal']
    available = fields.get('MemAvailable', fields['MemFree'])
    return (total - available) * 100 / total


def write_temp(path, millidegrees):
    """Rewrites a thermal zone's temp file whole, as sysfs shows it."""
    with open(path + '.new', 'w') as f:
        f.write('%d\n' % millidegrees)
    os.replace(path + '.new', path)


def parse_utc(value):
    return calendar.timegm(time.strptime(value, '%Y-%m-%dT%H:%M:%SZ'))


def signalled(monitor, name, want=None, origin=''):
    """The value of `name` in a ValueChanged with that origin (with the value `want`, if
    given), or None."""
    m = monitor.wait_for(lambda m: m['payload']['data'][1] == origin and
                         any(v[0] == name and want in (None, v[2])
                             for v in m['payload']['data'][0]),
                         cwmptest.scaled(10))
    if m is None:
        return None
    return [v[2] for v in m['payload']['data'][0] if v[0] == name and want in (None, v[2])][0]


class LiveMonitorsTest(cwmptest.CwmpTestCase):

    def test_defaults_and_read_only(self):
        """Disabled by default (TR-181's implementation default), nothing crossed yet;
        the measured and tracked values refuse writes."""
        self.sb.start_dmd()
        dm = self.sb.dm
        got = dm.values([MM])
        self.assertEqual(got[MM + 'Enable'], 'false')
        self.assertEqual(got[MM + 'CriticalRiseThreshold'], '80')
        self.assertEqual(got[MM + 'CriticalFallThreshold'], '60')
        self.assertEqual(got[RISE], UNKNOWN_TIME)
        self.assertEqual(got[FALL], UNKNOWN_TIME)
        self.assertAlmostEqual(int(got[MM + 'MemUtilization']), meminfo_percent(), delta=10)
        for name in (MM + 'MemUtilization', RISE, FALL):
            with self.assertRaises(Exception):
                dm.spv({name: '1' if name.endswith('Utilization') else UNKNOWN_TIME}, 'ro')
        with self.assertRaises(Exception):
            dm.spv({MM + 'CriticalRiseThreshold': '101'}, 'range')

    def test_rise_fall_and_restart(self):
        self.sb.start_dmd()
        dm = self.sb.dm
        mon = self.sb.monitor([VC_MATCH])
        before = int(time.time())
        # Any system uses more than 0 percent: the first poll rises. Nothing is below 0.
        self.assertEqual(dm.spv({MM + 'CriticalRiseThreshold': '0',
                                 MM + 'CriticalFallThreshold': '0',
                                 MM + 'PollingInterval': '1',
                                 MM + 'Enable': 'true'}, 'mm'), 0)
        rise = signalled(mon, RISE)
        self.assertIsNotNone(rise, 'dmd signalled CriticalRiseTimeStamp')
        self.assertGreaterEqual(parse_utc(rise), before)
        self.assertLessEqual(parse_utc(rise), time.time() + 1)
        self.assertEqual(dm.value(RISE), rise)
        self.assertEqual(dm.value(FALL), UNKNOWN_TIME)
        self.assertAlmostEqual(int(dm.value(MM + 'MemUtilization')), meminfo_percent(),
                               delta=10)

        # Still critical over more polls: the rise stays where it was.
        time.sleep(2.5)
        self.assertEqual(dm.value(RISE), rise)

        # A fall threshold above anything (the rise one too, so no new rise) ends it.
        self.assertEqual(dm.spv({MM + 'CriticalRiseThreshold': '100',
                                 MM + 'CriticalFallThreshold': '100'}, 'mm2'), 0)
        fall = signalled(mon, FALL)
        self.assertIsNotNone(fall, 'dmd signalled CriticalFallTimeStamp')
        self.assertGreaterEqual(parse_utc(fall), parse_utc(rise))
        self.assertEqual(dm.value(RISE), rise)

        # The tracked timestamps survive a restart; the settings too.
        self.sb.restart_dmd()
        got = dm.values([MM])
        self.assertEqual(got[RISE], rise)
        self.assertEqual(got[FALL], fall)
        self.assertEqual(got[MM + 'Enable'], 'true')

        # Disabled: no more polls, so nothing more is signalled.
        self.assertEqual(dm.spv({MM + 'Enable': 'false',
                                 MM + 'CriticalRiseThreshold': '0'}, 'mm3'), 0)
        time.sleep(2.5)
        self.assertEqual(dm.value(RISE), rise)

    def start_dmd_with_thermal_zone(self, temp):
        """dmd in a mount namespace of its own where a fake thermal zone replaces
        /sys/class/thermal: dmd reads its files as it reads the kernel's, and the test
        rewrites the temp file. Returns the temp file's path."""
        fake = self.sb.path('thermal')
        zone = os.path.join(fake, 'thermal_zone0')
        os.makedirs(zone)
        with open(os.path.join(zone, 'type'), 'w') as f:
            f.write('acpitz\n')
        path = os.path.join(zone, 'temp')
        write_temp(path, temp)
        probe = subprocess.run(['unshare', '-m', 'mount', '--bind', fake, '/sys/class/thermal'],
                               capture_output=True)
        if probe.returncode != 0 or not os.path.isdir('/sys/class/thermal'):
            self.skipTest('cannot bind a fake thermal zone over /sys/class/thermal in a mount '
                          'namespace: %s' % probe.stderr.decode(errors='replace').strip())
        os.makedirs(self.sb.path('state/dmd'), exist_ok=True)
        os.makedirs(self.sb.path('run/dmd'), exist_ok=True)
        dmd = [cwmptest.binary('dmd', 'dmd'), '--config', self.sb.dmd_config(),
               '--schema-dir', cwmptest.DMD_SCHEMA_DIR,
               '--schema-dir', cwmptest.TEST_SCHEMA_DIR,
               '--state-dir', self.sb.path('state/dmd'), '--runtime-dir', self.sb.path('run/dmd')]
        argv = ['unshare', '-m', 'sh', '-c', 'mount --bind "$0" /sys/class/thermal && exec "$@"',
                fake] + dmd
        d = self.sb.add_daemon(cwmptest.Daemon(self.sb, 'dmd', argv,
                                               bus_name=cwmptest.DM_BUS_NAME))
        d.start()
        return path

    def test_temperature_sensor_tracking(self):
        temp = self.start_dmd_with_thermal_zone(45000)
        dm = self.sb.dm
        row = SENSORS + '1.'
        got = dm.values([row])
        self.assertEqual(got[row + 'Name'], 'acpitz (thermal_zone0)')
        self.assertEqual(got[row + 'Status'], 'Enabled')
        self.assertEqual(got[row + 'Value'], '45')
        self.assertEqual(got[row + 'Reset'], 'false')
        # Tracked since dmd first saw the sensor enabled: that was a reset.
        self.assertNotEqual(got[row + 'ResetTime'], UNKNOWN_TIME)
        self.assertEqual(got[row + 'MinValue'], '45')
        self.assertEqual(got[row + 'MaxValue'], '45')
        self.assertEqual(got[row + 'HighAlarmTime'], UNKNOWN_TIME)
        with self.assertRaises(Exception):
            dm.spv({row + 'MinValue': '1'}, 'ro')

        mon = self.sb.monitor([VC_MATCH])
        before = int(time.time())
        self.assertEqual(dm.spv({row + 'PollingInterval': '1', row + 'HighAlarmValue': '65',
                                 row + 'LowAlarmValue': '25'}, 't1'), 0)
        # The polls alone (nobody reads Value) see the new temperatures.
        write_temp(temp, 70400)
        self.assertEqual(signalled(mon, row + 'MaxValue', '70'), '70')
        high = signalled(mon, row + 'HighAlarmTime')
        self.assertIsNotNone(high, 'dmd signalled HighAlarmTime')
        self.assertGreaterEqual(parse_utc(high), before)
        write_temp(temp, 19600)
        self.assertEqual(signalled(mon, row + 'MinValue', '20'), '20')
        low = signalled(mon, row + 'LowAlarmTime')
        self.assertIsNotNone(low, 'dmd signalled LowAlarmTime')
        # Only the first reading past an alarm value sets its time.
        write_temp(temp, 80000)
        self.assertEqual(signalled(mon, row + 'MaxValue', '80'), '80')
        got = dm.values([row])
        self.assertEqual(got[row + 'HighAlarmTime'], high)
        self.assertEqual(got[row + 'MinValue'], '20')

        # Kept across a restart of dmd.
        self.sb.restart_dmd()
        again = dm.values([row])
        for name in ('ResetTime', 'MinValue', 'MinTime', 'MaxValue', 'MaxTime',
                     'HighAlarmTime', 'LowAlarmTime', 'HighAlarmValue', 'PollingInterval'):
            self.assertEqual(again[row + name], got[row + name], name)

        # Reset: Min/Max start again from the next reading, ResetTime moves.
        mon = self.sb.monitor([VC_MATCH])
        self.assertEqual(dm.spv({row + 'Reset': 'true'}, 't2'), 0)
        reset = signalled(mon, row + 'ResetTime')
        self.assertIsNotNone(reset, 'dmd signalled ResetTime')
        self.assertEqual(dm.value(row + 'Reset'), 'false')
        self.assertEqual(dm.value(row + 'LowAlarmTime'), UNKNOWN_TIME)
        self.assertTrue(cwmptest.wait_until(lambda: dm.value(row + 'MinValue') == '80',
                                            cwmptest.scaled(5)),
                        'the next poll after Reset is the new minimum')
        self.assertEqual(dm.value(row + 'MaxValue'), '80')

if __name__ == '__main__':
    cwmptest.main()
