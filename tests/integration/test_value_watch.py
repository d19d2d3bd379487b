#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""dmd's value watcher: values that change without anybody writing them through dmd (a
provider's live value, a file on the box) reach the ACS as value-change notifications:
active (2) opens a session with "4 VALUE CHANGE", passive (1) rides the next Inform, a
change made while dmd was down is reported after its start, and the ACS's own changes are
not reported back. Active notification of a canDeny parameter is refused with 9009."""

import os
import signal
import time

import cwmptest
from cwmptest import ALPHA

VC = '4 VALUE CHANGE'
COUNTER = ALPHA + 'Counter'
NAME = ALPHA + 'Name'
DI = 'Device.DeviceInfo.'


class ValueWatchTest(cwmptest.CwmpAgentTestCase):

    def start_watched(self, attrs, period=1, alpha=None):
        """The stack with dmd sampling every `period` seconds; the BOOTSTRAP session sets
        these notifications."""
        A = self.A
        write = self.sb.dmd_config
        self.sb.dmd_config = lambda extra=None: write(
            dict({'Notification': {'SamplePeriodSec': str(period)}}, **(extra or {})))
        self.start_cwmp(alpha=alpha, first_script=A.Script([A.set_parameter_attributes(
            [(n, True, v, False, []) for n, v in attrs.items()])]))
        self.assertResponse(self.acs.sessions[0].responses[0],
                            'SetParameterAttributesResponse')

    def test_live_value_active(self):
        """Counter changes each time it is read (--live-counter) and nobody tells dmd: the
        watcher's reads find the change, and the ACS hears of it at once."""
        self.start_watched({COUNTER: 2}, alpha={'live_counter': True})
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertSessionOk(s)
        self.assertIn(VC, s.event_codes)
        self.assertIn(COUNTER, s.params)
        self.assertGreater(int(s.params[COUNTER]), 0)
        # Notification off: the sessions stop.
        self.run_session([self.A.set_parameter_attributes([(COUNTER, True, 0, False, [])])])
        time.sleep(cwmptest.scaled(1.5))  # a change seen before that may still be on its way
        self.acs.wait_idle(cwmptest.scaled(10))
        n = self.acs.session_count()
        self.assertNoNewSession(n, 3, why='(notification is off)')

    def test_live_value_passive(self):
        self.start_watched({COUNTER: 1}, alpha={'live_counter': True})
        self.assertNoNewSession(1, 3, why='(passive notification opens no session)')
        s = self.run_session()
        self.assertIn(VC, s.event_codes)
        self.assertIn(COUNTER, s.params)

    def test_change_while_dmd_down(self):
        """The last values are on disk: a change made while dmd was stopped is reported by
        dmd (origin "") once it runs again."""
        self.start_watched({COUNTER: 2})
        time.sleep(cwmptest.scaled(2.5))  # the watcher has taken Counter's value (0)
        self.sb.dmd.stop()
        os.kill(self.alpha.pid, signal.SIGUSR1)  # Counter is 1 now; dmd hears nothing
        time.sleep(0.3)
        mon = self.sb.monitor(["type='signal',interface='io.cwmp.DataModel1',"
                               "member='ValueChanged'"])
        n = self.acs.session_count()
        self.sb.restart_dmd()
        s = self.acs.wait_session(n, cwmptest.scaled(15))
        self.assertIn(VC, s.event_codes)
        self.assertEqual(s.params.get(COUNTER), '1')
        mon.sync()
        by_watcher = [m for m in mon.seen + list(mon.messages.queue)
                      if m.get('member') == 'ValueChanged' and m['payload']['data'][1] == ''
                      and any(v[0] == COUNTER for v in m['payload']['data'][0])]
        self.assertTrue(by_watcher, 'dmd signalled the change itself')

    def test_change_by_the_acs_not_reported(self):
        A = self.A
        self.start_watched({NAME: 2})
        s = self.run_session([A.set_parameter_values([(NAME, 'string', 'by the ACS')], 'k1')])
        self.assertEqual(s.responses[0].int_field('Status'), 0)
        self.assertNoNewSession(2, 3, why='(the ACS\'s own change, sampled since)')

    def test_can_deny_refused(self):
        """canDeny parameters (counters, temperatures, the clock) refuse active
        notification with 9009; passive is fine."""
        A = self.A
        self.start_cwmp()
        for name in (DI + 'UpTime', DI + 'MemoryStatus.', 'Device.Time.CurrentLocalTime'):
            s = self.run_session([A.set_parameter_attributes([(name, True, 2, False, [])])])
            self.assertFaultResponse(s.responses[0], 9009)
        s = self.run_session([A.set_parameter_attributes([(DI + 'UpTime', True, 1, False,
                                                           [])])])
        self.assertResponse(s.responses[0], 'SetParameterAttributesResponse')


if __name__ == '__main__':
    cwmptest.main()
