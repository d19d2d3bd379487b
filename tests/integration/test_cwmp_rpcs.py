#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Every RPC the ACS can call on cwmpd, with good and bad arguments and the exact faults
of TR-069 Annex A, checked against what dmd holds."""

import cwmptest
from cwmptest import ALPHA, BETA, MS

DI = 'Device.DeviceInfo.'

# TR-069 Table 5 (Amd 6 3.6): the methods a CPE must support, plus the optional ones these
# tests exercise. The transfer methods are carried out by the transfer daemon
# (io.cwmp.Firmware1; test_cwmp_transfers.py tests them).
REQUIRED_METHODS = {'GetRPCMethods', 'SetParameterValues', 'GetParameterValues',
                    'GetParameterNames', 'SetParameterAttributes', 'GetParameterAttributes',
                    'AddObject', 'DeleteObject', 'Reboot', 'FactoryReset', 'Download'}
TESTED_OPTIONAL = {'ScheduleInform', 'Upload', 'ScheduleDownload', 'CancelTransfer',
                   'GetQueuedTransfers', 'GetAllQueuedTransfers'}


class RpcTest(cwmptest.CwmpAgentTestCase):

    def play(self, *rpcs, **start):
        """Starts the stack; the BOOTSTRAP session plays `rpcs`. Returns that session."""
        self.start_cwmp(first_script=self.A.Script(list(rpcs)), **start)
        return self.acs.sessions[0] if self.acs.sessions else None

    def test_get_rpc_methods(self):
        s = self.play(self.A.get_rpc_methods())
        r = s.responses[0]
        self.assertResponse(r, 'GetRPCMethodsResponse')
        methods = r.strings('MethodList')
        self.assertEqual(len(methods), len(set(methods)), 'each method once: %r' % methods)
        missing = (REQUIRED_METHODS | TESTED_OPTIONAL) - set(methods)
        self.assertEqual(missing, set(), 'MethodList %r' % methods)
        # What the list announces is implemented: the harmless ones never answer 9000. No
        # transfer daemon runs here, so the queue listings answer 9002 (internal error).
        harmless = {'GetQueuedTransfers': self.A.get_queued_transfers,
                    'GetAllQueuedTransfers': self.A.get_all_queued_transfers}
        calls = [make() for name, make in harmless.items() if name in methods]
        self.assertEqual(len(calls), 2)
        self.run_session(calls)
        for rpc in calls:
            self.assertFaultResponse(rpc.response, 9002)

    def test_get_parameter_values(self):
        A = self.A
        s = self.play(A.get_parameter_values(ALPHA + 'Level'),
                      A.get_parameter_values([BETA]),
                      A.get_parameter_values([ALPHA + 'Level', DI + 'Manufacturer',
                                              ALPHA + 'Secret', MS + 'Password']),
                      A.get_parameter_values([ALPHA + 'Nope']),
                      A.get_parameter_values([ALPHA + 'Level', 'Device.X_TEST_Nowhere.']),
                      A.get_parameter_values(['Device.X_TEST_Alpha']),
                      A.get_parameter_values([MS]))
        r = s.responses
        self.assertResponse(r[0], 'GetParameterValuesResponse')
        self.assertEqual(r[0].values(), [(ALPHA + 'Level', 'unsignedInt', '50')])
        # A partial path: every parameter below, in dmd's order, with dmd's values.
        self.assertEqual(r[1].values(), [tuple(x) for x in self.dm.gpv([BETA])])
        self.assertEqual([n for n, _, _ in r[1].values()],
                         [BETA + 'Mode', BETA + 'Threshold', BETA + 'Note'])
        self.assertEqual(r[2].values(), [
            (ALPHA + 'Level', 'unsignedInt', '50'),
            (DI + 'Manufacturer', 'string', self.sb.device_info['Manufacturer']),
            (ALPHA + 'Secret', 'string', ''),  # hidden: reads as ""
            (MS + 'Password', 'string', '')])
        self.assertFaultResponse(r[3], 9005)
        self.assertFaultResponse(r[4], 9005)
        self.assertFaultResponse(r[5], 9005)  # an object without its dot
        ms = r[6].value_map()
        self.assertEqual(ms[MS + 'URL'], self.acs.url)
        self.assertEqual(ms[MS + 'ConnectionRequestPassword'], '')
        types = {n: t for n, t, _ in r[6].values()}
        self.assertEqual(types[MS + 'PeriodicInformEnable'], 'boolean')
        self.assertEqual(types[MS + 'PeriodicInformInterval'], 'unsignedInt')
        self.assertEqual(types[MS + 'PeriodicInformTime'], 'dateTime')

    def test_set_parameter_values_atomic_across_providers(self):
        A = self.A
        level, mode, key = ALPHA + 'Level', BETA + 'Mode', MS + 'ParameterKey'
        s = self.play(
            A.set_parameter_values([(level, 'unsignedInt', '70'), (mode, 'string', 'Manual')],
                                   'key-1'),
            A.get_parameter_values([level, mode, key]),
            # One bad value refuses the whole request: nothing changes, nor the key.
            A.set_parameter_values([(level, 'unsignedInt', '80'), (mode, 'string', 'Bogus')],
                                   'key-2'),
            A.get_parameter_values([level, mode, key]))
        r = s.responses
        self.assertResponse(r[0], 'SetParameterValuesResponse')
        self.assertEqual(r[0].int_field('Status'), 0)
        self.assertEqual(r[1].values(), [(level, 'unsignedInt', '70'), (mode, 'string', 'Manual'),
                                         (key, 'string', 'key-1')])
        self.assertFaultResponse(r[2], 9003, {mode: 9007})
        self.assertEqual(r[3].values(), r[1].values())
        self.assertEqual(self.dm.values([level, mode]), {level: '70', mode: 'Manual'})
        self.assertEqual(self.dm.parameter_key, 'key-1')
        # The new key is in the next Inform.
        s2 = self.run_session()
        self.assertEqual(s2.params[key], 'key-1')

    def test_set_parameter_values_refused_at_commit(self):
        """Beta's hardware refuses the value at commit time: Alpha, already applied, is
        rolled back."""
        A = self.A
        s = self.play(A.set_parameter_values([(ALPHA + 'Level', 'unsignedInt', '10'),
                                              (BETA + 'Note', 'string', 'no-way')], 'k'),
                      beta={'refuse_apply': 'no-way'})
        r = s.responses[0]
        self.assertTrue(r.is_fault, r.xml)
        self.assertEqual(self.dm.values([ALPHA + 'Level', BETA + 'Note']),
                         {ALPHA + 'Level': '50', BETA + 'Note': ''})
        self.assertEqual(self.dm.parameter_key, '')

    def test_set_parameter_values_faults(self):
        A = self.A
        s = self.play(
            A.set_parameter_values([(ALPHA + 'Counter', 'unsignedInt', '5'),
                                    (ALPHA + 'Level', 'unsignedInt', '700'),
                                    (ALPHA + 'Nope', 'string', 'x'),
                                    (BETA + 'Threshold', 'boolean', 'true'),
                                    (ALPHA + 'Name', 'string', 'fine')], 'k1'),
            # The wrong xsi:type alone.
            A.set_parameter_values([(BETA + 'Threshold', 'boolean', 'true')], 'k2'),
            # Read-only parameters of dmd and of cwmpd.
            A.set_parameter_values([(DI + 'SerialNumber', 'string', 'X'),
                                    (MS + 'ConnectionRequestURL', 'string', 'http://x/')], 'k3'),
            # The same parameter twice.
            A.set_parameter_values([(ALPHA + 'Name', 'string', 'a'),
                                    (ALPHA + 'Name', 'string', 'b')], 'k4'),
            # No ParameterKey element.
            A.raw('SetParameterValues',
                  '<cwmp:SetParameterValues><ParameterList soap-enc:arrayType='
                  '"cwmp:ParameterValueStruct[1]"><ParameterValueStruct><Name>%sName</Name>'
                  '<Value xsi:type="xsd:string">y</Value></ParameterValueStruct>'
                  '</ParameterList></cwmp:SetParameterValues>' % ALPHA, validate=False),
            A.get_parameter_values([ALPHA + 'Name', BETA + 'Threshold']))
        r = s.responses
        self.assertFaultResponse(r[0], 9003, {ALPHA + 'Counter': 9008, ALPHA + 'Level': 9007,
                                              ALPHA + 'Nope': 9005,
                                              BETA + 'Threshold': 9006})
        self.assertFaultResponse(r[1], 9003, {BETA + 'Threshold': 9006})
        self.assertFaultResponse(r[2], 9003, {DI + 'SerialNumber': 9008,
                                              MS + 'ConnectionRequestURL': 9008})
        self.assertFaultResponse(r[3], 9003)
        self.assertFaultResponse(r[4], 9003)
        self.assertEqual(r[5].values(), [(ALPHA + 'Name', 'string', ''),
                                         (BETA + 'Threshold', 'int', '0')])
        self.assertEqual(self.dm.parameter_key, '')

    def test_management_server_values_set_by_the_acs_persist(self):
        A = self.A
        s = self.play(A.set_parameter_values([(MS + 'PeriodicInformInterval', 'unsignedInt',
                                               '7200'),
                                              (MS + 'ConnectionRequestUsername', 'string',
                                               'cr-user')], 'ms-1'))
        self.assertEqual(s.responses[0].int_field('Status'), 0)
        self.sb.restart_cwmpd()
        self.assertEqual(self.dm.values([MS + 'PeriodicInformInterval',
                                         MS + 'ConnectionRequestUsername']),
                         {MS + 'PeriodicInformInterval': '7200',
                          MS + 'ConnectionRequestUsername': 'cr-user'})

    def test_get_parameter_names(self):
        A = self.A
        s = self.play(A.get_parameter_names(ALPHA, True),
                      A.get_parameter_names(ALPHA, 'false'),
                      A.get_parameter_names(ALPHA + 'Level', 'true'),
                      A.get_parameter_names(ALPHA + 'Level', False),
                      A.get_parameter_names(ALPHA + 'Nope.', True),
                      A.get_parameter_names('', True),
                      A.get_parameter_names(MS, True))
        r = s.responses
        self.assertResponse(r[0], 'GetParameterNamesResponse')
        self.assertEqual(r[0].infos(), [tuple(x) for x in self.dm.gpn(ALPHA, True)])
        self.assertIn((ALPHA + 'Item.', True), r[0].infos())
        self.assertIn((ALPHA + 'Counter', False), r[0].infos())
        self.assertEqual(r[1].infos(), [tuple(x) for x in self.dm.gpn(ALPHA, False)])
        self.assertEqual(r[1].infos()[0], (ALPHA, False), 'the path itself comes first')
        self.assertFaultResponse(r[2], 9003)  # NextLevel on a parameter
        self.assertEqual(r[3].infos(), [(ALPHA + 'Level', True)])
        self.assertFaultResponse(r[4], 9005)
        self.assertEqual(r[5].infos(), [('Device.', False)])
        ms = dict(r[6].infos())
        self.assertIs(ms[MS + 'URL'], True)
        self.assertIs(ms[MS + 'ConnectionRequestURL'], False)

    def test_parameter_attributes(self):
        A = self.A
        s = self.play(
            A.set_parameter_attributes([(ALPHA + 'Name', True, 2, True, ['Subscriber']),
                                        (BETA + 'Note', False, 2, True, [])]),
            A.get_parameter_attributes([ALPHA + 'Name', BETA + 'Note']),
            A.set_parameter_attributes([(DI + 'UpTime', True, 2, False, [])]),
            A.set_parameter_attributes([(ALPHA + 'Level', True, 1, False, []),
                                        (ALPHA + 'Nope', True, 1, False, [])]),
            A.get_parameter_attributes([ALPHA + 'Nope']),
            A.get_parameter_attributes([BETA]),
            A.set_parameter_attributes([(ALPHA + 'Level', True, 1, True, ['Nobody'])]).unchecked())
        r = s.responses
        self.assertResponse(r[0], 'SetParameterAttributesResponse')
        self.assertEqual(r[1].attributes(), [(ALPHA + 'Name', 2, ['Subscriber']),
                                             (BETA + 'Note', 0, [])])
        self.assertFaultResponse(r[2], 9009)
        self.assertFaultResponse(r[3], 9005)
        self.assertFaultResponse(r[4], 9005)
        self.assertEqual(r[5].attributes(), [(BETA + 'Mode', 0, []), (BETA + 'Threshold', 0, []),
                                             (BETA + 'Note', 0, [])])
        self.assertFaultResponse(r[6], 9003)
        # dmd holds what the ACS set; the refused requests changed nothing.
        self.assertEqual(self.dm.attributes([ALPHA + 'Name', ALPHA + 'Level', DI + 'UpTime']),
                         {ALPHA + 'Name': (2, ['Subscriber']), ALPHA + 'Level': (0, []),
                          DI + 'UpTime': (0, [])})

    def test_add_and_delete_object(self):
        A = self.A
        items = ALPHA + 'Item.'

        def delete_added(session):
            n = session.response('AddObject').int_field('InstanceNumber')
            return [A.get_parameter_values('%s%d.Name' % (items, n)),
                    A.delete_object('%s%d.' % (items, n), 'del-1'),
                    A.delete_object('%s%d.' % (items, n), 'del-2'),
                    A.get_parameter_values([MS + 'ParameterKey'])]

        s = self.play(A.add_object(items, 'add-1'), delete_added,
                      A.add_object(ALPHA + 'Name.', 'bad-1'),
                      A.add_object(BETA, 'bad-2'),
                      A.add_object(ALPHA + 'Item', 'bad-3').unchecked(),
                      A.delete_object(items, 'bad-4'),
                      A.delete_object(items + '77.', 'bad-5'),
                      A.get_parameter_values([MS + 'ParameterKey']))
        r = s.responses
        self.assertResponse(r[0], 'AddObjectResponse')
        n = r[0].int_field('InstanceNumber')
        self.assertGreaterEqual(n, 1)
        self.assertEqual(r[0].int_field('Status'), 0)
        self.assertEqual(r[1].values(), [('%s%d.Name' % (items, n), 'string', '')])
        self.assertResponse(r[2], 'DeleteObjectResponse')
        self.assertEqual(r[2].int_field('Status'), 0)
        self.assertFaultResponse(r[3], 9005)  # already gone
        self.assertEqual(r[4].value_map(), {MS + 'ParameterKey': 'del-1'})
        for fault in r[5:10]:
            self.assertFaultResponse(fault, 9005)
        self.assertEqual(r[10].value_map(), {MS + 'ParameterKey': 'del-1'})
        self.assertEqual(self.dm.gpn(items, True), [])

    def test_add_object_table_full(self):
        A = self.A
        s = self.play(*[A.add_object(ALPHA + 'Item.', 'a%d' % i) for i in range(9)])
        numbers = [r.int_field('InstanceNumber') for r in s.responses[:8]]
        self.assertEqual(len(set(numbers)), 8, numbers)
        self.assertFaultResponse(s.responses[8], 9004)
        self.assertEqual(self.dm.parameter_key, 'a7')

    def test_reboot(self):
        A = self.A
        before_end = A.Pause('before the 204')
        self.play(A.reboot('rb-1'), before_end, bootstrap=False)
        before_end.wait_reached(cwmptest.scaled(20))
        s = self.acs.sessions[0]
        self.assertResponse(s.responses[0], 'RebootResponse')
        self.assertEqual(self.sb.file_lines('rebooted'), [], 'no reboot within the session')
        before_end.release()
        self.assertTrue(cwmptest.wait_until(lambda: self.sb.file_lines('rebooted'),
                                            cwmptest.scaled(10)), 'the reboot command ran')
        self.assertSessionOk(self.acs.wait_session(0))
        # The box comes back: BOOT with the Reboot's CommandKey, once. "M Reboot" goes
        # with "1 BOOT" (TR-069 3.7.1.5): never before the box has rebooted.
        self.sb.reboot()
        self.assertTrue(self.acs.wait_for(lambda: [x for x in self.acs.sessions[1:]
                                                   if '1 BOOT' in x.event_codes and x.ok],
                                          cwmptest.scaled(20)))
        self.acs.wait_idle(cwmptest.scaled(20))
        with_key = [x for x in self.acs.sessions if 'M Reboot' in x.event_codes]
        self.assertEqual(len(with_key), 1, 'M Reboot delivered once: %r' % self.acs.sessions)
        self.assertEvents(with_key[0], [('1 BOOT', ''), ('M Reboot', 'rb-1')])
        self.assertEqual(self.sb.file_lines('rebooted'), ['reboot'], 'the command ran once')
        s = self.run_session()
        self.assertNotIn('M Reboot', s.event_codes)

    def test_factory_reset(self):
        A = self.A
        self.play(A.set_parameter_values([(MS + 'PeriodicInformInterval', 'unsignedInt',
                                           '7200')], 'fr-0'),
                  A.factory_reset())
        s = self.acs.sessions[0]
        self.assertResponse(s.responses[1], 'FactoryResetResponse')
        self.assertTrue(cwmptest.wait_until(lambda: self.sb.file_lines('factory-reset'),
                                            cwmptest.scaled(10)), 'the reset command ran')
        # Whether or not cwmpd comes back before the box reboots, the next contact is a
        # BOOTSTRAP and what the ACS had set is gone.
        self.sb.reboot()
        bootstrap = self.acs.wait_for(lambda: [x for x in self.acs.sessions[1:]
                                               if x.ok and '0 BOOTSTRAP' in x.event_codes],
                                      cwmptest.scaled(20))
        self.assertTrue(bootstrap, 'a BOOTSTRAP session after the reset: %r' %
                        self.acs.sessions)
        self.assertEqual(self.dm.value(MS + 'PeriodicInformInterval'), '86400',
                         'the ACS\'s PeriodicInformInterval survived the factory reset')
        self.assertEqual(self.sb.file_lines('factory-reset'), ['reset'])

    def test_schedule_inform(self):
        A = self.A
        s = self.play(A.schedule_inform(1, 'si-1'), A.schedule_inform(0, 'si-0'))
        self.assertResponse(s.responses[0], 'ScheduleInformResponse')
        self.assertFaultResponse(s.responses[1], 9003)  # DelaySeconds must be > 0
        asked = s.exchanges[0].rpc.sent_at
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertEvents(s, [('3 SCHEDULED', ''), ('M ScheduleInform', 'si-1')])
        self.assertGreaterEqual(s.started - asked, 0.95,
                                'the Inform came %.2f s after ScheduleInform(DelaySeconds 1)'
                                % (s.started - asked))
        self.assertNoNewSession(2, 1.5)

    def test_schedule_inform_survives_restart(self):
        A = self.A
        self.play(A.schedule_inform(3, 'si-restart'))
        # Killed once the session is over for cwmpd too (BOOTSTRAP has its own test).
        self.assertTrue(cwmptest.wait_until(lambda: self.agent.prop('SessionState') == 'idle',
                                            cwmptest.scaled(5)))
        self.sb.restart_cwmpd(kill=True)
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertEvents(s, [('3 SCHEDULED', ''), ('M ScheduleInform', 'si-restart')])

    def test_unknown_method_and_malformed_requests(self):
        A = self.A
        s = self.play(
            A.raw('X_Frobnicate', '<cwmp:X_Frobnicate><Level>3</Level></cwmp:X_Frobnicate>',
                  validate=False),
            A.raw_envelope('<?xml version="1.0"?><soap-env:Envelope xmlns:soap-env='
                           '"http://schemas.xmlsoap.org/soap/envelope/"><soap-env:Body>'
                           '<cwmp:GetParameterValues xmlns:cwmp="urn:dslforum-org:cwmp-1-2">'
                           '<ParameterNames>'),
            A.raw('GetParameterNames', '<cwmp:GetParameterNames><ParameterPath>%s'
                  '</ParameterPath><NextLevel>maybe</NextLevel></cwmp:GetParameterNames>'
                  % ALPHA, validate=False),
            A.raw('GetParameterValues', '<cwmp:GetParameterValues/>', validate=False),
            A.raw('AddObject', '<cwmp:AddObject><ParameterKey>k</ParameterKey>'
                  '</cwmp:AddObject>', validate=False),
            A.raw_envelope('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM '
                           '"file:///etc/passwd">]><soap-env:Envelope xmlns:soap-env='
                           '"http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp='
                           '"urn:dslforum-org:cwmp-1-2"><soap-env:Header><cwmp:ID '
                           'soap-env:mustUnderstand="1">dtd</cwmp:ID></soap-env:Header>'
                           '<soap-env:Body><cwmp:GetParameterValues><ParameterNames>'
                           '<string>&e;</string></ParameterNames></cwmp:GetParameterValues>'
                           '</soap-env:Body></soap-env:Envelope>'),
            A.get_parameter_values(ALPHA + 'Level'))
        r = s.responses
        self.assertFaultResponse(r[0], 9000)
        self.assertEqual(r[0].id, s.exchanges[0].rpc.sent_id)
        for i in range(1, 6):
            self.assertFaultResponse(r[i], 9003)
            self.assertNotIn('root:', r[i].xml)
        # The session goes on after bad requests.
        self.assertEqual(r[6].values(), [(ALPHA + 'Level', 'unsignedInt', '50')])
        self.assertTrue(self.cwmpd.alive)


if __name__ == '__main__':
    cwmptest.main()
