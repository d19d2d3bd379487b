#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The test ACS on its own: a scripted CPE made of urllib requests talks to it, so the
ACS that judges cwmpd is itself known to follow TR-069 and to catch what it must."""

import http.client
import http.cookiejar
import os
import shutil
import ssl
import tempfile
import threading
import unittest
import urllib.error
import urllib.request

import cwmptest

acs = cwmptest.acs_module()

CWMP12 = acs.CWMP_1_2
CWMP10 = acs.CWMP_1_0


def inform(msg_id='1', ns=CWMP12, versions='1.0,1.1,1.2,1.3,1.4', events=(('1 BOOT', ''),),
           retry='0', extra_header=''):
    hdr = '<cwmp:ID soap-env:mustUnderstand="1">%s</cwmp:ID>' % msg_id
    if versions:
        hdr += ('<cwmp:SessionTimeout soap-env:mustUnderstand="0">30</cwmp:SessionTimeout>'
                '<cwmp:SupportedCWMPVersions soap-env:mustUnderstand="0">%s'
                '</cwmp:SupportedCWMPVersions>' % versions)
    ev = ''.join('<EventStruct><EventCode>%s</EventCode><CommandKey>%s</CommandKey>'
                 '</EventStruct>' % e for e in events)
    retry_el = '<RetryCount>%s</RetryCount>' % retry if retry is not None else ''
    body = ('<cwmp:Inform><DeviceId><Manufacturer>Acme</Manufacturer><OUI>00D09E</OUI>'
            '<ProductClass>STB</ProductClass><SerialNumber>SN1</SerialNumber></DeviceId>'
            '<Event soap-enc:arrayType="cwmp:EventStruct[%d]">%s</Event>'
            '<MaxEnvelopes>1</MaxEnvelopes><CurrentTime>2025-01-01T00:00:00Z</CurrentTime>'
            '%s<ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[1]">'
            '<ParameterValueStruct><Name>Device.DeviceInfo.SoftwareVersion</Name>'
            '<Value xsi:type="xsd:string">1.0</Value></ParameterValueStruct></ParameterList>'
            '</cwmp:Inform>' % (len(events), ev, retry_el))
    return acs.envelope(ns, body, [hdr + extra_header]).encode()


def gpv_response(msg_id, ns=CWMP12, value='1.0', count=None):
    body = ('<cwmp:GetParameterValuesResponse><ParameterList soap-enc:arrayType='
            '"cwmp:ParameterValueStruct[%d]"><ParameterValueStruct>'
            '<Name>Device.DeviceInfo.SoftwareVersion</Name><Value xsi:type="xsd:string">%s'
            '</Value></ParameterValueStruct></ParameterList>'
            '</cwmp:GetParameterValuesResponse>' % (1 if count is None else count, value))
    return acs.envelope(ns, body, ['<cwmp:ID soap-env:mustUnderstand="1">%s</cwmp:ID>'
                                   % msg_id]).encode()


def transfer_complete(msg_id):
    body = ('<cwmp:TransferComplete><CommandKey>k</CommandKey><FaultStruct><FaultCode>0'
            '</FaultCode><FaultString></FaultString></FaultStruct><StartTime>'
            '2025-01-01T00:00:00Z</StartTime><CompleteTime>2025-01-01T00:00:01Z'
            '</CompleteTime></cwmp:TransferComplete>')
    return acs.envelope(CWMP12, body, ['<cwmp:ID soap-env:mustUnderstand="1">%s</cwmp:ID>'
                                       % msg_id]).encode()


class Cpe:
    """A scripted CPE: urllib with a cookie jar (a new connection per request, so the ACS
    has to find the session by its cookie)."""

    def __init__(self, url, handlers=(), context=None):
        self.url = url
        self.jar = http.cookiejar.CookieJar()
        hs = [urllib.request.HTTPCookieProcessor(self.jar)] + list(handlers)
        if context is not None:
            hs.append(urllib.request.HTTPSHandler(context=context))
        self.opener = urllib.request.build_opener(*hs)

    def post(self, data=b''):
        """(status, body, headers); HTTP errors are answers too."""
        req = urllib.request.Request(self.url, data=data, method='POST',
                                     headers={'Content-Type': 'text/xml; charset="utf-8"',
                                              'SOAPAction': ''})
        try:
            with self.opener.open(req, timeout=10) as r:
                return r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers


class AcsSelfCheck(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='acs-selfcheck-')
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()

    def start(self, **kw):
        kw.setdefault('log_path', os.path.join(self.dir, 'acs.log'))
        s = acs.ACS(**kw)
        self.servers.append(s)
        return s.start()

    def log(self, server):
        with open(server.log_path) as f:
            return f.read()

    def test_session_with_a_script(self):
        server = self.start()
        server.queue(acs.Script([acs.get_parameter_values(['Device.DeviceInfo.SoftwareVersion'])]))
        cpe = Cpe(server.url)
        status, body, headers = cpe.post(inform('inf-1'))
        self.assertEqual(status, 200)
        self.assertIn('session=', headers.get('Set-Cookie', ''))
        m = acs.Message(body)
        self.assertEqual(m.method, 'InformResponse')
        self.assertEqual(m.id, 'inf-1')
        self.assertEqual(m.ns, CWMP12)
        self.assertEqual(m.header.get('UseCWMPVersion'), '1.4')
        self.assertEqual(m.text('MaxEnvelopes'), '1')
        self.assertIsNone(server.validator.validate(body, CWMP12))

        status, body, _ = cpe.post(b'')
        self.assertEqual(status, 200)
        req = acs.Message(body)
        self.assertEqual(req.method, 'GetParameterValues')
        self.assertEqual(req.strings('ParameterNames'), ['Device.DeviceInfo.SoftwareVersion'])
        self.assertIsNone(server.validator.validate(body, CWMP12))

        status, body, _ = cpe.post(gpv_response(req.id, value='7.1'))
        self.assertEqual(status, 204)
        self.assertEqual(body, b'')

        s = server.wait_session(0, 5)
        self.assertTrue(s.ok, s.outcome)
        self.assertEqual(s.version, '1.4')
        self.assertEqual(s.events, [('1 BOOT', '')])
        self.assertEqual(s.inform.retry_count, 0)
        self.assertEqual(s.responses[0].values(),
                         [('Device.DeviceInfo.SoftwareVersion', 'string', '7.1')])
        self.assertEqual(s.connections, 3, 'one connection per urllib request, joined by cookie')
        self.assertEqual(s.cookie_missing, [])
        self.assertEqual(server.failures, [])
        self.assertIn('GetParameterValuesResponse', self.log(server))

        # A message after the end is a protocol failure.
        cpe.post(b'')
        self.assertEqual(len(server.failures), 1, server.failures)

    def test_invalid_messages_are_failures(self):
        server = self.start()
        server.queue(acs.Script([acs.get_parameter_values('Device.DeviceInfo.SoftwareVersion')]))
        cpe = Cpe(server.url)
        # No RetryCount: the schema refuses it, the session still goes on.
        status, _, _ = cpe.post(inform('x', retry=None))
        self.assertEqual(status, 200)
        self.assertEqual(len(server.failures), 1)
        self.assertIn('does not validate', server.failures[0])
        self.assertIn('RetryCount', server.failures[0])
        status, body, _ = cpe.post(b'')
        req = acs.Message(body)
        # Wrong cwmp:ID and a wrong array count in the answer.
        status, _, _ = cpe.post(gpv_response('not-' + req.id, count=3))
        self.assertEqual(status, 204)
        self.assertEqual(len(server.failures), 3, server.failures)
        self.assertTrue(any('cwmp:ID' in f for f in server.failures))
        self.assertTrue(any("arrayType 'cwmp:ParameterValueStruct[3]' but 1 items" in f
                            for f in server.failures), server.failures)

    def test_body_checked_strictly(self):
        """An Inform in a namespace that no schema declares would pass the lax envelope
        check; the body check catches it."""
        v = acs.Validator()
        good = inform('1')
        self.assertIsNone(v.validate(good, CWMP12))
        wrong_event = good.replace(b'1 BOOT', b'BOOT')
        self.assertIn('EventCode', v.validate(wrong_event, CWMP12))
        old = inform('1', versions=None).replace(CWMP12.encode(), CWMP10.encode())
        self.assertIsNone(v.validate(old, CWMP10))
        self.assertIsNotNone(v.validate(old.replace(CWMP10.encode(), b'urn:example:cwmp'),
                                        'urn:example:cwmp'))
        # A header that only 1.4 has is refused by the 1.0 schema.
        self.assertIsNotNone(v.validate(inform('1').replace(CWMP12.encode(), CWMP10.encode()),
                                        CWMP10))

    def test_version_1_0(self):
        server = self.start(version='1.0')
        server.queue([acs.get_parameter_values('Device.DeviceInfo.SoftwareVersion')])
        cpe = Cpe(server.url)
        _, body, _ = cpe.post(inform('1'))
        m = acs.Message(body)
        self.assertEqual(m.ns, CWMP10)
        self.assertNotIn('UseCWMPVersion', m.header)
        _, body, _ = cpe.post(b'')
        req = acs.Message(body)
        self.assertEqual(req.ns, CWMP10)
        self.assertIsNone(server.validator.validate(body, CWMP10))
        # Answering in the Inform's namespace instead of the session's is a failure.
        status, _, _ = cpe.post(gpv_response(req.id, ns=CWMP12))
        self.assertEqual(status, 204)
        self.assertEqual(server.wait_session(0, 5).version, '1.0')
        self.assertEqual(len(server.failures), 1, server.failures)
        self.assertIn('namespace', server.failures[0])

    def test_hold_requests(self):
        server = self.start()
        server.queue(acs.Script([], hold_requests=True))
        cpe = Cpe(server.url)
        _, body, _ = cpe.post(inform('1'))
        m = acs.Message(body)
        self.assertEqual(m.header.get('HoldRequests'), '1')
        self.assertEqual(m.header_attrs['HoldRequests'].get('{%s}mustUnderstand' %
                                                            acs.SOAP_ENV), '1')
        status, body, _ = cpe.post(transfer_complete('tc-1'))
        self.assertEqual(acs.Message(body).method, 'TransferCompleteResponse')
        self.assertEqual(len(server.failures), 1)
        self.assertIn('HoldRequests', server.failures[0])
        self.assertEqual(cpe.post(b'')[0], 204)

    def test_cpe_request_answered(self):
        server = self.start()
        cpe = Cpe(server.url)
        cpe.post(inform('1'))
        _, body, _ = cpe.post(transfer_complete('tc-1'))
        m = acs.Message(body)
        self.assertEqual((m.method, m.id), ('TransferCompleteResponse', 'tc-1'))
        self.assertEqual(cpe.post(b'')[0], 204)
        s = server.wait_session(0, 5)
        self.assertEqual([r.method for r in s.cpe_requests], ['TransferComplete'])
        self.assertEqual(server.failures, [])

    def test_inform_fault_status_and_close(self):
        server = self.start()
        server.queue(acs.Script(inform_fault=8005), acs.Script(inform_status=503),
                     acs.Script([acs.Close()]))
        status, body, _ = Cpe(server.url).post(inform('1'))
        self.assertEqual(status, 500)
        m = acs.Message(body)
        self.assertEqual((m.method, m.fault_code, m.id), ('Fault', 8005, '1'))
        self.assertIsNone(server.validator.validate(body, CWMP12))
        status, _, _ = Cpe(server.url).post(inform('2'))
        self.assertEqual(status, 503)
        cpe = Cpe(server.url)
        self.assertEqual(cpe.post(inform('3'))[0], 200)
        with self.assertRaises((http.client.RemoteDisconnected, urllib.error.URLError,
                                ConnectionError)):
            cpe.post(b'')
        outcomes = [server.wait_session(i, 5).outcome for i in range(3)]
        self.assertIn('fault 8005', outcomes[0])
        self.assertIn('HTTP 503', outcomes[1])
        self.assertIn('closed the connection mid-session', outcomes[2])
        self.assertEqual(server.failures, [])

    def test_pause(self):
        server = self.start()
        pause = acs.Pause('before InformResponse')
        server.queue(acs.Script(inform_pause=pause))
        result = {}
        t = threading.Thread(target=lambda: result.update(r=Cpe(server.url).post(inform('1'))))
        t.start()
        s = pause.wait_reached(5)
        self.assertEqual(s.state, 'inform')
        self.assertNotIn('r', result)
        pause.release()
        t.join(5)
        self.assertEqual(result['r'][0], 200)

    def test_digest_auth(self):
        server = self.start(auth='digest', user='cpe', password='s3cret')
        pm = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        pm.add_password(None, server.url, 'cpe', 's3cret')
        cpe = Cpe(server.url, [urllib.request.HTTPDigestAuthHandler(pm)])
        self.assertEqual(cpe.post(inform('1'))[0], 200)
        self.assertEqual(cpe.post(b'')[0], 204)
        self.assertTrue(server.wait_session(0, 5).ok)
        self.assertEqual(len(server.unauthorized), 1, 'one challenge, then accepted')
        # Wrong password: no session.
        pm2 = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        pm2.add_password(None, server.url, 'cpe', 'wrong')
        status, _, headers = Cpe(server.url, [urllib.request.HTTPDigestAuthHandler(pm2)]).post(
            inform('2'))
        self.assertEqual(status, 401)
        self.assertIn('qop="auth"', headers.get('WWW-Authenticate'))
        self.assertEqual(server.session_count(), 1)
        self.assertIn('wrong Digest response', server.unauthorized[-1][1])
        # A replayed Authorization (same nonce and nc) is refused.
        good = acs._digest_authorization('POST', '/acs', 'cpe', 's3cret',
                                         server._challenge(), nc=1)
        for expected in (200, 401):
            req = urllib.request.Request(server.url, data=inform('3'), method='POST',
                                         headers={'Authorization': good})
            try:
                status = urllib.request.urlopen(req, timeout=5).status
            except urllib.error.HTTPError as e:
                status = e.code
            self.assertEqual(status, expected)
        self.assertIn('replayed', server.unauthorized[-1][1])

    def test_tls_and_basic_auth(self):
        certs = cwmptest.Certificates(os.path.join(self.dir, 'certs'))
        server = self.start(tls=certs.server, auth='basic', user='cpe', password='pw')
        self.assertTrue(server.url.startswith('https://127.0.0.1:'))
        ctx = ssl.create_default_context(cafile=certs.ca)
        pm = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        pm.add_password(None, server.url, 'cpe', 'pw')
        cpe = Cpe(server.url, [urllib.request.HTTPBasicAuthHandler(pm)], context=ctx)
        self.assertEqual(cpe.post(inform('1'))[0], 200)
        self.assertEqual(cpe.post(b'')[0], 204)
        self.assertTrue(server.wait_session(0, 5).ok)
        # A client that does not trust the server's certificate sends nothing.
        strict = ssl.create_default_context()
        with self.assertRaises(urllib.error.URLError):
            Cpe(server.url, context=strict).post(inform('2'))
        self.assertTrue(server.wait_for(lambda: server.tls_errors, 5))
        self.assertEqual(server.session_count(), 1)
        # The other certificates are what their names say.
        for cert, host_ok, trusted in ((certs.wrong_host, False, True),
                                       (certs.untrusted, True, False)):
            ctx = ssl.create_default_context(cafile=certs.ca)
            bad = self.start(tls=cert)
            with self.assertRaises(urllib.error.URLError) as cm:
                Cpe(bad.url, context=ctx).post(inform('3'))
            reason = str(cm.exception.reason)
            self.assertIn('certificate verify failed', reason)
            if not host_ok:
                self.assertIn('IP address mismatch', reason)
            if not trusted:
                self.assertIn('self-signed', reason)

    def test_program_prints_its_url(self):
        import subprocess
        import sys
        p = subprocess.Popen([sys.executable, acs.__file__, '--port', '0', '--auth', 'none',
                              '--version', '1.0', '-q'], stdout=subprocess.PIPE, text=True)
        try:
            url = p.stdout.readline().strip()
            while url and not url.startswith('http'):
                url = p.stdout.readline().strip()
            self.assertRegex(url, r'^http://127\.0\.0\.1:\d+/acs$')
            cpe = Cpe(url)
            _, body, _ = cpe.post(inform('1'))
            self.assertEqual(acs.Message(body).ns, CWMP10)
            self.assertEqual(cpe.post(b'')[0], 204)
            line = p.stdout.readline()
            while 'session 0' not in line and line:
                line = p.stdout.readline()
            self.assertIn('events 1 BOOT, outcome ok', line)
        finally:
            p.terminate()
            p.wait(5)
        self.assertEqual(p.returncode, 0)


if __name__ == '__main__':
    cwmptest.main()
