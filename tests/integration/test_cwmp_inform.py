#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""cwmpd's Inform: BOOTSTRAP and BOOT, DeviceId and the forced parameters as dmd has them,
the header of a CWMP 1.4 CPE, and the end of a session (empty POST, then 204)."""

import calendar
import re
import time

import cwmptest
from cwmptest import MS

DI = 'Device.DeviceInfo.'
# Device:2's forcedInform parameters (TR-181 2.19) that the agent's model has.
FORCED = ['Device.RootDataModelVersion', DI + 'HardwareVersion', DI + 'SoftwareVersion',
          DI + 'ProvisioningCode', MS + 'ParameterKey', MS + 'ConnectionRequestURL',
          MS + 'AliasBasedAddressing']


def parse_datetime(s):
    """Seconds since the epoch of an xsd:dateTime with Z or an offset."""
    m = re.match(r'^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$', s)
    if not m:
        raise AssertionError('%r is not an absolute xsd:dateTime' % s)
    t = calendar.timegm(tuple(int(m.group(i)) for i in range(1, 7)))
    if m.group(8) != 'Z':
        sign = 1 if m.group(8)[0] == '+' else -1
        hh, mm = m.group(8)[1:].split(':')
        t -= sign * (int(hh) * 3600 + int(mm) * 60)
    return t


class InformTest(cwmptest.CwmpAgentTestCase):

    def setUp(self):
        super().setUp()
        self.sb.device_info.update({'ProductClass': 'TestBox', 'HardwareVersion': 'HW-B2',
                                    'SoftwareVersion': '3.2.1'})

    def test_first_contact(self):
        self.start_cwmp()
        s = self.acs.sessions[0]
        inform = s.inform
        self.assertEvents(s, [('0 BOOTSTRAP', ''), ('1 BOOT', '')])

        # The header of a CWMP 1.4 CPE.
        self.assertEqual(inform.ns, self.A.CWMP_1_2)
        self.assertTrue(inform.id, 'cwmp:ID present and not empty')
        self.assertEqual(inform.header_attrs['ID'].get('{%s}mustUnderstand' %
                                                       self.A.SOAP_ENV), '1')
        self.assertEqual(inform.header.get('SupportedCWMPVersions'), '1.0,1.1,1.2,1.3,1.4')
        self.assertEqual(inform.header.get('SessionTimeout'), '30')

        # DeviceId as dmd has it.
        dm = self.dm.values([DI + 'Manufacturer', DI + 'ManufacturerOUI', DI + 'ProductClass',
                             DI + 'SerialNumber'])
        self.assertEqual(inform.device_id(), {
            'Manufacturer': dm[DI + 'Manufacturer'], 'OUI': dm[DI + 'ManufacturerOUI'],
            'ProductClass': dm[DI + 'ProductClass'], 'SerialNumber': dm[DI + 'SerialNumber']})
        self.assertEqual(inform.device_id()['SerialNumber'], self.sb.serial)
        self.assertEqual(inform.device_id()['ProductClass'], 'TestBox')

        self.assertEqual(inform.text('MaxEnvelopes'), '1')
        self.assertEqual(inform.retry_count, 0)
        self.assertLess(abs(parse_datetime(inform.text('CurrentTime')) - time.time()), 60)

        # Every forced parameter once, with dmd's value and the model's type.
        values = inform.values()
        names = [n for n, _, _ in values]
        self.assertEqual(len(names), len(set(names)), 'each parameter once: %r' % names)
        got = {n: (t, v) for n, t, v in values}
        for name in FORCED:
            self.assertIn(name, got, 'forced Inform parameter %s' % name)
        expected = {n: (t, v) for n, t, v in self.dm.gpv(FORCED)}
        for name in FORCED:
            self.assertEqual(got[name], expected[name], name)
        self.assertEqual(got[DI + 'SoftwareVersion'], ('string', '3.2.1'))
        self.assertEqual(got[DI + 'HardwareVersion'], ('string', 'HW-B2'))
        self.assertEqual(got[MS + 'AliasBasedAddressing'][0], 'boolean')
        self.assertRegex(got[MS + 'ConnectionRequestURL'][1], r'^http://127\.0\.0\.1:\d+/cr$')
        for n, t, v in values:
            self.assertIsNotNone(t, '%s has an xsi:type' % n)

        # The session: InformResponse, the empty POST, then 204; nothing else.
        self.assertTrue(s.ok, s.outcome)
        self.assertEqual(s.empty_posts, 1)
        self.assertEqual(s.cpe_requests, [])
        self.assertEqual(s.cookie_missing, [], 'the empty POST returns the session cookie')
        self.assertTrue(s.cpe_closed.wait(cwmptest.scaled(5)),
                        'cwmpd closes the connection after the 204')
        # Nothing else pending: no other session.
        self.assertNoNewSession(1, 1.5)

    def test_reboot_sends_boot_only(self):
        self.start_cwmp()
        self.sb.reboot()
        s = self.acs.wait_session(1, cwmptest.scaled(20))
        self.assertSessionOk(s)
        self.assertEvents(s, [('1 BOOT', '')])
        self.assertEqual(s.inform.retry_count, 0)
        self.assertTrue(s.inform.id)
        # SIGKILL of the whole box is a boot too.
        self.sb.reboot(kill=True)
        s = self.acs.wait_session(2, cwmptest.scaled(20))
        self.assertEvents(s, [('1 BOOT', '')])

    def test_restart_of_cwmpd_alone_is_no_boot(self):
        self.start_cwmp()
        self.sb.restart_cwmpd()
        self.sb.restart_cwmpd(kill=True)
        self.assertNoNewSession(1, 1.5, why='(a restart of the daemon is not a BOOT)')

    def test_bootstrap_kept_until_delivered(self):
        """The ACS never answers the first Inform: cwmpd is killed, the box reboots; the
        BOOTSTRAP comes again, and once delivered never again."""
        pause = self.A.Pause('first Inform')
        self.start_cwmp(bootstrap=False, first_script=self.A.Script(inform_pause=pause))
        pause.wait_reached(cwmptest.scaled(20))
        self.sb.reboot(kill=True)
        pause.release()
        s = self.acs.wait_session(1, cwmptest.scaled(20))
        self.assertSessionOk(s)
        self.assertEvents(s, [('0 BOOTSTRAP', ''), ('1 BOOT', '')])
        self.sb.reboot()
        s = self.acs.wait_session(2, cwmptest.scaled(20))
        self.assertEvents(s, [('1 BOOT', '')])

    def test_inform_follows_the_model(self):
        """The forced parameters are read at each Inform: a ParameterKey set by a local
        transaction shows in the next one."""
        self.start_cwmp()
        self.dm.spv({cwmptest.ALPHA + 'Name': 'x'}, 'local-key-1')
        s = self.run_session()
        self.assertSessionOk(s)
        self.assertEqual(s.params[MS + 'ParameterKey'], 'local-key-1')
        self.assertEqual(s.inform.retry_count, 0)
        self.assertNotIn('0 BOOTSTRAP', s.event_codes)
        self.assertNotIn('1 BOOT', s.event_codes)

    def test_session_end_variants(self):
        """A 204 with "Connection: close" (GenieACS) and an empty 200 (older ACSs) end the
        session as well; cwmpd sends nothing after them."""
        self.start_cwmp(first_script=self.A.Script(close_on_end=True))
        s = self.run_session(self.A.Script(end_status=200))
        self.assertSessionOk(s)
        self.assertTrue(s.cpe_closed.wait(cwmptest.scaled(5)))
        s = self.run_session()
        self.assertSessionOk(s)
        self.assertEqual(self.acs.failures, [])
        self.assertEqual(self.agent.prop('LastSessionResult'), 'ok')


if __name__ == '__main__':
    cwmptest.main()
