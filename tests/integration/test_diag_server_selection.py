#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""diagd's ServerSelectionDiagnostics: three hosts in network namespaces of their own, each
behind a veth pair, answering after 40, 5 and 20 ms, so the fastest host is known. The delay
is tc netem's on the far end of the pair; where the kernel has no netem, a responder of the
test's own in each namespace answers the echo requests after that delay instead of the
kernel. Over ICMP echo and over UDP echo (a responder on port 7 in each namespace). Nothing
leaves the box."""

import os
import subprocess
import sys

import cwmptest
import netns
from cwmptest import DIAGD_SCHEMA_DIR

SS = 'Device.IP.Diagnostics.ServerSelectionDiagnostics.'
DIAG_COMPLETE = '8 DIAGNOSTICS COMPLETE'
RESULTS = ['DiagnosticsState', 'FastestHost', 'MinimumResponseTime', 'AverageResponseTime',
           'MaximumResponseTime', 'IPAddressUsed']
DELAYS_MS = [40, 5, 20]

# argv: delay in seconds. UDP echo on port 7.
UDP_RESPONDER = '''
import socket, sys, time
delay = float(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7))
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(65536)
    time.sleep(delay)
    s.sendto(data, peer)
'''

# argv: delay in seconds. ICMP echo replies (the kernel's are switched off in the namespace).
ICMP_RESPONDER = '''
import socket, struct, sys, time
delay = float(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
print("ready", flush=True)
def checksum(b):
    if len(b) % 2:
        b += b"\\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff
while True:
    data, (src, _) = s.recvfrom(65536)
    icmp = bytearray(data[(data[0] & 15) * 4:])
    if len(icmp) < 8 or icmp[0] != 8:
        continue
    icmp[0] = 0
    icmp[2:4] = b"\\0\\0"
    icmp[2:4] = struct.pack("!H", checksum(bytes(icmp)))
    time.sleep(delay)
    s.sendto(bytes(icmp), (src, 0))
'''


class ServerSelectionTest(cwmptest.CwmpAgentTestCase):

    def hosts(self):
        """One namespace per delay; returns [(host address, our address)]."""
        netns.need_root(self, 'tc')
        tag = netns.tag()
        base = os.getpid() % 250
        out = []
        self.namespaces = []
        for i, delay in enumerate(DELAYS_MS):
            ns, here, there = 'cwmpss%d_%s' % (i, tag), 'vssh%d_%s' % (i, tag), 'vssp%d_%s' % (i, tag)
            net = '198.18.%d.%d' % (base, 16 + 4 * i)
            prefix = net.rsplit('.', 1)[0] + '.'
            last = int(net.rsplit('.', 1)[1])
            mine, theirs = prefix + str(last + 1), prefix + str(last + 2)
            netns.veth_to_namespace(self, ns, here, there, mine + '/30', theirs + '/30',
                                    loopback=True)
            r = subprocess.run(['ip', 'netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', there,
                                'root', 'netem', 'delay', '%dms' % delay], capture_output=True)
            self.netem = r.returncode == 0
            self.namespaces.append(ns)
            out.append((theirs, mine))
        if not self.netem:
            print('tc netem is not available (%s): the test\'s responders delay the answers'
                  % r.stderr.decode().strip(), file=sys.stderr)
        return out

    def responders(self, script):
        """Starts script in each namespace, with its delay unless netem delays already."""
        for ns, delay in zip(self.namespaces, DELAYS_MS):
            if script is ICMP_RESPONDER:
                subprocess.run(['ip', 'netns', 'exec', ns, 'sysctl', '-qw',
                                'net.ipv4.icmp_echo_ignore_all=1'], check=True)
            p = subprocess.Popen(['ip', 'netns', 'exec', ns, sys.executable, '-c', script,
                                  '0' if self.netem else str(delay / 1000)],
                                 stdout=subprocess.PIPE, text=True)
            self.addCleanup(p.wait)
            self.addCleanup(p.kill)
            self.assertEqual(p.stdout.readline().strip(), 'ready')

    def start(self):
        self.start_cwmp(extra_schema_dirs=[DIAGD_SCHEMA_DIR])
        self.diagd = self.sb.start_diagd()

    def select(self, settings):
        n = self.acs.session_count()
        values = {SS + k: v for k, v in settings.items()}
        values[SS + 'DiagnosticsState'] = 'Requested'
        self.dm.spv(values)
        s = self.acs.wait_session(n, cwmptest.scaled(30))
        self.assertIn(DIAG_COMPLETE, [c for c, _ in s.events])
        r = self.dm.values([SS + k for k in RESULTS])
        return {k[len(SS):]: v for k, v in r.items()}

    def check_fastest(self, r, hosts):
        fastest, source = hosts[1]  # 5 ms
        self.assertEqual(r['DiagnosticsState'], 'Complete')
        self.assertEqual(r['FastestHost'], fastest)
        self.assertEqual(r['IPAddressUsed'], source)
        mn, avg, mx = (int(r[k + 'ResponseTime']) for k in ('Minimum', 'Average', 'Maximum'))
        self.assertTrue(5000 <= mn <= avg <= mx < 40000, r)

    def test_icmp(self):
        hosts = self.hosts()
        if not self.netem:
            self.responders(ICMP_RESPONDER)
        self.start()
        r = self.select({'Protocol': 'ICMP', 'NumberOfRepetitions': '3', 'Timeout': '1000',
                         'HostList': ','.join(h for h, _ in hosts)})
        self.check_fastest(r, hosts)
        # A name that does not resolve is passed over; the others still count.
        r = self.select({'HostList': 'bad..name,%s,%s' % (hosts[0][0], hosts[2][0])})
        self.assertEqual(r['DiagnosticsState'], 'Complete')
        self.assertEqual(r['FastestHost'], hosts[2][0])  # 20 ms beats 40 ms
        self.assertGreaterEqual(int(r['AverageResponseTime']), 20000)
        # The results survive a restart of diagd.
        self.diagd = self.sb.restart_provider(self.diagd)
        self.assertEqual(self.dm.value(SS + 'FastestHost'), hosts[2][0])

    def test_udp_echo(self):
        hosts = self.hosts()
        self.responders(UDP_RESPONDER)
        self.start()
        r = self.select({'Protocol': 'UDP Echo', 'NumberOfRepetitions': '2', 'Timeout': '1000',
                         'HostList': ','.join(h for h, _ in hosts)})
        self.check_fastest(r, hosts)

    def test_no_host_answers_or_resolves(self):
        self.start()
        r = self.select({'HostList': 'bad..name,other..bad', 'NumberOfRepetitions': '1'})
        self.assertEqual(r['DiagnosticsState'], 'Error_CannotResolveHostName')
        self.assertEqual(r['FastestHost'], '')
        r = self.select({'HostList': ''})
        self.assertEqual(r['DiagnosticsState'], 'Error_Other')
        self.assertEqual(r['AverageResponseTime'], '0')


if __name__ == '__main__':
    cwmptest.main()
