#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The Interface parameter of diagd's tests: a reference to a row of Device.IP.Interface.,
whose Linux name diagd reads from dmd (<ref>.Name) and binds its socket to. A host in a
network namespace of its own, behind a veth pair, answers through that pair only: bound to
the pair the test succeeds, bound to loopback it cannot reach the host. Nothing leaves the
box."""

import socket

import cwmptest
import netns
from cwmptest import DIAGD_SCHEMA_DIR

DIAG = 'Device.IP.Diagnostics.'
PING = DIAG + 'IPPing.'
TR = DIAG + 'TraceRoute.'
UE = DIAG + 'UDPEchoDiagnostics.'
UC = DIAG + 'UDPEchoConfig.'
NS = 'Device.DNS.Diagnostics.NSLookupDiagnostics.'
DIAG_COMPLETE = '8 DIAGNOSTICS COMPLETE'


class InterfaceTest(cwmptest.CwmpAgentTestCase):

    def start(self):
        self.start_cwmp(extra_schema_dirs=[DIAGD_SCHEMA_DIR])
        self.diagd = self.sb.start_diagd()

    def run_test(self, prefix, settings):
        """Requests the test of `prefix` with those settings; its DiagnosticsState at the end."""
        n = self.acs.session_count()
        values = {prefix + k: v for k, v in settings.items()}
        values[prefix + 'DiagnosticsState'] = 'Requested'
        self.dm.spv(values)
        s = self.acs.wait_session(n, cwmptest.scaled(30))
        self.assertIn(DIAG_COMPLETE, [c for c, _ in s.events])
        return self.dm.value(prefix + 'DiagnosticsState')

    def interface_refs(self):
        """{Linux name: "Device.IP.Interface.N"} from dmd; skips when dmd has no such table."""
        try:
            values = self.dm.gpv(['Device.IP.Interface.'])
        except Exception as e:  # a fault: the table is not served
            self.skipTest('dmd does not serve Device.IP.Interface. yet (%s)' % e)
        refs = {}
        for name, _, value in values:
            if name.endswith('.Name') and name.count('.') == 4:
                refs[value] = name[:-len('.Name')]
        if not refs:
            self.skipTest('dmd serves no row of Device.IP.Interface.')
        return refs

    def neighbour(self):
        """A host in a namespace behind a veth pair; returns (its address, our address, the
        name of our end)."""
        netns.need_root(self)
        tag = netns.tag()
        here = 'vifh' + tag
        net = netns.subnet()
        netns.veth_to_namespace(self, 'cwmpif' + tag, here, 'vifp' + tag,
                                net + '.33/30', net + '.34/30')
        return net + '.34', net + '.33', here

    def test_reference_that_does_not_resolve(self):
        """A reference that names no row of Device.IP.Interface. ends the test in
        Error_Internal; a value that is no reference is refused."""
        self.start()
        for prefix, settings in ((PING, {'Host': '127.0.0.1', 'NumberOfRepetitions': '1'}),
                                 (TR, {'Host': '127.0.0.1', 'NumberOfTries': '1'}),
                                 (UE, {'Host': '127.0.0.1', 'NumberOfRepetitions': '1'}),
                                 (NS, {'HostName': 'example.test', 'DNSServer': '127.0.0.1'})):
            settings['Interface'] = 'Device.IP.Interface.9999'
            self.assertEqual(self.run_test(prefix, settings), 'Error_Internal', prefix)
        for bad in ('eth0', 'Device.IP.Interface.', 'Device.IP.Interface.0',
                    'Device.Ethernet.Interface.1'):
            self.assertFault(9003, self.dm.spv, {PING + 'Interface': bad},
                             params={PING + 'Interface': 9007})
        self.assertFault(9003, self.dm.spv, {UC + 'Interface': 'lo'},
                         params={UC + 'Interface': 9007})

    def test_ping_and_trace_bound_to_an_interface(self):
        host, source, ifname = self.neighbour()
        self.start()
        refs = self.interface_refs()
        if ifname not in refs or 'lo' not in refs:
            self.skipTest('dmd lists no row for %s or lo: %r' % (ifname, refs))
        veth, lo = refs[ifname], refs['lo']

        state = self.run_test(PING, {'Host': host, 'Interface': veth + '.',
                                     'NumberOfRepetitions': '2', 'Timeout': '1000'})
        self.assertEqual(state, 'Complete')
        self.assertEqual(self.dm.value(PING + 'SuccessCount'), '2')
        self.assertEqual(self.dm.value(PING + 'IPAddressUsed'), source)
        # Bound to loopback the host is not reachable.
        state = self.run_test(PING, {'Interface': lo, 'Timeout': '300'})
        self.assertIn(state, ('Complete', 'Error_NoRouteToHost'))
        self.assertEqual(self.dm.value(PING + 'SuccessCount'), '0')

        state = self.run_test(TR, {'Host': host, 'Interface': veth, 'NumberOfTries': '1',
                                   'MaxHopCount': '3', 'Timeout': '1000'})
        self.assertEqual(state, 'Complete')
        self.assertEqual(self.dm.value(TR + 'RouteHops.1.HostAddress'), host)
        self.assertEqual(self.dm.value(TR + 'RouteHopsNumberOfEntries'), '1')

        # A DNS server on loopback is not reachable through the pair: bound to it the query
        # never gets an answer.
        state = self.run_test(NS, {'HostName': 'example.test', 'DNSServer': '127.0.0.1',
                                   'Interface': veth, 'Timeout': '300'})
        self.assertEqual(state, 'Complete')
        self.assertEqual(self.dm.value(NS + 'Result.1.Status'), 'Error_Timeout')

    def test_udp_echo_bound_to_loopback(self):
        self.start()
        refs = self.interface_refs()
        if 'lo' not in refs:
            self.skipTest('dmd lists no row for lo: %r' % refs)
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(('::', 0))
            port = s.getsockname()[1]
        # the responder bound to loopback answers the client bound to loopback
        self.dm.spv({UC + 'Enable': 'true', UC + 'UDPPort': str(port), UC + 'Interface': refs['lo']})
        state = self.run_test(UE, {'Host': '127.0.0.1', 'Port': str(port), 'Interface': refs['lo'],
                                   'NumberOfRepetitions': '2', 'InterTransmissionTime': '10'})
        self.assertEqual(state, 'Complete')
        self.assertEqual(self.dm.value(UE + 'SuccessCount'), '2')
        self.assertEqual(self.dm.value(UC + 'PacketsReceived'), '2')


if __name__ == '__main__':
    cwmptest.main()
