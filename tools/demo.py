#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The whole agent at work on this machine, as an unprivileged tree under one temporary
directory: a private dbus-daemon, dmd with its built-in live model, two example providers,
diagd, fwupd-bridge, cwmpd, and a local ACS (tests/acs/acs.py, which validates every message
the box sends against the Broadband Forum's CWMP schema). The ACS provisions the box, a
value changes on the box, the ACS calls the box back, runs a ping, saves and restores the
configuration; what each side saw is printed.

Run it through tools/run-local.sh, which builds first. Nothing is installed.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'lib'))
import cwmptest  # noqa: E402  (the same harness the end-to-end tests use)
import file_server  # noqa: E402

A = cwmptest.acs_module()
ALPHA, BETA, MS = 'Device.X_TEST_Alpha.', 'Device.X_TEST_Beta.', 'Device.ManagementServer.'


def title(text):
    print('\n== ' + text)


def show_session(s):
    print('session %d with the ACS: %s, CWMP %s' % (s.index, s.outcome, s.version))
    print('  Inform events: %s' % (', '.join(
        '%s%s' % (code, ' (%s)' % key if key else '') for code, key in s.events) or '-'))
    for m in s.cpe_requests:
        if m.method == 'TransferComplete':
            fault = m.child('FaultStruct')
            print('  the box calls TransferComplete: CommandKey %s, FaultCode %s, %s .. %s'
                  % (m.text('CommandKey'), m.text('FaultCode', fault), m.text('StartTime'),
                     m.text('CompleteTime')))
    changed = [(n, v) for n, _, v in s.inform.values()
               if not n.startswith('Device.DeviceInfo.') and not n.startswith(MS)
               and n != 'Device.RootDataModelVersion']
    if changed:
        print('  reported values: %s' % ', '.join('%s = %s' % nv for nv in changed))
    for ex in s.exchanges:
        r = ex.response
        if r is None:
            print('  %-24s -> no answer' % ex.rpc.method)
        elif r.is_fault:
            detail = ''.join('\n      %s: fault %s' % f for f in r.spv_faults().items())
            print('  %-24s -> fault %s %s%s' % (ex.rpc.method, r.fault_code,
                                                  r.fault_string, detail))
        elif ex.rpc.method == 'GetParameterValues':
            values = r.values()
            for n, t, v in values[:8]:
                print('  %-24s -> %s = %s (%s)' % (ex.rpc.method, n, v, t))
            if len(values) > 8:
                print('  %-24s    ... %d values in all' % ('', len(values)))
        elif ex.rpc.method == 'AddObject':
            print('  %-24s -> instance %s' % (ex.rpc.method, r.int_field('InstanceNumber')))
        elif ex.rpc.method == 'GetParameterNames':
            names = [n for n, _ in r.infos()]
            print('  %-24s -> %s' % (ex.rpc.method, ', '.join(names)))
        else:
            print('  %-24s -> %s' % (ex.rpc.method, r.method))


