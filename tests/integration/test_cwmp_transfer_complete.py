#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""TransferComplete hand-offs through io.cwmp.Agent1.QueueTransferComplete: the ACS hears
exactly one TransferComplete per result, with "7 TRANSFER COMPLETE" and "M <Method>" in the
Inform, whatever fails or is killed before it answered."""

import cwmptest

TC = '7 TRANSFER COMPLETE'
START, DONE = '2026-11-26T10:00:00Z', '2026-11-26T10:00:42Z'


class TransferCompleteTest(cwmptest.CwmpAgentTestCase):

    def hand_over(self, key, fault=0, fault_string='', method='Download', producer=None):
        return self.agent.call('QueueTransferComplete', 'ssussss', method, key, fault,
                               fault_string, START, DONE,
                               producer if producer is not None else 'test/' + key)

    def transfer_completes(self, sessions=None):
        """Every TransferComplete the ACS received: [(CommandKey, FaultCode, StartTime)]."""
        out = []
        for s in sessions if sessions is not None else self.acs.sessions:
            for m in s.cpe_requests:
                if m.method == 'TransferComplete':
                    fault = m.child('FaultStruct')
                    out.append((m.text('CommandKey'), m.text('FaultCode', fault),
                                m.text('StartTime'), m.text('CompleteTime')))
        return out

    def test_delivered_once(self):
        self.start_cwmp()
        self.assertIsNone(self.hand_over('dl-1'))
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertSessionOk(s)
        self.assertEvents(s, [(TC, ''), ('M Download', 'dl-1')])
        self.assertEqual(self.transfer_completes([s]), [('dl-1', '0', START, DONE)])
        # The same hand-off again (the producer retrying): nothing new for the ACS.
        self.hand_over('dl-1')
        self.assertNoNewSession(2, 1)
        self.assertEqual(self.agent.prop('PendingEvents'), [])

    def test_failed_transfer_carries_its_fault(self):
        self.start_cwmp()
        self.hand_over('up-7', 9011, 'Upload failure: server said 500', method='Upload')
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertEvents(s, [(TC, ''), ('M Upload', 'up-7')])
        self.assertEqual(self.transfer_completes([s]), [('up-7', '9011', START, DONE)])
        msg = s.cpe_requests[0]
        self.assertEqual(msg.text('FaultString', msg.child('FaultStruct')),
                         'Upload failure: server said 500')

    def test_several_results_one_session(self):
        self.start_cwmp()
        pause = self.A.Pause('before InformResponse')
        self.acs.queue(self.A.Script(inform_pause=pause))
        self.hand_over('a-1')
        pause.wait_reached(cwmptest.scaled(10))
        self.hand_over('a-2', method='ScheduleDownload')
        pause.release()
        self.acs.wait_idle(cwmptest.scaled(10))
        got = self.transfer_completes()
        self.assertEqual(sorted(k for k, *_ in got), ['a-1', 'a-2'], got)

    def test_survives_failed_session_and_sigkill(self):
        """The ACS fails the session, cwmpd is killed: the result is still delivered, once."""
        self.start_cwmp()
        self.acs.queue(self.A.Script(inform_fault=8005))
        self.hand_over('dl-crash')
        failed = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertFalse(failed.ok)
        self.sb.restart_cwmpd(kill=True)
        self.agent.inform()
        self.assertTrue(self.acs.wait_for(lambda: self.transfer_completes(),
                                          cwmptest.scaled(20)))
        self.acs.wait_idle(cwmptest.scaled(10))
        self.assertEqual([k for k, *_ in self.transfer_completes()], ['dl-crash'])
        self.assertEqual(self.agent.prop('PendingEvents'), [])

    def test_hold_requests_defers_it(self):
        """With HoldRequests the CPE sends no request: the result waits for a session whose
        ACS does not hold requests, and the event stays pending until then."""
        self.start_cwmp()
        self.acs.queue(self.A.Script(hold_requests=True))
        self.hand_over('dl-held')
        held = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertSessionOk(held)
        self.assertEqual(self.transfer_completes([held]), [])
        self.assertIn((TC, ''), [tuple(e) for e in self.agent.prop('PendingEvents')])
        self.agent.inform()
        s = self.acs.wait_session(2, cwmptest.scaled(10))
        self.assertEqual(self.transfer_completes([s]), [('dl-held', '0', START, DONE)])
        self.assertEvents(s, [(TC, ''), ('M Download', 'dl-held')])

    def test_bad_hand_offs_refused(self):
        self.start_cwmp()
        self.assertAnyFault(self.agent.call, 'QueueTransferComplete', 'ssussss', 'Reboot',
                            'k', 0, '', START, DONE, 'p1')
        self.assertAnyFault(self.agent.call, 'QueueTransferComplete', 'ssussss', 'Download',
                            'k', 9005, '', START, DONE, 'p2')
        self.assertAnyFault(self.agent.call, 'QueueTransferComplete', 'ssussss', 'Download',
                            'k', 0, '', 'yesterday', DONE, 'p3')
        self.assertEqual(self.agent.prop('PendingEvents'), [])
        self.assertNoNewSession(1, 1)


if __name__ == '__main__':
    cwmptest.main()
