#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Device.DeviceInfo.MemoryStatus.MemoryMonitor. against the running system's
/proc/meminfo: MemUtilization agrees with MemTotal and MemAvailable, a poll above
CriticalRiseThreshold sets CriticalRiseTimeStamp and signals it (ValueChanged, origin ""),
the hysteresis keeps it from moving while the condition lasts, a poll below
CriticalFallThreshold sets CriticalFallTimeStamp, and the timestamps survive a restart of
dmd. Thresholds are set so that the crossings are certain (0 and 100 percent)."""

import calendar
import time

import cwmptest

MM = 'Device.DeviceInfo.MemoryStatus.MemoryMonitor.'
RISE = MM + 'CriticalRiseTimeStamp'
FALL = MM + 'CriticalFallTimeStamp'
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


def parse_utc(value):
    return calendar.timegm(time.strptime(value, '%Y-%m-%dT%H:%M:%SZ'))


def signalled(monitor, name, origin=''):
    """The value of `name` in a ValueChanged with that origin, or None."""
    m = monitor.wait_for(lambda m: m['payload']['data'][1] == origin and
                         any(v[0] == name for v in m['payload']['data'][0]),
                         cwmptest.scaled(10))
    if m is None:
        return None
    return [v[2] for v in m['payload']['data'][0] if v[0] == name][0]


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


if __name__ == '__main__':
    cwmptest.main()
