#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Device.ManagementServer.ScheduleReboot and DelayReboot: the configured reboot command
runs at the time set, or the delay after it was set outside a session; once triggered the
parameter reads as not set; a time already past reboots nothing; a pending one is
cancelled by setting it back."""

import calendar
import time

import cwmptest
from cwmptest import MS, wait_until

UNKNOWN = '0001-01-01T00:00:00Z'


def at(seconds_from_now):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() + seconds_from_now))


class ScheduledRebootTest(cwmptest.CwmpAgentTestCase):

    def reboots(self):
        return len(self.sb.file_lines('rebooted'))

    def test_delay_reboot(self):
        self.start_cwmp()
        self.assertEqual(self.dm.value(MS + 'DelayReboot'), '-1')
        set_at = time.monotonic()
        self.assertEqual(self.dm.spv({MS + 'DelayReboot': '1'}), 0)
        self.assertTrue(wait_until(lambda: self.reboots() == 1, cwmptest.scaled(10)))
        self.assertGreaterEqual(time.monotonic() - set_at, 0.9)
        self.assertEqual(self.dm.value(MS + 'DelayReboot'), '-1')
        # cancelled before it is due: no reboot
        self.assertEqual(self.dm.spv({MS + 'DelayReboot': '2'}), 0)
        self.assertEqual(self.dm.spv({MS + 'DelayReboot': '-1'}), 0)
        time.sleep(cwmptest.scaled(2.5))
        self.assertEqual(self.reboots(), 1)

    def test_schedule_reboot(self):
        self.start_cwmp()
        self.assertEqual(self.dm.value(MS + 'ScheduleReboot'), UNKNOWN)
        # a time already past reboots nothing, and reads as it was set
        past = at(-60)
        self.assertEqual(self.dm.spv({MS + 'ScheduleReboot': past}), 0)
        due = at(2)
        self.assertEqual(self.dm.value(MS + 'ScheduleReboot'), past)
        self.assertEqual(self.dm.spv({MS + 'ScheduleReboot': due}), 0)
        self.assertEqual(self.dm.value(MS + 'ScheduleReboot'), due)
        self.assertTrue(wait_until(lambda: self.reboots() == 1, cwmptest.scaled(10)))
        self.assertGreaterEqual(time.time(), calendar.timegm(time.strptime(
            due, '%Y-%m-%dT%H:%M:%SZ')))
        self.assertEqual(self.dm.value(MS + 'ScheduleReboot'), UNKNOWN)
        time.sleep(cwmptest.scaled(1))
        self.assertEqual(self.reboots(), 1)

    def test_schedule_reboot_survives_a_restart(self):
        self.start_cwmp()
        self.assertEqual(self.dm.spv({MS + 'ScheduleReboot': at(3)}), 0)
        self.sb.restart_cwmpd()
        self.assertTrue(wait_until(lambda: self.reboots() == 1, cwmptest.scaled(10)))
        self.assertEqual(self.dm.value(MS + 'ScheduleReboot'), UNKNOWN)


if __name__ == '__main__':
    cwmptest.main()
