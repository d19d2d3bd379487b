#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""fwupd-bridge and cwmpd killed with SIGKILL at each stage of a transfer: queued, while
downloading, with the result stored but cwmpd away, right after the hand-off, and at
arbitrary instants. Whatever happens, the ACS hears exactly one TransferComplete per
CommandKey, and a transfer cut in the middle starts again or fails with a fault."""

import os
import time

import cwmptest
from test_fwupd_transfers import CONFIG, FwupdTestCase

GOOD = b'# CWMP vendor configuration file, version 1\n'
SLOW = GOOD + b'#' * (10 * 65536)


class CrashTest(FwupdTestCase):

    def state_of(self, key):
        for q in self.fw.queued():
            if q[0] == key:
                return q[1]
        return None

    def wait_state(self, key, state, timeout=10):
        if not cwmptest.wait_until(lambda: self.state_of(key) == state,
                                   cwmptest.scaled(timeout), 0.05):
            self.fail('%s never reached state %r (now %r)' % (key, state, self.state_of(key)))

    def test_killed_while_queued(self):
        self.start()
        url = self.files.add('/c', GOOD)
        self.fw.download('queued', CONFIG, url, delay=2)
        self.bridge.restart(kill=True)
        self.assertEqual(self.state_of('queued'), 1)
        self.assertEqual(self.wait_complete('queued')[1], 0)

    def test_killed_while_downloading_starts_again(self):
        self.start()
        url = self.files.add('/slow', SLOW, chunk_delay=0.1)
        self.fw.download('dl', CONFIG, url)
        self.wait_state('dl', 2)
        self.assertTrue(cwmptest.wait_until(lambda: self.files.requests, cwmptest.scaled(10)))
        self.bridge.restart(kill=True)
        self.assertEqual(self.wait_complete('dl')[1], 0)
        self.assertEqual([r for r in self.files.requests if r[1] == '/slow'],
                         [('GET', '/slow')] * 2)

    def test_killed_too_often_fails(self):
        self.start(sections={'Transfers': {'MaxAttempts': 1}})
        url = self.files.add('/slow', SLOW, chunk_delay=0.1)
        self.fw.download('dl', CONFIG, url)
        self.wait_state('dl', 2)
        self.bridge.restart(kill=True)
        key, code, text, start, done = self.wait_complete('dl')
        self.assertEqual(code, 9017, text)
        self.assertIn('interrupted', text)
        # the partial file of the cut attempt is gone too
        self.assertEqual(os.listdir(self.sb.path('state', 'fwupd-bridge', 'downloads')), [])

    def test_stopped_while_downloading_is_no_failed_attempt(self):
        self.start(sections={'Transfers': {'MaxAttempts': 1}})
        url = self.files.add('/slow', SLOW, chunk_delay=0.1)
        self.fw.download('dl', CONFIG, url)
        self.wait_state('dl', 2)
        self.bridge.restart()  # SIGTERM: the download starts again, even with one attempt
        self.assertEqual(self.wait_complete('dl')[1], 0)

    def test_result_waits_for_cwmpd(self):
        self.start()
        url = self.files.add('/c', GOOD)
        self.cwmpd.kill()
        self.fw.download('later', CONFIG, url)
        self.wait_state('later', 3)  # done, kept until cwmpd has it
        self.bridge.restart(kill=True)
        self.assertEqual(self.state_of('later'), 3)
        self.cwmpd.start(wait=False)
        self.sb.wait_cwmpd_ready()
        self.assertEqual(self.wait_complete('later')[1], 0)
        self.assertTrue(cwmptest.wait_until(lambda: self.fw.queued() == [],
                                            cwmptest.scaled(10)))
        # Neither daemon repeats it after another kill.
        self.bridge.restart(kill=True)
        self.sb.restart_cwmpd(kill=True)
        self.agent.inform()
        self.acs.wait_idle(cwmptest.scaled(20))
        time.sleep(cwmptest.scaled(1))
        self.assertEqual(len([t for t in self.transfer_completes() if t[0] == 'later']), 1)

    def test_killed_at_arbitrary_instants(self):
        self.start()
        url = self.files.add('/c', GOOD + b'#' * 200000, chunk_delay=0.02)
        keys = []
        for i, pause in enumerate((0.0, 0.05, 0.15, 0.3, 0.6, 1.0)):
            key = 'k%d' % i
            keys.append(key)
            self.fw.download(key, CONFIG, url)
            time.sleep(pause)
            victims = [self.bridge] if i % 2 == 0 else [self.bridge, self.cwmpd]
            for d in victims:
                d.kill()
            self.bridge.start()
            if self.cwmpd not in victims:
                continue
            self.cwmpd.start(wait=False)
            self.sb.wait_cwmpd_ready()
        for key in keys:
            self.assertEqual(self.wait_complete(key, timeout=30)[1], 0, key)
        self.assertTrue(cwmptest.wait_until(lambda: self.fw.queued() == [],
                                            cwmptest.scaled(10)))
        time.sleep(cwmptest.scaled(1))
        # Each key once in a session that ended normally (wait_complete above also checked
        # that nothing came after it; a repeat follows only a session cwmpd was killed in).
        got = sorted(t[0] for s, t in self.transfer_completes_by_session() if s.outcome == 'ok')
        self.assertEqual(got, sorted(keys))


if __name__ == '__main__':
    cwmptest.main()
