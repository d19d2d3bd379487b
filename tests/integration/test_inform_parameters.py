#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Device.ManagementServer.InformParameter.{i}.: an enabled entry puts its parameter (or
partial path) in the ParameterList of the Informs carrying one of its EventList's events
(an empty list: any event but 4 VALUE CHANGE), and only there; what cannot be an entry is
refused with 9007."""

import cwmptest
from cwmptest import MS

DI = 'Device.DeviceInfo.'
IP = MS + 'InformParameter.'


class InformParameterTest(cwmptest.CwmpAgentTestCase):

    def add_entry(self, name, events, enable=True):
        instance, status = self.dm.add(IP)
        self.assertEqual(status, 0)
        row = '%s%d.' % (IP, instance)
        self.assertEqual(self.dm.spv({row + 'ParameterName': name, row + 'EventList': events,
                                      row + 'Enable': 'true' if enable else 'false'}), 0)
        return row

    def names(self, session):
        return [n for n, _, _ in session.inform.values()]

    def test_entries_follow_their_events(self):
        self.start_cwmp()
        first = self.acs.sessions[0]
        self.assertNotIn(DI + 'ModelName', self.names(first))

        self.add_entry(DI + 'ModelName', '8 DIAGNOSTICS COMPLETE')
        self.add_entry(MS + 'PeriodicInformInterval', '')  # every event but VALUE CHANGE
        self.add_entry(DI + 'Description', '1 BOOT, 8 DIAGNOSTICS COMPLETE', enable=False)
        self.add_entry(DI + 'NoSuchParameter', '')  # matches nothing now: left out
        self.add_entry('Device.Time.', 'M Reboot')  # a partial path, for another event
        # "*" in place of an instance number: every entry's ParameterName
        self.add_entry(IP + '*.ParameterName', '8 DIAGNOSTICS COMPLETE')
        self.assertEqual(self.dm.value(MS + 'InformParameterNumberOfEntries'), '6')

        # An Inform carrying 8 DIAGNOSTICS COMPLETE.
        s = self.run_session(trigger=lambda: self.agent.queue_event('8 DIAGNOSTICS COMPLETE'))
        self.assertSessionOk(s)
        self.assertEvents(s, [('8 DIAGNOSTICS COMPLETE', '')])
        got = {n: (t, v) for n, t, v in s.inform.values()}
        dm = {n: (t, v) for n, t, v in self.dm.gpv([DI + 'ModelName',
                                                    MS + 'PeriodicInformInterval'])}
        self.assertEqual(got[DI + 'ModelName'], dm[DI + 'ModelName'])
        self.assertEqual(got[MS + 'PeriodicInformInterval'], dm[MS + 'PeriodicInformInterval'])
        names = self.names(s)
        self.assertEqual(len(names), len(set(names)), 'each parameter once')
        self.assertNotIn(DI + 'Description', names, 'a disabled entry')
        self.assertNotIn(DI + 'NoSuchParameter', names)
        self.assertFalse([n for n in names if n.startswith('Device.Time.')], names)
        self.assertEqual(sorted(n for n in names if n.startswith(IP)),
                         ['%s%d.ParameterName' % (IP, i) for i in range(1, 7)])
        self.assertEqual(got[IP + '6.ParameterName'], ('string', IP + '*.ParameterName'))

        # An Inform with another event: only the entry for every event.
        s = self.run_session(trigger=lambda: self.agent.queue_event('6 CONNECTION REQUEST'))
        self.assertSessionOk(s)
        self.assertEvents(s, [('6 CONNECTION REQUEST', '')])
        names = self.names(s)
        self.assertIn(MS + 'PeriodicInformInterval', names)
        self.assertNotIn(DI + 'ModelName', names)

        # An Inform with no event at all carries none of them.
        s = self.run_session()
        self.assertSessionOk(s)
        self.assertEqual(s.events, [])
        self.assertNotIn(MS + 'PeriodicInformInterval', self.names(s))

        # Disabled, the entry is gone from the next Inform; the entries survive a restart.
        self.assertEqual(self.dm.spv({IP + '2.Enable': 'false'}), 0)
        self.sb.restart_cwmpd()
        s = self.run_session(trigger=lambda: self.agent.queue_event('8 DIAGNOSTICS COMPLETE'))
        self.assertSessionOk(s)
        names = self.names(s)
        self.assertIn(DI + 'ModelName', names)
        self.assertNotIn(MS + 'PeriodicInformInterval', names)

    def test_refused_entries(self):
        self.start_cwmp()
        instance, _ = self.dm.add(IP)
        row = '%s%d.' % (IP, instance)
        for name, value in [('ParameterName', MS + 'ParameterKey'),  # forced Inform: 9007
                            ('ParameterName', DI + 'SoftwareVersion'),
                            ('ParameterName', 'Device.IP.Interface.1*.Status'),
                            ('ParameterName', 'Device.IP.Interface.*x.Status'),
                            ('ParameterName', 'Device.*.Interface.'),
                            ('ParameterName', 'InternetGatewayDevice.DeviceInfo.'),
                            ('EventList', '1 BOOT,4 VALUE CHANGE'),
                            ('EventList', '1 BOOT,,2 PERIODIC')]:
            with self.subTest(name=name, value=value):
                self.assertFault(9003, self.dm.spv, {row + name: value},
                                 params={row + name: 9007})
        self.assertEqual(self.dm.spv({row + 'ParameterName': DI + 'ModelName',
                                      row + 'EventList': '1 BOOT,M Reboot'}), 0)
        self.assertEqual(self.dm.value(row + 'EventList'), '1 BOOT,M Reboot')
        self.assertEqual(self.dm.spv({row + 'ParameterName': 'Device.IP.Interface.*.Status'}), 0)


if __name__ == '__main__':
    cwmptest.main()
