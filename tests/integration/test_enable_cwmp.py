#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Device.ManagementServer.EnableCWMP: false sends no Inform and takes no connection
request (both listeners closed, ConnectionRequestURL empty); the events wait, and true
sends them at once."""

import socket

import cwmptest
from cwmptest import MS


class EnableCwmpTest(cwmptest.CwmpAgentTestCase):

    def test_disabled_and_enabled_again(self):
        self.start_cwmp()
        url = self.dm.value(MS + 'ConnectionRequestURL')
        udp = self.dm.value(MS + 'UDPConnectionRequestAddress')
        self.assertTrue(url and udp)
        self.assertEqual(self.dm.spv({MS + 'EnableCWMP': 'false'}), 0)
        self.assertTrue(cwmptest.wait_until(
            lambda: self.dm.value(MS + 'ConnectionRequestURL') == '', cwmptest.scaled(5)))
        self.assertEqual(self.dm.value(MS + 'UDPConnectionRequestAddress'), '')
        port = int(url.rsplit(':', 1)[1].split('/')[0])
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(('127.0.0.1', port), timeout=5).close()

        # Nothing reaches the ACS: not an event, not an explicit Inform.
        self.agent.queue_event('8 DIAGNOSTICS COMPLETE')
        self.agent.inform()
        self.assertNoNewSession(1, 1.5, why='with EnableCWMP false')
        self.assertIn(('8 DIAGNOSTICS COMPLETE', ''),
                      [tuple(e) for e in self.agent.prop('PendingEvents')])

        # Enabled again: what waited goes out, the listeners are back.
        self.assertEqual(self.dm.spv({MS + 'EnableCWMP': 'true'}), 0)
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertSessionOk(s)
        self.assertIn(('8 DIAGNOSTICS COMPLETE', ''), [tuple(e) for e in s.events])
        self.assertRegex(s.params[MS + 'ConnectionRequestURL'], r'^http://127\.0\.0\.1:\d+/cr$')
        self.assertRegex(self.dm.value(MS + 'UDPConnectionRequestAddress'),
                         r'^127\.0\.0\.1:\d+$')

    def test_disabled_across_a_restart(self):
        self.start_cwmp()
        self.assertEqual(self.dm.spv({MS + 'EnableCWMP': 'false'}), 0)
        self.sb.restart_cwmpd()
        self.agent.inform()
        self.assertNoNewSession(1, 1.5, why='with EnableCWMP false after a restart')
        self.assertEqual(self.dm.value(MS + 'ConnectionRequestURL'), '')


if __name__ == '__main__':
    cwmptest.main()
