#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Value-change notification (TR-069 3.2.1, A.3.3.1): active parameters open a session
with "4 VALUE CHANGE" and the new value, passive ones wait for the next session, the
ACS's own changes are not reported back, and a burst makes one session."""

import os
import signal
import time

import cwmptest
from cwmptest import ALPHA, MS

DI = 'Device.DeviceInfo.'
VC = '4 VALUE CHANGE'
COUNTER = ALPHA + 'Counter'
NAME = ALPHA + 'Name'


class NotifyTest(cwmptest.CwmpAgentTestCase):

    def start_with_attributes(self, attrs, **kw):
        """The BOOTSTRAP session sets these notifications (name: 0, 1 or 2)."""
        A = self.A
        self.start_cwmp(first_script=A.Script([A.set_parameter_attributes(
            [(n, True, v, False, []) for n, v in attrs.items()])]), **kw)
        r = self.acs.sessions[0].responses[0]
        self.assertResponse(r, 'SetParameterAttributesResponse')
        self.assertEqual({n: a[0] for n, a in self.dm.attributes(list(attrs)).items()}, attrs)

    def bump_counter(self, times=1):
        """The provider's Counter changes on its own (SIGUSR1) and it tells dmd. One signal
        at a time: signals sent together would merge into one."""
        for _ in range(times):
            before = int(self.dm.value(COUNTER))
            os.kill(self.alpha.pid, signal.SIGUSR1)
            self.assertTrue(cwmptest.wait_until(
                lambda: int(self.dm.value(COUNTER)) == before + 1, cwmptest.scaled(5)))

    def test_active_notification(self):
        self.start_with_attributes({COUNTER: 2})
        self.bump_counter()
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertSessionOk(s)
        self.assertEvents(s, [(VC, '')])
        self.assertEqual(s.params.get(COUNTER), '1')
        types = {n: t for n, t, _ in s.inform.values()}
        self.assertEqual(types[COUNTER], 'unsignedInt')
        # Reported once.
        s = self.run_session()
        self.assertNotIn(VC, s.event_codes)
        self.assertNotIn(COUNTER, s.params)
        # Notification off: no more sessions for it.
        s = self.run_session([self.A.set_parameter_attributes([(COUNTER, True, 0, False, [])])])
        n = self.acs.session_count()
        self.bump_counter()
        self.assertNoNewSession(n, 1.5)

    def test_passive_notification(self):
        self.start_with_attributes({NAME: 1})
        self.dm.spv({NAME: 'changed locally'})  # another client of dmd (a local UI)
        self.assertNoNewSession(1, 1.5, why='(passive notification opens no session)')
        s = self.run_session()
        self.assertIn(VC, s.event_codes)
        self.assertEqual(s.params.get(NAME), 'changed locally')
        s = self.run_session()
        self.assertNotIn(VC, s.event_codes)
        self.assertNotIn(NAME, s.params)

    def test_passive_change_waits_across_restart(self):
        """A remembered passive change is not lost when cwmpd restarts."""
        self.start_with_attributes({NAME: 1})
        self.dm.spv({NAME: 'before restart'})
        time.sleep(cwmptest.scaled(0.5))  # cwmpd hears of it (a D-Bus signal) and notes it
        self.sb.restart_cwmpd(kill=True)
        s = self.run_session()
        self.assertIn(VC, s.event_codes)
        self.assertEqual(s.params.get(NAME), 'before restart')

    def test_change_by_the_acs_not_notified(self):
        A = self.A
        self.start_with_attributes({NAME: 2, ALPHA + 'Level': 1})
        s = self.run_session([A.set_parameter_values([(NAME, 'string', 'by the ACS'),
                                                      (ALPHA + 'Level', 'unsignedInt', '9')],
                                                     'acs-1')])
        self.assertEqual(s.responses[0].int_field('Status'), 0)
        self.assertNoNewSession(2, 1.5, why='(the ACS\'s own change)')
        s = self.run_session()
        self.assertNotIn(VC, s.event_codes)
        self.assertNotIn(NAME, s.params)
        self.assertNotIn(ALPHA + 'Level', s.params)

    def test_burst_makes_one_session(self):
        self.start_with_attributes({COUNTER: 2})
        self.bump_counter(5)
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertEvents(s, [(VC, '')])
        self.assertEqual(s.params.get(COUNTER), '5', 'the latest value')
        self.assertNoNewSession(2, 1.5, why='(one session for the burst)')

    def test_change_during_a_session(self):
        """A change while a session is open: that session goes on undisturbed, a new one
        follows it with the change."""
        A = self.A
        self.start_with_attributes({NAME: 2})
        pause = A.Pause('mid-session')
        self.acs.queue(A.Script([A.get_parameter_values(ALPHA + 'Level'), pause]))
        self.agent.inform()
        pause.wait_reached(cwmptest.scaled(10))
        self.dm.spv({NAME: 'during'})
        self.assertEqual(self.acs.session_count(), 2)
        pause.release()
        first = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertSessionOk(first)
        s = self.acs.wait_session(2, cwmptest.scaled(10))
        self.assertEvents(s, [(VC, '')])
        self.assertEqual(s.params.get(NAME), 'during')

    def test_forced_active_parameter(self):
        """ProvisioningCode is forceEnabled: a local change is reported at once."""
        self.start_cwmp()
        self.dm.spv({DI + 'ProvisioningCode': 'PROV.7'})
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertEvents(s, [(VC, '')])
        self.assertEqual(s.params[DI + 'ProvisioningCode'], 'PROV.7')

    def test_software_upgrade_reported_at_boot(self):
        """SoftwareVersion is forceEnabled: a new version after a reboot (an upgrade) comes
        with "1 BOOT" and "4 VALUE CHANGE"."""
        self.sb.device_info['SoftwareVersion'] = '1.0.0'
        self.start_cwmp()
        self.sb.device_info['SoftwareVersion'] = '1.1.0'
        self.sb.dmd_config()
        self.sb.reboot()
        s = self.acs.wait_session(1, cwmptest.scaled(20))
        self.assertEvents(s, [('1 BOOT', ''), (VC, '')])
        self.assertEqual(s.params[DI + 'SoftwareVersion'], '1.1.0')
        # The same version at the next boot is no change.
        self.sb.reboot()
        s = self.acs.wait_session(2, cwmptest.scaled(20))
        self.assertEvents(s, [('1 BOOT', '')])

    def test_throttle(self):
        """DefaultActiveNotificationThrottle: an active change right after a session waits
        until that many seconds after the end of the last session."""
        A = self.A
        self.start_cwmp(first_script=A.Script([
            A.set_parameter_attributes([(COUNTER, True, 2, False, [])]),
            A.set_parameter_values([(MS + 'DefaultActiveNotificationThrottle', 'unsignedInt',
                                     '3')], 'throttle')]))
        end = self.acs.sessions[0].ended_at
        self.bump_counter()
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertEvents(s, [(VC, '')])
        self.assertGreaterEqual(s.started - end, 2.9)


if __name__ == '__main__':
    cwmptest.main()
