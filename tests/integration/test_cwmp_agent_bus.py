#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""cwmpd's local D-Bus interface io.cwmp.Agent1: QueueEvent, Inform, the properties, the
SessionEnded signal, and introspection matching dbus-interfaces/io.cwmp.Agent1.xml."""

import calendar
import re
import subprocess
import time
import xml.etree.ElementTree as ET

import dbus

import cwmptest
from cwmptest import AGENT_BUS_NAME, AGENT_IFACE, AGENT_PATH
from test_introspect import contract, members

DIAG = '8 DIAGNOSTICS COMPLETE'
PROPERTIES = {'SessionState': 's', 'LastSessionResult': 's', 'LastSessionTime': 's',
              'RetryCount': 'u', 'PendingEvents': 'a(ss)', 'URL': 's', 'CWMPVersion': 's'}


class AgentBusTest(cwmptest.CwmpAgentTestCase):

    def busctl(self, *args, check=True):
        r = subprocess.run(['busctl', '--address=' + self.sb.bus.address] + list(args),
                           capture_output=True, text=True, timeout=cwmptest.scaled(30))
        if check:
            self.assertEqual(r.returncode, 0, 'busctl %s: %s' % (' '.join(args), r.stderr))
        return r

    def test_queue_event(self):
        self.start_cwmp()
        self.assertIsNone(self.agent.queue_event(DIAG, '', 'diagd/ipping/1'))
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertSessionOk(s)
        self.assertEvents(s, [(DIAG, '')])
        # A multiple event with its CommandKey, and the same producer key twice: once.
        pause = self.A.Pause('before InformResponse')
        self.acs.queue(self.A.Script(inform_pause=pause))
        self.agent.queue_event('M X_00D09E_Check', 'ck-9', 'test/check/9')
        pause.wait_reached(cwmptest.scaled(10))
        self.agent.queue_event('M X_00D09E_Check', 'ck-9', 'test/check/9')
        pause.release()
        s = self.acs.wait_session(2, cwmptest.scaled(10))
        self.assertEvents(s, [('M X_00D09E_Check', 'ck-9')])
        self.acs.wait_idle(cwmptest.scaled(10))
        self.assertNoNewSession(3, 1, why='(the retried hand-off was the same event)')
        self.assertEqual(self.agent.prop('PendingEvents'), [])

    def test_queue_event_refuses_bad_codes(self):
        self.start_cwmp()
        for code in ('BOGUS', '', '99', 'M Reboot extra words', 'M'):
            self.assertAnyFault(self.agent.queue_event, code, '', '')
        self.assertEqual(self.agent.prop('PendingEvents'), [])
        self.assertNoNewSession(1, 1)

    def test_properties(self):
        before = time.time()
        self.start_cwmp()
        props = self.agent.props()
        self.assertEqual(set(props), set(PROPERTIES))
        self.assertEqual(props['SessionState'], 'idle')
        self.assertEqual(props['LastSessionResult'], 'ok')
        self.assertEqual(props['RetryCount'], 0)
        self.assertEqual(props['PendingEvents'], [])
        self.assertEqual(props['URL'], self.acs.url)
        self.assertEqual(props['CWMPVersion'], '1.4')
        m = re.match(r'^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$', props['LastSessionTime'])
        self.assertIsNotNone(m, props['LastSessionTime'])
        t = calendar.timegm(tuple(int(x) for x in m.groups()))
        self.assertTrue(before - 1 <= t <= time.time() + 1, props['LastSessionTime'])
        # During a session, with an event on its way.
        pause = self.A.Pause('before InformResponse')
        self.acs.queue(self.A.Script(inform_pause=pause))
        self.agent.queue_event(DIAG, '', '')
        pause.wait_reached(cwmptest.scaled(10))
        self.assertEqual(self.agent.prop('SessionState'), 'session')
        self.assertIn((DIAG, ''), [tuple(x) for x in self.agent.prop('PendingEvents')])
        pause.release()
        self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertTrue(cwmptest.wait_until(lambda: self.agent.prop('SessionState') == 'idle',
                                            cwmptest.scaled(5)))
        self.assertEqual(self.agent.prop('PendingEvents'), [])
        # Read-only.
        with self.assertRaises(dbus.exceptions.DBusException):
            cwmptest.call_method(self.sb.conn, AGENT_BUS_NAME, AGENT_PATH,
                                 'org.freedesktop.DBus.Properties', 'Set', 'ssv',
                                 (AGENT_IFACE, 'URL', dbus.String('http://x/')), 10)
        self.assertEqual(self.agent.prop('URL'), self.acs.url)

    def test_properties_before_the_first_session(self):
        """No ACS URL: no session ever; the properties say so."""
        self.start_cwmp(bootstrap=False, sections={'ACS': {'URL': None}})
        props = self.agent.props()
        self.assertEqual(props['LastSessionResult'], '')
        self.assertEqual(props['LastSessionTime'], '')
        self.assertEqual(props['URL'], '')
        self.assertEqual(props['SessionState'], 'idle')
        self.assertEqual(self.acs.connections, [])

    def test_session_ended_signal(self):
        self.start_cwmp()
        monitor = self.sb.monitor(["type='signal',interface='%s',member='SessionEnded'" %
                                   AGENT_IFACE])
        self.run_session()
        m = monitor.wait_for(lambda m: m.get('member') == 'SessionEnded',
                             cwmptest.scaled(10))
        self.assertIsNotNone(m, 'SessionEnded after a good session')
        self.assertEqual(m['path'], AGENT_PATH)
        self.assertEqual(m['payload']['data'], [True, 'ok'])
        # A failed session: success false and the reason.
        self.acs.queue(self.A.Script(inform_fault=8005))
        self.agent.inform()
        m = monitor.wait_for(lambda m: m.get('member') == 'SessionEnded' and
                             m['payload']['data'][0] is False, cwmptest.scaled(10))
        self.assertIsNotNone(m, 'SessionEnded after a failed session')
        self.assertNotIn(m['payload']['data'][1], ('', 'ok'))
        self.assertEqual(m['payload']['data'][1], self.agent.prop('LastSessionResult'))

    def test_inform_method(self):
        self.start_cwmp()
        s = self.run_session(trigger=self.agent.inform)
        self.assertSessionOk(s)
        self.assertNotIn('0 BOOTSTRAP', s.event_codes)

    def test_introspection_matches_the_contract(self):
        self.start_cwmp()
        xml = self.busctl('introspect', '--xml-interface', AGENT_BUS_NAME, AGENT_PATH).stdout
        root = ET.fromstring(xml)
        names = [i.get('name') for i in root.findall('interface')]
        self.assertEqual(len(names), len(set(names)), names)
        for required in (AGENT_IFACE, 'org.freedesktop.DBus.Introspectable',
                         'org.freedesktop.DBus.Peer', 'org.freedesktop.DBus.Properties'):
            self.assertIn(required, names)
        served = root.find("interface[@name='%s']" % AGENT_IFACE)
        self.assertEqual(members(served), members(contract(AGENT_IFACE)))
        self.busctl('call', AGENT_BUS_NAME, AGENT_PATH, 'org.freedesktop.DBus.Peer', 'Ping')
        # busctl reads the properties as introspection announces them.
        r = self.busctl('get-property', AGENT_BUS_NAME, AGENT_PATH, AGENT_IFACE, 'RetryCount')
        self.assertEqual(r.stdout.strip(), 'u 0')


if __name__ == '__main__':
    cwmptest.main()
