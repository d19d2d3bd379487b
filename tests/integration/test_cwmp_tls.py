#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""HTTPS to the ACS (TR-069 3.3): the chain and the host name are verified against the
configured CA; when they do not check out, nothing is sent and LastSessionResult says why.
Client certificates authenticate the CPE to an ACS that asks for one."""

import os
import re
import subprocess

import cwmptest

WHY = re.compile(r'certif|tls|ssl|verif|host', re.I)


class TlsTest(cwmptest.CwmpAgentTestCase):

    def https_acs(self, cert, **options):
        return dict(tls=cert, **options)

    def assertRefused(self):
        """The session could not start: cwmpd connected, but no HTTP request reached the
        ACS, and LastSessionResult explains. (A host name is checked after the handshake,
        so the ACS may see a handshake that worked, then the connection closed.)"""
        acs = self.acs
        self.assertTrue(acs.wait_for(lambda: acs.connections, cwmptest.scaled(10)),
                        'cwmpd did not even try to connect')
        self.assertTrue(cwmptest.wait_until(
            lambda: self.agent.prop('RetryCount') >= 1, cwmptest.scaled(10)))
        result = self.agent.prop('LastSessionResult')
        self.assertRegex(result, WHY, 'LastSessionResult says why: %r' % result)
        self.assertEqual(acs.http_requests, 0, 'nothing was sent over an unverified link')
        self.assertEqual(acs.sessions, [])

    def test_https_with_the_test_ca(self):
        A = self.A
        certs = self.sb.certificates
        self.start_cwmp(acs_options=self.https_acs(certs.server),
                        first_script=A.Script([A.get_parameter_values(
                            cwmptest.MS + 'URL')]))
        s = self.acs.sessions[0]
        self.assertTrue(self.acs.url.startswith('https://127.0.0.1:'))
        self.assertEqual(s.responses[0].value_map()[cwmptest.MS + 'URL'], self.acs.url)
        self.assertEqual(self.acs.tls_errors, [])
        self.assertEqual(self.agent.prop('LastSessionResult'), 'ok')

    def test_ca_path(self):
        """[ACS] CAPath=: a hashed directory of trusted certificates."""
        certs = self.sb.certificates
        capath = self.sb.path('capath')
        os.makedirs(capath)
        subprocess.run(['cp', certs.ca, os.path.join(capath, 'test-ca.pem')], check=True)
        subprocess.run(['openssl', 'rehash', capath], check=True, capture_output=True)
        self.start_cwmp(acs_options=self.https_acs(certs.server),
                        sections={'ACS': {'CAFile': None, 'CAPath': capath}})
        self.assertSessionOk(self.acs.sessions[0])

    def test_wrong_host_name(self):
        certs = self.sb.certificates
        self.start_cwmp(acs_options=self.https_acs(certs.wrong_host), bootstrap=False)
        self.assertRefused()

    def test_untrusted_certificate(self):
        certs = self.sb.certificates
        self.start_cwmp(acs_options=self.https_acs(certs.untrusted), bootstrap=False)
        self.assertRefused()

    def test_no_ca_configured_trusts_nothing_of_ours(self):
        """Without CAFile the system's roots apply, which do not include the test CA."""
        certs = self.sb.certificates
        self.start_cwmp(acs_options=self.https_acs(certs.server), bootstrap=False,
                        sections={'ACS': {'CAFile': None}})
        self.assertRefused()

    def test_client_certificate(self):
        certs = self.sb.certificates
        cert, key = certs.client
        self.start_cwmp(acs_options=self.https_acs(certs.server, client_ca=certs.ca),
                        sections={'ACS': {'ClientCertificate': cert, 'ClientKey': key}})
        s = self.acs.sessions[0]
        self.assertSessionOk(s)
        subject = dict(x[0] for x in s.tls_peer_cert['subject'])
        self.assertEqual(subject.get('commonName'), 'cpe-client')

    def test_client_certificate_missing(self):
        certs = self.sb.certificates
        self.start_cwmp(acs_options=self.https_acs(certs.server, client_ca=certs.ca),
                        bootstrap=False)
        self.assertTrue(self.acs.wait_for(lambda: self.acs.tls_errors, cwmptest.scaled(10)))
        self.assertTrue(cwmptest.wait_until(
            lambda: self.agent.prop('RetryCount') >= 1, cwmptest.scaled(10)))
        self.assertEqual(self.acs.sessions, [])
        self.assertNotIn(self.agent.prop('LastSessionResult'), ('', 'ok'))


if __name__ == '__main__':
    cwmptest.main()