def cwmpctl(sb, *args):
    print('$ cwmpctl ' + ' '.join(args))
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=sb.bus.address)
    r = subprocess.run([cwmptest.binary('tools', 'cwmpctl')] + list(args), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = r.stdout.rstrip() + ('\n(exit code %d)' % r.returncode if r.returncode else '')
    if out.strip():
        print(out.strip('\n'))


def main():
    sb = cwmptest.Sandbox('demo')
    failures = []
    try:
        title('Starting a private bus, dmd, two example providers, diagd, fwupd-bridge, a local ACS '
              'and cwmpd')
        sb.start_dmd(schema_dirs=[cwmptest.DMD_SCHEMA_DIR, cwmptest.CWMPD_SCHEMA_DIR,
                                  cwmptest.DIAGD_SCHEMA_DIR, cwmptest.FWUPD_BRIDGE_SCHEMA_DIR,
                                  cwmptest.TEST_SCHEMA_DIR])
        sb.start_alpha()
        sb.start_beta(reject_value='forbidden')
        sb.start_diagd()
        sb.start_fwupd_bridge()
        acs = sb.start_acs(auth='digest', user='cpe', password='cpe-secret')
        print('ACS at %s (Digest authentication, CWMP 1.4)' % acs.url)
        # What the ACS does in the first session: look, provision, and get a refusal.
        acs.queue(A.Script([
            A.get_parameter_values(['Device.DeviceInfo.MemoryStatus.', 'Device.DeviceInfo.UpTime',
                                    'Device.DeviceInfo.SerialNumber']),
            A.set_parameter_values([(ALPHA + 'Level', 'unsignedInt', '75'),
                                    (BETA + 'Mode', 'string', 'Manual'),
                                    (MS + 'ConnectionRequestUsername', 'string', 'acs'),
                                    (MS + 'ConnectionRequestPassword', 'string', 'cr-secret'),
                                    (MS + 'PeriodicInformInterval', 'unsignedInt', '3600')],
                                   'provision-1'),
            A.set_parameter_values([(ALPHA + 'Level', 'unsignedInt', '20'),
                                    (BETA + 'Note', 'string', 'forbidden')], 'provision-2'),
            A.add_object(ALPHA + 'Item.', 'provision-3'),
            A.set_parameter_attributes([(ALPHA + 'Level', True, 2, False, [])]),
            A.get_parameter_names('Device.', True),
        ]))
        sb.start_cwmpd(acs)
        show_session(acs.wait_session(0, 30))
        cwmpctl(sb, 'get', ALPHA + 'Level', BETA + 'Mode', MS + 'ParameterKey')

        title('A value with active notification changes on the box: the ACS hears of it')
        cwmpctl(sb, 'set', ALPHA + 'Level=42')
        show_session(acs.wait_session(1, 30))

        title('The ACS calls the box back (connection request with Digest)')
        acs.queue(A.Script([A.get_parameter_values([ALPHA + 'Level', MS + 'ParameterKey'])]))
        url = sb.dm.value(MS + 'ConnectionRequestURL')
        r = A.connection_request(url, 'acs', 'cr-secret')
        print('GET %s -> HTTP %d' % (url, r.status))
        show_session(acs.wait_session(2, 30))

        title('The ACS asks for a ping; diagd runs it after the session and reports back')
        ping = cwmptest.IP_DIAG + 'IPPing.'
        acs.queue(A.Script([A.set_parameter_values([
            (ping + 'Host', 'string', '127.0.0.1'),
            (ping + 'NumberOfRepetitions', 'unsignedInt', '3'),
            (ping + 'DiagnosticsState', 'string', 'Requested')], 'diag-1')]))
        acs.queue(A.Script([A.get_parameter_values([
            ping + n for n in ('DiagnosticsState', 'SuccessCount', 'FailureCount',
                               'MinimumResponseTimeDetailed', 'AverageResponseTimeDetailed',
                               'MaximumResponseTimeDetailed', 'IPAddressUsed')])]))
        cwmpctl(sb, 'inform')
        show_session(acs.wait_session(3, 30))
        show_session(acs.wait_session(4, 30))

        title('The ACS saves the configuration, changes it, and downloads the saved file back')
        files = file_server.FileServer()
        try:
            acs.queue(A.Script([A.upload('save-1', '1 Vendor Configuration File',
                                         files.url('/saved.cfg'))]))
            cwmpctl(sb, 'inform')
            show_session(acs.wait_session(5, 30))
            saved = files.wait_uploads(1, 30)
            show_session(acs.wait_session(6, 30))
            body = saved[0].body if saved else b''
            print('(the ACS received %d bytes by HTTP %s; the line for %sLevel: %r)'
                  % (len(body), saved[0].method if saved else '-', ALPHA, next(
                      (line for line in body.decode(errors='replace').splitlines()
                       if line.startswith(ALPHA + 'Level')), None)))
            cwmpctl(sb, 'set', ALPHA + 'Level=5')
            show_session(acs.wait_session(7, 30))
            url = files.add('/restore.cfg', body)
            acs.queue(A.Script([A.download('restore-1', '3 Vendor Configuration File', url,
                                           file_size=len(body))]))
            cwmpctl(sb, 'inform')
            show_session(acs.wait_session(8, 30))
            show_session(acs.wait_session(9, 30))
            cwmpctl(sb, 'get', ALPHA + 'Level')
        finally:
            files.stop()

        title('Live values from this machine: interfaces and routes from netlink')
        cwmpctl(sb, 'get', 'Device.IP.Interface.1.Name', 'Device.IP.Interface.1.Status',
                'Device.IP.Interface.1.IPv4Address.1.IPAddress',
                'Device.Routing.Router.1.IPv4ForwardingNumberOfEntries')

        title('On the box: the registry, alias-based addressing, a provider that dies')
        cwmpctl(sb, 'providers')
        cwmpctl(sb, 'set', ALPHA + 'Item.1.Alias=uplink', ALPHA + 'Item.1.Name=wan0')
        cwmpctl(sb, 'get', ALPHA + 'Item.[uplink].')
        sb.daemons['alpha'].kill()
        print('(the Alpha provider is killed)')
        cwmpctl(sb, 'get', ALPHA + 'Level')
        sb.daemons['alpha'].start(wait=False)
        sb.wait_provider_ready(sb.daemons['alpha'])
        print('(the Alpha provider is back)')
        cwmpctl(sb, 'get', ALPHA + 'Level')

        title('What cwmpd says about itself')
        cwmpctl(sb, 'status')
        failures = list(acs.failures)
    finally:
        problems = sb.close()
    if failures or problems:
        title('Problems')
        for p in failures + problems:
            print('  ' + str(p))
        return 1
    title('Every message the box sent validated against the CWMP schema')
    return 0


if __name__ == '__main__':
    sys.exit(main())
