#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""cwmpd's sessions: HoldRequests, version negotiation, the retry schedule of TR-069
3.2.1.1, events that survive SIGKILL of cwmpd or dmd, BOOTSTRAP on a new ACS URL, and
periodic Informs with their phase."""

import time

import cwmptest
from cwmptest import ALPHA, MS

DI = 'Device.DeviceInfo.'
DIAG = '8 DIAGNOSTICS COMPLETE'
FORCED = ['Device.RootDataModelVersion', DI + 'HardwareVersion', DI + 'SoftwareVersion',
          DI + 'ProvisioningCode', MS + 'ParameterKey', MS + 'ConnectionRequestURL']


def iso(t):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


class SessionTest(cwmptest.CwmpAgentTestCase):

    # -- HoldRequests and versions -------------------------------------------------------

    def test_http_compression(self):
        """Device.ManagementServer.HTTPCompression: the messages to the ACS go gzip- or
        zlib-compressed with their Content-Encoding (the test ACS decodes them), or as they
        are when Disabled."""
        self.start_cwmp()
        A = self.A
        for setting, encoding in (('GZIP', 'gzip'), ('Deflate', 'deflate'), ('Disabled', None)):
            with self.subTest(setting=setting):
                self.assertEqual(self.dm.spv({MS + 'HTTPCompression': setting}), 0)
                s = self.run_session(A.Script([A.get_parameter_values([MS + 'URL'])]))
                self.assertSessionOk(s)
                self.assertEqual(s.inform.http_headers.get('content-encoding'), encoding)
                self.assertEqual(s.responses[0].value_map()[MS + 'URL'], self.acs.url)

    def test_hold_requests(self):
        """HoldRequests (mustUnderstand="1") on every ACS message: cwmpd understands it,
        answers normally and sends none of its own requests meanwhile (the ACS checks)."""
        A = self.A
        self.start_cwmp(first_script=A.Script([
            A.get_parameter_values(ALPHA + 'Level'),
            A.set_parameter_values([(ALPHA + 'Level', 'unsignedInt', '12')], 'hold-1'),
            A.get_parameter_names(ALPHA, True)], hold_requests=True))
        s = self.acs.sessions[0]
        self.assertResponse(s.responses[0], 'GetParameterValuesResponse')
        self.assertResponse(s.responses[1], 'SetParameterValuesResponse')
        self.assertResponse(s.responses[2], 'GetParameterNamesResponse')
        self.assertEqual(s.cpe_requests, [])
        self.assertEqual(self.dm.value(ALPHA + 'Level'), '12')

    def test_acs_version_1_0(self):
        A = self.A
        self.start_cwmp(acs_options={'version': '1.0'},
                        first_script=A.Script([A.get_parameter_values(ALPHA + 'Level'),
                                               A.get_parameter_values(ALPHA + 'Nope')]))
        s = self.acs.sessions[0]
        self.assertEqual(s.version, '1.0')
        self.assertIsNone(s.use_version)
        # The Inform offers 1.4; what follows is in the 1.0 namespace (the ACS checks each
        # message against cwmp-1-0.xsd and the session's namespace).
        self.assertEqual(s.inform.ns, A.CWMP_1_2)
        for r in s.responses:
            self.assertEqual(r.ns, A.CWMP_1_0, r.xml)
        self.assertEqual(s.responses[0].values(), [(ALPHA + 'Level', 'unsignedInt', '50')])
        self.assertFaultResponse(s.responses[1], 9005)
        self.assertEqual(self.agent.prop('CWMPVersion'), '1.0')

    def test_every_inform_offers_every_version(self):
        """The CPE sends each Inform in the namespace of its highest version with the
        versions it supports (TR-069 3.7.4 as summarised in TR069-NOTES 1.6): an ACS once
        at 1.0 may have been upgraded since."""
        A = self.A
        self.start_cwmp(acs_options={'version': '1.0'})
        self.assertEqual(self.acs.sessions[0].version, '1.0')
        s = self.run_session()
        self.assertEqual(s.inform.ns, A.CWMP_1_2)
        self.assertEqual(s.inform.header.get('SupportedCWMPVersions'), '1.0,1.1,1.2,1.3,1.4')

    def test_acs_version_1_4(self):
        A = self.A
        self.start_cwmp(first_script=A.Script([A.get_parameter_values(ALPHA + 'Level')]))
        s = self.acs.sessions[0]
        self.assertEqual((s.version, s.use_version), ('1.4', '1.4'))
        self.assertEqual(s.responses[0].ns, A.CWMP_1_2)
        self.assertEqual(self.agent.prop('CWMPVersion'), '1.4')

    def test_acs_version_1_2_with_a_1_4_cpe(self):
        A = self.A
        self.start_cwmp(acs_options={'version': '1.2'},
                        first_script=A.Script([A.get_parameter_values(ALPHA + 'Level')]))
        s = self.acs.sessions[0]
        self.assertEqual((s.version, s.use_version), ('1.2', None))
        # cwmp-1-2 without UseCWMPVersion: an ACS of 1.2 or 1.3, not 1.4.
        self.assertIn(self.agent.prop('CWMPVersion'), ('1.2', '1.3'))

    def test_cpe_limited_to_1_2(self):
        """[Session] Version=1.2: no 1.3/1.4 header in the Inform."""
        self.start_cwmp(sections={'Session': {'Version': '1.2'}})
        inform = self.acs.sessions[0].inform
        self.assertEqual(inform.ns, self.A.CWMP_1_2)
        self.assertNotIn('SupportedCWMPVersions', inform.header)
        self.assertNotIn('SessionTimeout', inform.header)
        self.assertEqual(self.acs.sessions[0].version, '1.2')

    # -- retries --------------------------------------------------------------------------

    def check_retries(self, sessions, m, k, slack=0.6, same_events=True):
        """Retry n waits within [m*(k/1000)^(n-1), m*(k/1000)^n] after failure n, with
        RetryCount n in its Inform."""
        for n in range(1, len(sessions)):
            prev, cur = sessions[n - 1], sessions[n]
            lo, hi = m * (k / 1000.0) ** (n - 1), m * (k / 1000.0) ** n
            gap = cur.started - prev.ended_at
            self.assertEqual(cur.inform.retry_count, n, 'RetryCount of attempt %d' % n)
            self.assertGreaterEqual(gap, lo - 0.1, 'retry %d after %.2f s, before [%.2f, %.2f]'
                                    % (n, gap, lo, hi))
            self.assertLessEqual(gap, hi + cwmptest.scaled(slack),
                                 'retry %d after %.2f s, after [%.2f, %.2f]' % (n, gap, lo, hi))
            if same_events:  # undelivered events come again
                self.assertEqual(sorted(cur.event_codes), sorted(sessions[0].event_codes))

    def test_retry_after_fault_8005(self):
        """Two Informs answered with fault 8005 (in HTTP 500 as SOAP 1.1 has it, then in a
        200): retries by the default multiplier (2000), RetryCount 1 then 2, then 0."""
        A = self.A
        self.start_cwmp(bootstrap=False,
                        sections={'Inform': {'RetryMinimumWait': 1}},
                        scripts=[A.Script(inform_fault=8005),
                                 A.Script(inform_fault=8005, inform_fault_status=200)])
        self.assertEqual(self.dm.values([MS + 'CWMPRetryMinimumWaitInterval',
                                         MS + 'CWMPRetryIntervalMultiplier']),
                         {MS + 'CWMPRetryMinimumWaitInterval': '1',
                          MS + 'CWMPRetryIntervalMultiplier': '2000'})
        s0 = self.acs.wait_session(0, cwmptest.scaled(20))
        self.assertEqual(s0.inform.retry_count, 0)
        self.assertIn('8005', s0.outcome)
        self.assertTrue(cwmptest.wait_until(lambda: self.agent.prop('SessionState') == 'waiting',
                                            cwmptest.scaled(0.8)),
                        'SessionState while waiting: %r' % self.agent.prop('SessionState'))
        self.assertEqual(self.agent.prop('RetryCount'), 1)
        self.assertNotIn(self.agent.prop('LastSessionResult'), ('', 'ok'))
        sessions = [self.acs.wait_session(i, cwmptest.scaled(20)) for i in range(3)]
        self.assertEqual([x.ok for x in sessions], [False, False, True])
        self.check_retries(sessions, 1, 2000)
        self.assertEqual(self.agent.prop('RetryCount'), 0)
        # Success resets the count.
        s = self.run_session()
        self.assertEqual(s.inform.retry_count, 0)
        self.assertNotIn('0 BOOTSTRAP', s.event_codes)

    def test_retry_after_http_500(self):
        A = self.A
        self.start_cwmp(bootstrap=False,
                        sections={'Inform': {'RetryMinimumWait': 1,
                                             'RetryIntervalMultiplier': 1000}},
                        scripts=[A.Script(inform_status=500), A.Script(inform_status=500)])
        self.assertEqual(self.dm.value(MS + 'CWMPRetryIntervalMultiplier'), '1000')
        sessions = [self.acs.wait_session(i, cwmptest.scaled(20)) for i in range(3)]
        self.assertEqual([x.ok for x in sessions], [False, False, True])
        self.check_retries(sessions, 1, 1000)

    def test_retry_after_connection_closed(self):
        """The ACS closes the connection mid-session: a failed session, retried."""
        A = self.A
        self.start_cwmp(bootstrap=False,
                        sections={'Inform': {'RetryMinimumWait': 1,
                                             'RetryIntervalMultiplier': 1000}},
                        scripts=[A.Script([A.get_parameter_values(ALPHA + 'Level'),
                                           A.Close()])])
        self.assertEqual(self.dm.value(MS + 'CWMPRetryIntervalMultiplier'), '1000')
        sessions = [self.acs.wait_session(i, cwmptest.scaled(20)) for i in range(2)]
        self.assertEqual([x.ok for x in sessions], [False, True])
        self.check_retries(sessions, 1, 1000, same_events=False)
        # The InformResponse had delivered the events.
        self.assertNotIn('0 BOOTSTRAP', sessions[1].event_codes)

    def test_session_timeout(self):
        """An ACS slower than [Session] Timeout fails the session, which is retried; an
        answer within the timeout is fine, however slow."""
        A = self.A
        self.start_cwmp(bootstrap=False,
                        sections={'Session': {'Timeout': 2},
                                  'Inform': {'RetryMinimumWait': 1}},
                        scripts=[A.Script(inform_delay=4),
                                 A.Script([A.get_parameter_values(ALPHA + 'Level')],
                                          delay=0.5)])
        s0 = self.acs.wait_session(0, cwmptest.scaled(20))
        self.assertEqual(s0.inform.header.get('SessionTimeout'), '2')
        s1 = self.acs.wait_session(1, cwmptest.scaled(20))
        self.assertEqual(s1.inform.retry_count, 1)
        self.assertLess(s1.started - s0.started, 2 + 2 + cwmptest.scaled(1),
                        'gave up after about Timeout, then waited about m to retry')
        self.assertSessionOk(s1)
        self.assertEqual(s1.responses[0].values(), [(ALPHA + 'Level', 'unsignedInt', '50')])

    # -- events across SIGKILL -------------------------------------------------------------

    def test_event_survives_sigkill_of_cwmpd_before_delivery(self):
        A = self.A
        self.start_cwmp()
        pause = A.Pause('before InformResponse')
        self.acs.queue(A.Script(inform_pause=pause))
        self.agent.queue_event(DIAG, '', 'test/diag/1')
        s1 = pause.wait_reached(cwmptest.scaled(10))
        self.assertIn(DIAG, s1.event_codes)
        self.sb.cwmpd.kill()
        pause.release()
        self.sb.restart_cwmpd()
        s2 = self.acs.wait_session(2, cwmptest.scaled(20))
        self.assertSessionOk(s2)
        self.assertIn((DIAG, ''), s2.events)
        s3 = self.run_session()
        self.assertNotIn(DIAG, s3.event_codes, 'delivered once')
        self.assertFalse(s1.ok)

    def test_event_not_repeated_after_sigkill_once_delivered(self):
        A = self.A
        self.start_cwmp()
        pause = A.Pause('before the 204')
        self.acs.queue(A.Script([pause]))
        self.agent.queue_event(DIAG, '', 'test/diag/2')
        s1 = pause.wait_reached(cwmptest.scaled(10))
        self.assertIn(DIAG, s1.event_codes)
        self.sb.cwmpd.kill()
        pause.release()
        self.sb.restart_cwmpd()
        s = self.run_session()
        self.assertNotIn(DIAG, s.event_codes, 'the InformResponse delivered it')
        self.assertEqual(self.agent.prop('PendingEvents'), [])

    def test_bootstrap_not_repeated_after_sigkill_once_delivered(self):
        """The InformResponse delivered "0 BOOTSTRAP": killed before the end of that
        session, cwmpd must not bootstrap again (an ACS wipes what it knows of a CPE on
        BOOTSTRAP)."""
        A = self.A
        pause = A.Pause('before the 204')
        self.start_cwmp(bootstrap=False, first_script=A.Script([pause]))
        s0 = pause.wait_reached(cwmptest.scaled(10))
        self.assertIn('0 BOOTSTRAP', s0.event_codes)
        self.sb.cwmpd.kill()
        pause.release()
        self.sb.restart_cwmpd()
        s = self.run_session()
        self.assertNotIn('0 BOOTSTRAP', s.event_codes)
        self.assertEqual([x.index for x in self.acs.sessions
                          if '0 BOOTSTRAP' in x.event_codes], [0])

    def test_event_survives_dmd_being_down(self):
        """dmd is killed; an event is queued; cwmpd cannot build a complete Inform until dmd
        is back. Then the event reaches the ACS exactly once, in Informs that each carry
        every forced parameter."""
        self.start_cwmp()
        self.sb.dmd.kill()
        self.agent.queue_event(DIAG, '', 'test/diag/3')
        time.sleep(cwmptest.scaled(1.5))
        self.sb.dmd.start()
        self.sb.wait_provider_online(MS, self.sb.cwmpd.pid)
        self.assertTrue(self.acs.wait_for(lambda: [s for s in self.acs.sessions[1:]
                                                   if s.ok and DIAG in s.event_codes],
                                          cwmptest.scaled(20)),
                        'the event arrives once dmd is back: %r' % self.acs.sessions)
        self.acs.wait_idle(cwmptest.scaled(20))
        s = self.run_session()
        self.assertNotIn(DIAG, s.event_codes)
        answered = [x for x in self.acs.sessions if DIAG in x.event_codes and x.ok]
        self.assertEqual(len(answered), 1, 'delivered exactly once: %r' % self.acs.sessions)
        for x in self.acs.sessions:
            missing = [n for n in FORCED if n not in x.params]
            self.assertEqual(missing, [], 'session %d lacks forced parameters' % x.index)

    def test_dmd_killed_mid_session(self):
        A = self.A
        self.start_cwmp()
        pause = A.Pause('before InformResponse')
        self.acs.queue(A.Script([A.get_parameter_values(ALPHA + 'Level')], inform_pause=pause))
        self.agent.queue_event(DIAG, '', 'test/diag/4')
        pause.wait_reached(cwmptest.scaled(10))
        self.sb.dmd.kill()
        pause.release()
        s1 = self.acs.wait_session(1, cwmptest.scaled(20))
        self.assertSessionOk(s1)
        self.assertFaultResponse(s1.responses[0], 9002)
        self.sb.dmd.start()
        self.sb.wait_provider_online(MS, self.sb.cwmpd.pid)
        self.sb.wait_provider_online(ALPHA, self.alpha.pid)
        s = self.run_session([A.get_parameter_values(ALPHA + 'Level')])
        self.assertNotIn(DIAG, s.event_codes, 'delivered by the InformResponse before')
        self.assertEqual(s.responses[0].values(), [(ALPHA + 'Level', 'unsignedInt', '50')])

    # -- a new ACS URL ---------------------------------------------------------------------

    def test_bootstrap_on_new_url(self):
        A = self.A
        self.start_cwmp()
        acs2 = self.sb.start_acs('acs2')
        s = self.run_session([A.set_parameter_values([(MS + 'URL', 'string', acs2.url)],
                                                     'url-1')])
        self.assertEqual(s.responses[0].int_field('Status'), 0)
        s2 = acs2.wait_session(0, cwmptest.scaled(20))
        self.assertSessionOk(s2)
        self.assertEvents(s2, [('0 BOOTSTRAP', '')])
        self.assertEqual(s2.params[MS + 'ParameterKey'], 'url-1')
        self.assertEqual(self.agent.prop('URL'), acs2.url)
        # The new URL persists, and BOOTSTRAP was for the first contact only.
        self.sb.restart_cwmpd()
        self.assertEqual(self.dm.value(MS + 'URL'), acs2.url)
        s3 = self.run_session(acs=acs2)
        self.assertNotIn('0 BOOTSTRAP', s3.event_codes)
        self.assertEqual(self.acs.session_count(), 2, 'the old ACS hears no more')
        # Setting the same URL again is no change: no BOOTSTRAP.
        s4 = self.run_session([A.set_parameter_values([(MS + 'URL', 'string', acs2.url)],
                                                      'url-2')], acs=acs2)
        self.assertSessionOk(s4)
        self.assertNoNewSession(3, 1.5, acs=acs2)

    # -- periodic Informs --------------------------------------------------------------------

    def test_periodic_interval_from_config(self):
        self.start_cwmp(sections={'Inform': {'PeriodicInterval': 2}})
        self.assertEqual(self.dm.value(MS + 'PeriodicInformInterval'), '2')
        start = time.monotonic()
        first = self.acs.wait_session(1, cwmptest.scaled(5))
        second = self.acs.wait_session(2, cwmptest.scaled(5))
        for s in (first, second):
            self.assertEvents(s, [('2 PERIODIC', '')])
            self.assertSessionOk(s)
        gap = second.started - first.started
        self.assertGreater(gap, 1.5)
        self.assertLess(gap, 2 + cwmptest.scaled(0.6))
        self.assertLess(first.started - start, 2 + cwmptest.scaled(0.6))

    def test_periodic_inform_phase(self):
        """PeriodicInformTime sets the phase: Informs at T + k * Interval, T in the past."""
        A = self.A
        interval = 3
        reference = int(time.time()) + 2 - interval * 100000  # phase: 2 s from now
        self.start_cwmp(first_script=A.Script([A.set_parameter_values([
            (MS + 'PeriodicInformEnable', 'boolean', 'true'),
            (MS + 'PeriodicInformInterval', 'unsignedInt', str(interval)),
            (MS + 'PeriodicInformTime', 'dateTime', iso(reference))], 'periodic-1')]))
        self.assertEqual(self.acs.sessions[0].responses[0].int_field('Status'), 0)
        periodic = []
        for i in (1, 2):
            s = self.acs.wait_session(i, cwmptest.scaled(interval + 2))
            self.assertEvents(s, [('2 PERIODIC', '')])
            periodic.append(s)
            phase = (s.started_wall - reference) % interval
            self.assertTrue(phase < cwmptest.scaled(0.6) or phase > interval - 0.1,
                            'Inform %.2f s after the phase' % phase)
        gap = periodic[1].started - periodic[0].started
        self.assertAlmostEqual(gap, interval, delta=cwmptest.scaled(0.6))
        # Disabled: no more periodic Informs.
        s = self.run_session([A.set_parameter_values([(MS + 'PeriodicInformEnable', 'boolean',
                                                        'false')], 'periodic-2')])
        self.assertEqual(s.responses[0].int_field('Status'), 0)
        n = self.acs.session_count()
        self.assertNoNewSession(n, interval + 1)


if __name__ == '__main__':
    cwmptest.main()
