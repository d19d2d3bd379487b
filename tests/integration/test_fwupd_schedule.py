#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""When fwupd-bridge transfers: ScheduleDownload inside its time windows (retries inside a
window, 9020 once every window is missed, "4 Confirmation Needed" never confirmed on a box
without a user), DelaySeconds, and never while an ACS session is open."""

import time

import cwmptest
from test_fwupd_transfers import CONFIG, FwupdTestCase

GOOD = b'# CWMP vendor configuration file, version 1\n'


class ScheduleTest(FwupdTestCase):

    def test_window_in_the_future(self):
        self.start()
        url = self.files.add('/c', GOOD)
        t0 = time.time()
        self.fw.schedule_download('sd', CONFIG, url, [(2, 30, '1 At Any Time', '', -1)])
        self.assertEqual(self.fw.queued(), [('sd', 1, True, CONFIG, 0, '')])
        key, code, text, start, done = self.wait_complete('sd')
        self.assertEqual(code, 0, text)
        self.assertGreaterEqual(time.time() - t0, 2)
        self.assertNotEqual(start, '0001-01-01T00:00:00Z')

    def test_all_windows_missed_is_9020(self):
        self.start()
        url = self.files.add('/c', GOOD)
        # Nobody can confirm on this box: the window passes unused.
        self.fw.schedule_download('confirm', CONFIG, url,
                                  [(0, 2, '4 Confirmation Needed', 'May I?', -1)])
        key, code, text, start, done = self.wait_complete('confirm')
        self.assertEqual(code, 9020, text)
        self.assertEqual(self.files.requests, [])

    def test_retries_inside_the_window(self):
        self.start(sections={'Transfers': {'RetryInterval': 1}})
        self.fw.schedule_download('retry', CONFIG, self.files.url('/later'),
                                  [(0, 30, '2 Immediately', '', 2)])
        cwmptest.wait_until(lambda: self.files.requests, cwmptest.scaled(10))
        self.files.add('/later', GOOD)  # there for the second attempt
        self.assertEqual(self.wait_complete('retry')[1], 0)
        self.assertEqual(self.files.requests, [('GET', '/later')] * 2)

    def test_no_retry_left_reports_the_last_fault(self):
        self.start(sections={'Transfers': {'RetryInterval': 1}})
        self.fw.schedule_download('once', CONFIG, self.files.url('/never'),
                                  [(0, 30, '1 At Any Time', '', 0)])
        key, code, text, _, _ = self.wait_complete('once')
        self.assertEqual(code, 9016, text)
        self.assertEqual(self.files.requests, [('GET', '/never')])

    def test_failed_window_moves_to_the_next(self):
        self.start(sections={'Transfers': {'RetryInterval': 1}})
        self.fw.schedule_download('next', CONFIG, self.files.url('/soon'),
                                  [(0, 3, '1 At Any Time', '', 0),
                                   (4, 30, '1 At Any Time', '', 0)])
        cwmptest.wait_until(lambda: self.files.requests, cwmptest.scaled(10))
        self.files.add('/soon', GOOD)  # there for the second window's attempt
        t0 = time.time()
        self.assertEqual(self.wait_complete('next')[1], 0)
        self.assertGreaterEqual(time.time() - t0, 2.5)
        self.assertEqual(self.files.requests, [('GET', '/soon')] * 2)

    def test_second_window(self):
        self.start(sections={'Transfers': {'RetryInterval': 1}})
        url = self.files.add('/c', GOOD)
        t0 = time.time()
        self.fw.schedule_download('two', CONFIG, url, [(3, 20, '3 When Idle', '', -1),
                                                       (0, 1, '4 Confirmation Needed', '', -1)])
        self.assertEqual(self.wait_complete('two')[1], 0)
        self.assertGreaterEqual(time.time() - t0, 3)


class SessionTest(FwupdTestCase):

    def test_not_during_a_session(self):
        self.start()
        url = self.files.add('/c', GOOD)
        pause = self.A.Pause('inside the session')
        self.acs.queue(self.A.Script(inform_pause=pause))
        self.agent.inform()
        pause.wait_reached(cwmptest.scaled(10))
        self.fw.download('wait', CONFIG, url)
        time.sleep(cwmptest.scaled(1.5))
        self.assertEqual(self.files.requests, [], 'transferred during a session')
        self.assertEqual(self.fw.queued()[0][:2], ('wait', 1))
        pause.release()
        self.assertEqual(self.wait_complete('wait')[1], 0)

    def test_delay_seconds(self):
        self.start()
        url = self.files.add('/c', GOOD)
        t0 = time.time()
        self.fw.download('delayed', CONFIG, url, delay=2)
        time.sleep(1)
        self.assertEqual(self.files.requests, [])
        self.assertEqual(self.wait_complete('delayed')[1], 0)
        self.assertGreaterEqual(time.time() - t0, 2)


if __name__ == '__main__':
    cwmptest.main()
