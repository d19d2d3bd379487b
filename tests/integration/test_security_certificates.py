#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Device.Security.Certificate.{i}.: the certificates of cwmpd's [ACS] CAFile= (a bundle),
CAPath= (a hashed directory) and ClientCertificate=, each row as `openssl x509` reads the
file; instance numbers that stay with their certificate, across changes of the files and
restarts; a changed file shows at the next read; CABundle.1. (CAFile) and .2. (CAPath)
naming their rows."""

import calendar
import os
import re
import shutil
import subprocess
import time

import cwmptest

SEC = 'Device.Security.'
CERT = SEC + 'Certificate.'


def openssl(*args):
    r = subprocess.run(['openssl'] + list(args), capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError('openssl %s: %s' % (' '.join(args), r.stderr))
    return r.stdout


def openssl_date(text):
    """'Nov 26 10:00:00 2026 GMT' as a TR-106 dateTime."""
    t = calendar.timegm(time.strptime(text.replace('  ', ' '), '%b %d %H:%M:%S %Y GMT'))
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


def expected_row(path):
    """The row of the certificate in `path` (its only or first one), from openssl."""
    out = openssl('x509', '-in', path, '-noout', '-subject', '-issuer', '-serial', '-dates',
                  '-nameopt', 'RFC2253')
    f = dict(line.split('=', 1) for line in out.splitlines())
    text = openssl('x509', '-in', path, '-noout', '-text')
    alg = re.search(r'Signature Algorithm: (\S+)', text).group(1)
    san = re.search(r'X509v3 Subject Alternative Name:.*\n\s*(.*)', text)
    alt = ','.join(item.split(':', 1)[1] for item in san.group(1).split(', ')) if san else ''
    return {'Enable': 'true', 'Subject': f['subject'], 'Issuer': f['issuer'],
            'SerialNumber': f['serial'], 'NotBefore': openssl_date(f['notBefore']),
            'NotAfter': openssl_date(f['notAfter']), 'SubjectAlt': alt,
            'SignatureAlgorithm': alg,
            'LastModif': time.strftime('%Y-%m-%dT%H:%M:%SZ',
                                       time.gmtime(int(os.stat(path).st_mtime)))}


class SecurityCertificatesTest(cwmptest.CwmpAgentTestCase):

    def rows(self):
        """{instance: {leaf: value}} of Device.Security.Certificate."""
        out = {}
        for name, _, value in self.dm.gpv([CERT]):
            instance, leaf = name[len(CERT):].split('.', 1)
            out.setdefault(int(instance), {})[leaf] = value
        return out

    def bundles(self):
        """{instance: {leaf: value}} of Device.Security.CABundle."""
        out = {}
        for name, _, value in self.dm.gpv([SEC + 'CABundle.']):
            instance, leaf = name[len(SEC + 'CABundle.'):].split('.', 1)
            out.setdefault(int(instance), {})[leaf] = value
        return out

    def by_serial(self, rows):
        return {r['SerialNumber']: (i, r) for i, r in rows.items()}

    def make_ca(self, name):
        cert, key = self.sb.path('certs', name + '.pem'), self.sb.path('certs', name + '.key')
        openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
                '-days', '10', '-subj', '/C=DE/O=Example, Inc./CN=' + name)
        return cert

    def test_certificates_of_the_acs(self):
        certs = self.sb.certificates
        bundle = self.sb.path('certs', 'bundle.pem')
        with open(bundle, 'w') as f:
            for path in (certs.ca, certs.wrong_host[0]):
                f.write(open(path).read())
        capath = self.sb.path('capath')
        os.makedirs(capath)
        shutil.copy(certs.server[0], os.path.join(capath, 'server.pem'))
        shutil.copy(certs.untrusted[0], os.path.join(capath, 'untrusted.pem'))
        # the hash link OpenSSL looks up names server.pem again: one row
        link = openssl('x509', '-in', certs.server[0], '-noout', '-subject_hash').strip()
        os.symlink('server.pem', os.path.join(capath, link + '.0'))
        client_cert, client_key = certs.client
        self.start_cwmp(sections={'ACS': {'CAFile': bundle, 'CAPath': capath,
                                          'ClientCertificate': client_cert,
                                          'ClientKey': client_key}})

        files = {'ca': certs.ca, 'wrong-host': certs.wrong_host[0],
                 'server': os.path.join(capath, 'server.pem'),
                 'untrusted': os.path.join(capath, 'untrusted.pem'), 'client': client_cert}
        expected = {k: expected_row(p) for k, p in files.items()}
        for k in ('ca', 'wrong-host'):  # read from the bundle
            expected[k]['LastModif'] = expected_row(bundle)['LastModif']
        rows = self.rows()
        self.assertEqual(self.dm.value(SEC + 'CertificateNumberOfEntries'), '5')
        self.assertEqual(len(rows), 5, rows)
        got = self.by_serial(rows)
        for k, row in expected.items():
            with self.subTest(certificate=k):
                self.assertIn(row['SerialNumber'], got)
                self.assertEqual(got[row['SerialNumber']][1], row)
        self.assertEqual(expected['wrong-host']['SubjectAlt'], 'acs.example.net,192.0.2.1')
        self.assertEqual(expected['ca']['Subject'], 'CN=CWMP Test CA')
        numbers = {k: got[expected[k]['SerialNumber']][0] for k in expected}
        self.assertEqual(sorted(numbers.values()), [1, 2, 3, 4, 5])

        # The bundles: CAFile and CAPath, each naming its certificates' rows.
        def refs(*keys):
            return sorted(CERT + str(numbers[k]) for k in keys)
        self.assertEqual(self.dm.value(SEC + 'CABundleNumberOfEntries'), '2')
        b = self.bundles()
        self.assertEqual(sorted(b), [1, 2])
        self.assertEqual((b[1]['Enable'], b[1]['Name']), ('true', bundle))
        self.assertEqual(sorted(b[1]['CACertificates'].split(',')), refs('ca', 'wrong-host'))
        self.assertEqual(b[2]['Name'], capath)
        self.assertEqual(sorted(b[2]['CACertificates'].split(',')), refs('server', 'untrusted'))

        # The ACS cannot change them.
        self.assertFault(9003, self.dm.spv, {CERT + '1.Enable': 'false'},
                         params={CERT + '1.Enable': 9008})

        # The bundle loses the CA, the directory gains a certificate: the rows follow at
        # the next read, the others keep their numbers, the new one takes a new number.
        shutil.copy(certs.wrong_host[0], bundle)
        extra = self.make_ca('Extra CA')
        shutil.copy(extra, os.path.join(capath, 'extra.pem'))
        rows = self.rows()
        got = self.by_serial(rows)
        self.assertEqual(len(rows), 5)
        self.assertNotIn(expected['ca']['SerialNumber'], got)
        for k in ('wrong-host', 'server', 'untrusted', 'client'):
            self.assertEqual(got[expected[k]['SerialNumber']][0], numbers[k], k)
        new = expected_row(os.path.join(capath, 'extra.pem'))
        instance, row = got[new['SerialNumber']]
        self.assertEqual(row, new)
        self.assertEqual(instance, 6)
        self.assertEqual(row['Subject'], r'CN=Extra CA,O=Example\, Inc.,C=DE')
        self.assertEqual(row['SignatureAlgorithm'], 'sha256WithRSAEncryption')
        numbers['extra'] = instance
        b = self.bundles()
        self.assertEqual(b[1]['CACertificates'], CERT + str(numbers['wrong-host']))
        self.assertEqual(sorted(b[2]['CACertificates'].split(',')),
                         refs('server', 'untrusted', 'extra'))

        # A restart keeps the numbers.
        before = self.rows()
        self.sb.restart_cwmpd()
        self.sb.wait_provider_online(SEC)
        self.assertEqual(self.rows(), before)

    def test_nothing_configured(self):
        self.start_cwmp(sections={'ACS': {'CAFile': None}})
        self.assertEqual(self.dm.value(SEC + 'CertificateNumberOfEntries'), '0')
        self.assertEqual(self.rows(), {})
        self.assertEqual(self.dm.value(SEC + 'CABundleNumberOfEntries'), '0')
        self.assertEqual(self.bundles(), {})


if __name__ == '__main__':
    cwmptest.main()
