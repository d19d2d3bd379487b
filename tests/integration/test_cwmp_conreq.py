#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Connection requests (TR-069 3.2.2, Annex G / TR-111): HTTP with Digest and UDP with an
HMAC signature, as the ACS sends them; what is refused opens no session."""

import socket
import struct
import threading
import time

import cwmptest
from cwmptest import MS

CR = '6 CONNECTION REQUEST'
USER, PASSWORD = 'cr-user', 'cr-Pa55'
# Generous by default: only the throttling test wants to hit the limit.
SECTIONS = {'ConnectionRequest': {'ThrottleInterval': 1, 'ThrottleBurst': 20}}


class ConnectionRequestTest(cwmptest.CwmpAgentTestCase):

    def start(self, sections=None, extra_rpcs=()):
        """The stack; the BOOTSTRAP session sets the connection request credentials, as an
        ACS does, and reads the UDP address. Sets self.url and self.udp."""
        A = self.A
        conf = dict(SECTIONS)
        conf.update(sections or {})
        self.start_cwmp(sections=conf, first_script=A.Script([
            A.set_parameter_values([(MS + 'ConnectionRequestUsername', 'string', USER),
                                    (MS + 'ConnectionRequestPassword', 'string', PASSWORD)],
                                   'cr-creds'),
            A.get_parameter_values([MS + 'UDPConnectionRequestAddress'])] + list(extra_rpcs)))
        s = self.acs.sessions[0]
        self.assertEqual(s.responses[0].int_field('Status'), 0)
        self.url = s.params[MS + 'ConnectionRequestURL']
        self.udp = s.responses[1].value_map()[MS + 'UDPConnectionRequestAddress']
        self.assertRegex(self.url, r'^http://127\.0\.0\.1:\d+/cr$')
        self.assertRegex(self.udp, r'^127\.0\.0\.1:\d+$')

    def request(self, user=USER, password=PASSWORD, **kw):
        return self.A.connection_request(self.url, user, password, **kw)

    def test_http_good_digest(self):
        self.start()
        r = self.request()
        self.assertIn(r.status, (200, 204))
        self.assertIsNotNone(r.authorization, 'a Digest challenge came first')
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertSessionOk(s)
        self.assertEvents(s, [(CR, '')])

    def test_http_refused(self):
        self.start()
        # No credentials: a Digest challenge with qop="auth".
        r = self.A.connection_request(self.url)
        self.assertEqual(r.status, 401)
        challenge = r.headers.get('WWW-Authenticate', '')
        self.assertTrue(challenge.startswith('Digest '), challenge)
        self.assertIn('qop="auth"', challenge)
        # Wrong password, wrong user.
        self.assertEqual(self.request(password='wrong').status, 401)
        self.assertEqual(self.request(user='someone').status, 401)
        # Another path, another method.
        self.assertEqual(self.A.connection_request(self.url + 'x', USER, PASSWORD).status, 404)
        self.assertEqual(self.request(method='POST').status, 405)
        self.assertNoNewSession(1, 1.5, why='(no request was genuine)')

    def test_http_connection_request_enable(self):
        """HTTPConnectionRequestEnable false closes the listener (ConnectionRequestURL reads
        empty, and the ACS hears it changed); true opens it again."""
        self.start()
        self.assertEqual(self.dm.spv({MS + 'HTTPConnectionRequestEnable': 'false'}), 0)
        self.assertTrue(cwmptest.wait_until(
            lambda: self.dm.value(MS + 'ConnectionRequestURL') == '', cwmptest.scaled(5)))
        port = int(self.url.rsplit(':', 1)[1].split('/')[0])
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(('127.0.0.1', port), timeout=5).close()
        # ConnectionRequestURL is active by default: its change opens a session
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertSessionOk(s)
        self.assertIn(('4 VALUE CHANGE', ''), [tuple(e) for e in s.events])
        self.assertEqual(s.params[MS + 'ConnectionRequestURL'], '')

        self.assertEqual(self.dm.spv({MS + 'HTTPConnectionRequestEnable': 'true'}), 0)
        self.assertTrue(cwmptest.wait_until(
            lambda: self.dm.value(MS + 'ConnectionRequestURL') != '', cwmptest.scaled(5)))
        self.url = self.dm.value(MS + 'ConnectionRequestURL')
        self.assertRegex(self.url, r'^http://127\.0\.0\.1:\d+/cr$')
        self.acs.wait_idle(cwmptest.scaled(10))
        n = self.acs.session_count()
        self.assertIn(self.request().status, (200, 204))
        s = self.acs.wait_session(n, cwmptest.scaled(10))
        self.assertIn((CR, ''), [tuple(e) for e in s.events])

    def test_stun_settings_apply_at_once(self):
        """Setting STUNEnable and the server starts the STUN client at once: the mapping
        the server tells becomes UDPConnectionRequestAddress (NATDetected true), also after
        a restart; disabling it brings the listener's own address back."""
        self.start()
        public = ('203.0.113.7', 40000)
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        server.bind(('127.0.0.1', 0))
        server.settimeout(0.2)
        stop = threading.Event()
        asked = []

        def serve():
            # Binding Responses with MAPPED-ADDRESS, to each Binding Request
            while not stop.is_set():
                try:
                    data, peer = server.recvfrom(2048)
                except socket.timeout:
                    continue
                if len(data) < 20 or data[:2] != b'\x00\x01':
                    continue
                asked.append(peer)
                attr = struct.pack('!HHBBH4s', 0x0001, 8, 0, 1, public[1],
                                   socket.inet_aton(public[0]))
                server.sendto(struct.pack('!HH', 0x0101, len(attr)) + data[4:20] + attr, peer)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            self.assertEqual(self.dm.spv({MS + 'STUNServerAddress': '127.0.0.1',
                                          MS + 'STUNServerPort': str(server.getsockname()[1]),
                                          MS + 'STUNEnable': 'true'}), 0)
            self.assertTrue(cwmptest.wait_until(
                lambda: self.dm.value(MS + 'UDPConnectionRequestAddress') == '%s:%d' % public,
                cwmptest.scaled(10)), self.dm.value(MS + 'UDPConnectionRequestAddress'))
            self.assertEqual(self.dm.value(MS + 'NATDetected'), 'true')
            self.assertTrue(asked)
            # stored, the settings hold after a restart of cwmpd
            self.sb.restart_cwmpd()
            self.assertTrue(cwmptest.wait_until(
                lambda: self.dm.value(MS + 'UDPConnectionRequestAddress') == '%s:%d' % public,
                cwmptest.scaled(10)), self.dm.value(MS + 'UDPConnectionRequestAddress'))
            self.assertEqual(self.dm.spv({MS + 'STUNEnable': 'false'}), 0)
            self.assertTrue(cwmptest.wait_until(
                lambda: self.dm.value(MS + 'UDPConnectionRequestAddress').startswith(
                    '127.0.0.1:'), cwmptest.scaled(10)))
            self.assertEqual(self.dm.value(MS + 'NATDetected'), 'false')
            # the listener at that address takes signed requests again
            self.udp = self.dm.value(MS + 'UDPConnectionRequestAddress')
            n = self.acs.session_count()
            self.A.udp_connection_request(self.udp, USER, PASSWORD)
            s = self.acs.wait_session(n, cwmptest.scaled(10))
            self.assertIn((CR, ''), [tuple(e) for e in s.events])
        finally:
            stop.set()
            thread.join()
            server.close()

    def test_http_replayed_nonce_count(self):
        self.start()
        r = self.request()
        self.assertIn(r.status, (200, 204))
        self.acs.wait_session(1, cwmptest.scaled(10))
        self.acs.wait_idle(cwmptest.scaled(10))
        again = self.A.connection_request(self.url, authorization=r.authorization)
        self.assertEqual(again.status, 401, 'the same nonce and nc a second time')
        self.assertNoNewSession(2, 1.5)

    def test_new_credentials_apply_at_once(self):
        """The ACS changes the password (GenieACS does it daily) and uses it right away."""
        A = self.A
        self.start()
        s = self.run_session([A.set_parameter_values(
            [(MS + 'ConnectionRequestPassword', 'string', 'new-secret')], 'cr-2')])
        self.assertEqual(s.responses[0].int_field('Status'), 0)
        self.assertEqual(self.request().status, 401)
        self.assertIn(self.request(password='new-secret').status, (200, 204))
        s = self.acs.wait_session(2, cwmptest.scaled(10))
        self.assertEvents(s, [(CR, '')])

    def test_throttled(self):
        self.start(sections={'ConnectionRequest': {'ThrottleInterval': 60, 'ThrottleBurst': 2}})
        statuses = [self.request().status for _ in range(3)]
        self.assertIn(statuses[0], (200, 204))
        self.assertIn(statuses[1], (200, 204))
        self.assertEqual(statuses[2], 503, 'third request within the interval: %r' % statuses)
        self.assertTrue(self.acs.wait_for(lambda: [s for s in self.acs.sessions[1:]
                                                   if CR in s.event_codes],
                                          cwmptest.scaled(10)))

    def test_throttled_answer_has_no_retry_after(self):
        """TR-069 3.2.2: a CPE refusing for rate limiting answers 503 and SHOULD NOT send
        Retry-After."""
        self.start(sections={'ConnectionRequest': {'ThrottleInterval': 60, 'ThrottleBurst': 1}})
        self.assertIn(self.request().status, (200, 204))
        r = self.request()
        self.assertEqual(r.status, 503)
        self.assertNotIn('Retry-After', r.headers)

    def test_request_during_a_session(self):
        """Requests while a session is open do not disturb it; exactly one session with
        "6 CONNECTION REQUEST" follows it."""
        A = self.A
        self.start()
        pause = A.Pause('mid-session')
        self.acs.queue(A.Script([A.get_parameter_values(MS + 'PeriodicInformInterval'),
                                 pause]))
        self.agent.inform()
        pause.wait_reached(cwmptest.scaled(10))
        statuses = [self.request().status for _ in range(2)]
        self.assertEqual(self.acs.session_count(), 2)
        pause.release()
        current = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertSessionOk(current)
        self.assertNotIn(CR, current.event_codes)
        for st in statuses:
            self.assertIn(st, (200, 204), 'served after the session: %r' % statuses)
        s = self.acs.wait_session(2, cwmptest.scaled(10))
        self.assertEvents(s, [(CR, '')])
        self.assertNoNewSession(3, 1.5, why='(one session for both requests)')

    def test_udp_good_signature(self):
        self.start()
        self.A.udp_connection_request(self.udp, USER, PASSWORD)
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertSessionOk(s)
        self.assertEvents(s, [(CR, '')])

    def test_udp_refused(self):
        self.start()
        A = self.A
        now = int(time.time())
        A.udp_connection_request(self.udp, USER, 'wrong-password')
        A.udp_connection_request(self.udp, 'someone', PASSWORD)
        A.udp_connection_request(self.udp, USER, PASSWORD, signature='0' * 40)
        A.udp_connection_request(self.udp, USER, PASSWORD, ts=now - 3600)
        self.assertNoNewSession(1, 1.5, why='(forged UDP connection requests)')
        # A genuine one works, three copies of it make one session, a replay of it none.
        datagram = A.udp_connection_request(self.udp, USER, PASSWORD, copies=3,
                                            msg_id=424242, ts=now)
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertEvents(s, [(CR, '')])
        self.acs.wait_idle(cwmptest.scaled(10))
        self.assertNoNewSession(2, 1)
        host, _, port = self.udp.rpartition(':')
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(datagram, (host, int(port)))
        self.assertNoNewSession(2, 1.5, why='(a replayed datagram)')


if __name__ == '__main__':
    cwmptest.main()
