#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""File transfers through cwmpd: the ACS's Download, Upload, ScheduleDownload,
CancelTransfer, GetQueuedTransfers and GetAllQueuedTransfers reach io.cwmp.Firmware1 with
their arguments, its faults come back as the same CWMP faults, no transfer daemon is 9002;
AutonomousTransferComplete hand-offs reach the ACS once, and an ACS refusing them (GenieACS
answers 8000) does not keep them queued forever.

Most tests run a fake io.cwmp.Firmware1 of their own: this file started as
`test_cwmp_transfers.py --fake-firmware`, on the test's private bus. It records every call
and answers what the test configured through its control interface (io.cwmp.test.Fake1):
a fault for a method, a queue for GetAllQueuedTransfers, or no answer at all. When
fwupd-bridge is built, a last test runs the real one end to end."""

import ctypes
import json
import os
import shutil
import sys

import dbus

import cwmptest
from file_server import FileServer

FW_NAME, FW_PATH, FW_IFACE = 'io.cwmp.Firmware', '/io/cwmp/Firmware', 'io.cwmp.Firmware1'
CONTROL_IFACE = 'io.cwmp.test.Fake1'
UNKNOWN_TIME = '0001-01-01T00:00:00Z'
ATC = '10 AUTONOMOUS TRANSFER COMPLETE'
START, DONE = '2026-11-26T10:00:00Z', '2026-11-26T10:00:42Z'

# ---------------------------------------------------------------------------------------
# The fake transfer daemon (runs in its own process)


def run_fake_firmware():
    """io.cwmp.Firmware1 on DBUS_SYSTEM_BUS_ADDRESS: answers after the control settings,
    records calls. A GLib main loop through ctypes: python3-dbus dispatches on it."""
    import dbus.lowlevel
    import dbus.mainloop.glib

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    conn = dbus.bus.BusConnection(os.environ['DBUS_SYSTEM_BUS_ADDRESS'])
    state = {'calls': [], 'faults': {}, 'silent': [], 'queue': []}
    held = []  # calls left unanswered on purpose

    def reply(call, *args, signature=''):
        r = dbus.lowlevel.MethodReturnMessage(call)
        if signature:
            r.append(*args, signature=signature)
        conn.send_message(r)

    def handler(c, msg):
        if not isinstance(msg, dbus.lowlevel.MethodCallMessage):
            return dbus.lowlevel.HANDLER_RESULT_NOT_YET_HANDLED
        iface, member = msg.get_interface(), msg.get_member()
        if iface == CONTROL_IFACE:
            if member == 'Calls':
                reply(msg, json.dumps(state['calls']), signature='s')
            elif member == 'Configure':
                state.update(json.loads(str(msg.get_args_list()[0])))
                reply(msg)
            return dbus.lowlevel.HANDLER_RESULT_HANDLED
        if iface != FW_IFACE or msg.get_path() != FW_PATH:
            return dbus.lowlevel.HANDLER_RESULT_NOT_YET_HANDLED
        state['calls'].append([member, msg.get_signature(),
                               cwmptest.to_py(msg.get_args_list())])
        if member in state['silent']:
            held.append(msg)
            return dbus.lowlevel.HANDLER_RESULT_HANDLED
        fault = state['faults'].get(member)
        if fault:
            name, code, text = fault
            e = dbus.lowlevel.ErrorMessage(msg, name, None)
            e.append(text, dbus.UInt32(code), dbus.Array([], signature='(sus)'),
                     signature='sua(sus)')
            conn.send_message(e)
        elif member == 'GetAllQueuedTransfers':
            reply(msg, dbus.Array([dbus.Struct((k, dbus.UInt32(s), bool(d), t, dbus.UInt32(n),
                                                f)) for k, s, d, t, n, f in state['queue']],
                                  signature='(subsus)'), signature='a(subsus)')
        else:
            reply(msg)
        return dbus.lowlevel.HANDLER_RESULT_HANDLED

    conn.add_message_filter(handler)
    conn.request_name(FW_NAME)
    glib = ctypes.CDLL('libglib-2.0.so.0')
    glib.g_main_loop_new.restype = ctypes.c_void_p
    glib.g_main_loop_new.argtypes = [ctypes.c_void_p, ctypes.c_int]
    glib.g_main_loop_run.argtypes = [ctypes.c_void_p]
    glib.g_main_loop_run(glib.g_main_loop_new(None, 0))


# ---------------------------------------------------------------------------------------
# Tests


class FakeFirmware:
    """The test's handle on the fake transfer daemon."""

    def __init__(self, sb):
        self.sb = sb
        self.daemon = sb.add_daemon(cwmptest.Daemon(
            sb, 'fake-firmware', [sys.executable, os.path.abspath(__file__), '--fake-firmware'],
            bus_name=FW_NAME, notify=False))
        self.daemon.start()

    def _call(self, method, signature='', *args):
        return cwmptest.call_method(self.sb.conn, FW_NAME, FW_PATH, CONTROL_IFACE, method,
                                    signature, args, cwmptest.scaled(10))

    def configure(self, **settings):
        self._call('Configure', 's', json.dumps(settings))

    def calls(self, member=None):
        calls = json.loads(self._call('Calls'))
        return [args for m, _, args in calls if m == member] if member else calls


class TransfersTest(cwmptest.CwmpAgentTestCase):

    def start(self, fake=True, **kw):
        self.fw = FakeFirmware(self.sb) if fake else None
        self.start_cwmp(**kw)

    def play(self, *rpcs):
        s = self.run_session(list(rpcs))
        self.assertSessionOk(s)
        return s

    def assertTransferResponse(self, msg, method):
        self.assertResponse(msg, method + 'Response')
        self.assertEqual(msg.text('Status'), '1', msg.xml)
        self.assertEqual(msg.text('StartTime'), UNKNOWN_TIME)
        self.assertEqual(msg.text('CompleteTime'), UNKNOWN_TIME)

    def test_arguments_reach_the_transfer_daemon(self):
        A = self.A
        self.start()
        # GenieACS's Download: all ten arguments, empty strings, a raw '&' in the URL.
        genieacs = A.raw('Download', '<cwmp:Download><CommandKey>g-1</CommandKey><FileType>'
                         '3 Vendor Configuration File</FileType><URL>http://127.0.0.1:7567/'
                         'cfg?a=1&b=2</URL><Username></Username><Password></Password>'
                         '<FileSize>0</FileSize><TargetFileName></TargetFileName><DelaySeconds>'
                         '0</DelaySeconds><SuccessURL></SuccessURL><FailureURL></FailureURL>'
                         '</cwmp:Download>', validate=False)
        s = self.play(
            A.download('dl-1', '1 Firmware Upgrade Image', 'https://fw.example/img?x=1&y=2',
                       'user', 'pa<ss', 123456, 'img.bin', 30, 'http://ok', 'http://ko'),
            genieacs,
            A.upload('up-1', '2 Vendor Log File', 'http://logs.example/put', 'u', 'p', 5),
            A.schedule_download('sd-1', 'X 00D09E Bootloader', 'http://fw.example/b', [
                (0, 3600, '1 At Any Time', '', -1),
                (7200, 9000, '4 Confirmation Needed', 'Update now?', 3)], file_size=77,
                target_file_name='b.bin'),
            A.cancel_transfer('dl-1'))
        r = s.responses
        self.assertTransferResponse(r[0], 'Download')
        self.assertTransferResponse(r[1], 'Download')
        self.assertTransferResponse(r[2], 'Upload')
        self.assertResponse(r[3], 'ScheduleDownloadResponse')
        self.assertResponse(r[4], 'CancelTransferResponse')
        self.assertEqual(self.fw.calls('Download'), [
            ['dl-1', '1 Firmware Upgrade Image', 'https://fw.example/img?x=1&y=2', 'user',
             'pa<ss', 123456, 'img.bin', 30],
            ['g-1', '3 Vendor Configuration File', 'http://127.0.0.1:7567/cfg?a=1&b=2', '', '',
             0, '', 0]])
        self.assertEqual(self.fw.calls('Upload'),
                         [['up-1', '2 Vendor Log File', 'http://logs.example/put', 'u', 'p', 5]])
        self.assertEqual(self.fw.calls('ScheduleDownload'), [
            ['sd-1', 'X 00D09E Bootloader', 'http://fw.example/b', '', '', 77, 'b.bin',
             [[0, 3600, '1 At Any Time', '', -1],
              [7200, 9000, '4 Confirmation Needed', 'Update now?', 3]]]])
        self.assertEqual(self.fw.calls('CancelTransfer'), [['dl-1']])
        # The D-Bus signatures of the interface file, exactly.
        self.assertEqual({m: sig for m, sig, _ in self.fw.calls()}, {
            'Download': 'sssssusu', 'Upload': 'sssssu',
            'ScheduleDownload': 'sssssusa(uussi)', 'CancelTransfer': 's'})
        # Nothing is queued by cwmpd itself: the transfer daemon reports the results.
        self.assertEqual(self.agent.prop('PendingEvents'), [])

    def test_bad_arguments_never_reach_it(self):
        A = self.A
        self.start()
        s = self.play(
            A.download('k', 'Firmware', 'http://fw.example/x').unchecked(),
            A.download('k', '1 Firmware Upgrade Image', '').unchecked(),
            A.download('k', '1 Firmware Upgrade Image', 'fw.example/x').unchecked(),
            A.download('k', '1 Firmware Upgrade Image', 'http://f/x', file_size=2 ** 32)
            .unchecked(),
            A.upload('k', '1 Vendor Configuration File', 'http://f/x', delay_seconds=0,
                     username='u' * 257).unchecked(),
            A.schedule_download('k', '1 Firmware Upgrade Image', 'http://f/x',
                                [(100, 50, '1 At Any Time', '', 0)]).unchecked(),
            A.schedule_download('k', '1 Firmware Upgrade Image', 'http://f/x',
                                [(0, 60, '1 At Any Time', '', 0),
                                 (30, 90, '2 Immediately', '', 0)]).unchecked(),
            A.schedule_download('k', '1 Firmware Upgrade Image', 'http://f/x', [
                (0, 1, '1 At Any Time', '', 0), (2, 3, '1 At Any Time', '', 0),
                (4, 5, '1 At Any Time', '', 0)]).unchecked(),
            A.raw('CancelTransfer', '<cwmp:CancelTransfer/>', validate=False),
            A.get_all_queued_transfers())
        r = s.responses
        reasons = ['FileType "Firmware" is not a file type', 'URL is empty', 'has no scheme://',
                   'FileSize 4294967296 is more than an unsignedInt',
                   'Username is longer than 256 characters',
                   'WindowEnd 50 is before WindowStart 100', 'the two time windows overlap',
                   'TimeWindowList has more than 2 windows', 'missing CommandKey']
        for msg, reason in zip(r, reasons):
            self.assertFaultResponse(msg, 9003)
            self.assertIn(reason, msg.fault_string)
        self.assertResponse(r[-1], 'GetAllQueuedTransfersResponse')  # the session goes on
        self.assertEqual([m for m, _, _ in self.fw.calls()], ['GetAllQueuedTransfers'])

    def test_faults_of_the_transfer_daemon(self):
        A = self.A
        self.start()
        self.fw.configure(faults={
            'Download': ['io.cwmp.Fault.ResourcesExceeded', 9004, 'transfer queue is full'],
            'Upload': ['io.cwmp.Fault.UnsupportedTransferProtocol', 9013,
                       'ftp is not supported'],
            'ScheduleDownload': ['io.cwmp.Fault.RequestDenied', 9001, 'not now'],
            'CancelTransfer': ['io.cwmp.Fault.CancelNotPermitted', 9021,
                               'dl-1 is in progress'],
            'GetAllQueuedTransfers': ['io.cwmp.Fault.InternalError', 9002, 'disk gone']})
        s = self.play(
            A.download('dl-9', '1 Firmware Upgrade Image', 'http://fw.example/x'),
            A.upload('up-9', '1 Vendor Configuration File', 'ftp://fw.example/x'),
            A.schedule_download('sd-9', '1 Firmware Upgrade Image', 'http://fw.example/x',
                                [(0, 60, '1 At Any Time', '', 0)]),
            A.cancel_transfer('dl-1'),
            A.get_queued_transfers(),
            A.get_all_queued_transfers())
        expected = [(9004, 'transfer queue is full'), (9013, 'ftp is not supported'),
                    (9001, 'not now'), (9021, 'dl-1 is in progress'), (9002, 'disk gone'),
                    (9002, 'disk gone')]
        for msg, (code, text) in zip(s.responses, expected):
            self.assertFaultResponse(msg, code)
            self.assertEqual(msg.fault_string, text)
        self.assertEqual(len(self.fw.calls()), 6)

    def test_queued_transfers(self):
        A = self.A
        self.start()
        queue = [['dl-1', 2, True, '1 Firmware Upgrade Image', 1000, 'fw.bin'],
                 ['up-1', 1, False, '2 Vendor Log File', 0, ''],
                 ['sd-1', 3, True, 'X 00D09E Bootloader', 5, 'b<&>.bin']]
        self.fw.configure(queue=queue)
        s = self.play(A.get_queued_transfers(), A.get_all_queued_transfers())
        r = s.responses
        self.assertResponse(r[0], 'GetQueuedTransfersResponse')
        self.assertEqual(r[0].transfers(), [{'CommandKey': k, 'State': str(st)}
                                            for k, st, *_ in queue])
        self.assertResponse(r[1], 'GetAllQueuedTransfersResponse')
        self.assertEqual(r[1].transfers(), [
            {'CommandKey': k, 'State': str(st), 'IsDownload': 'true' if d else 'false',
             'FileType': t, 'FileSize': str(n), 'TargetFileName': f}
            for k, st, d, t, n, f in queue])
        # Both come from GetAllQueuedTransfers (the deprecated one is a view of it).
        self.assertEqual([m for m, _, _ in self.fw.calls()], ['GetAllQueuedTransfers'] * 2)

        # More than the schema's 16: the first 16. An impossible State: 9002.
        self.fw.configure(queue=[['k%d' % i, 1, True, '1 Firmware Upgrade Image', 0, '']
                                 for i in range(20)])
        s = self.play(A.get_all_queued_transfers())
        self.assertEqual([t['CommandKey'] for t in s.responses[0].transfers()],
                         ['k%d' % i for i in range(16)])
        self.fw.configure(queue=[['bad', 7, True, '1 Firmware Upgrade Image', 0, '']])
        s = self.play(A.get_queued_transfers())
        self.assertFaultResponse(s.responses[0], 9002)

    def test_no_transfer_daemon(self):
        """Nobody owns io.cwmp.Firmware: 9002 Internal error, not 9010 (no transfer was
        attempted, and 9010 is not among the faults of the queue methods), nor 9000 (the
        method is supported)."""
        A = self.A
        self.start(fake=False)
        s = self.play(A.download('dl-1', '1 Firmware Upgrade Image', 'http://fw.example/x'),
                      A.get_all_queued_transfers(), A.cancel_transfer('dl-1'),
                      A.get_parameter_values(cwmptest.ALPHA + 'Level'))
        r = s.responses
        for msg in r[:3]:
            self.assertFaultResponse(msg, 9002)
            self.assertIn('io.cwmp.Firmware', msg.fault_string)
            self.assertIn('not running', msg.fault_string)
        self.assertResponse(r[3], 'GetParameterValuesResponse')

    def test_transfer_daemon_does_not_answer(self):
        """A transfer daemon that hangs: the session waits for the call's timeout (10 s),
        then answers 9002 and goes on."""
        A = self.A
        self.start()
        self.fw.configure(silent=['Download'])
        s = self.run_session([A.download('dl-1', '1 Firmware Upgrade Image', 'http://f/x'),
                              A.get_parameter_values(cwmptest.ALPHA + 'Level')],
                             timeout=cwmptest.scaled(40))
        self.assertSessionOk(s)
        self.assertFaultResponse(s.responses[0], 9002)
        self.assertIn('did not answer', s.responses[0].fault_string)
        self.assertResponse(s.responses[1], 'GetParameterValuesResponse')

    def test_methods_announced_per_version(self):
        """GetRPCMethods names the transfer methods the session's version defines."""
        A = self.A
        self.start(fake=False)
        transfer = {'Download', 'Upload', 'ScheduleDownload', 'CancelTransfer',
                    'GetQueuedTransfers', 'GetAllQueuedTransfers'}
        for version, expected in (('1.4', transfer), ('1.1', transfer - {
                'ScheduleDownload', 'CancelTransfer'}), ('1.0', {
                'Download', 'Upload', 'GetQueuedTransfers'})):
            s = self.run_session(A.Script([A.get_rpc_methods()], version=version))
            self.assertSessionOk(s)
            methods = set(s.responses[0].strings('MethodList'))
            self.assertEqual(methods & transfer, expected, version)

    # -- AutonomousTransferComplete -------------------------------------------------------

    def hand_over(self, producer='fw/1', file_type='1 Firmware Upgrade Image', fault=0,
                  fault_string='', is_download=True):
        return self.agent.call('QueueAutonomousTransferComplete', 'ssbsusussss',
                               'http://announce.example/a?x=1&y=2', 'http://files.example/fw',
                               is_download, file_type, 4096, 'fw.bin', fault, fault_string,
                               START, DONE, producer)

    def autonomous(self, sessions=None):
        out = []
        for s in sessions if sessions is not None else self.acs.sessions:
            for m in s.cpe_requests:
                if m.method == 'AutonomousTransferComplete':
                    f = m.child('FaultStruct')
                    out.append({k: m.text(k) for k in (
                        'AnnounceURL', 'TransferURL', 'IsDownload', 'FileType', 'FileSize',
                        'TargetFileName', 'StartTime', 'CompleteTime')} |
                        {'FaultCode': m.text('FaultCode', f),
                         'FaultString': m.text('FaultString', f)})
        return out

    def test_autonomous_transfer_complete(self):
        self.start(fake=False)
        self.assertIsNone(self.hand_over())
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertSessionOk(s)
        self.assertEvents(s, [(ATC, '')])
        self.assertEqual(self.autonomous([s]), [{
            'AnnounceURL': 'http://announce.example/a?x=1&y=2',
            'TransferURL': 'http://files.example/fw', 'IsDownload': 'true',
            'FileType': '1 Firmware Upgrade Image', 'FileSize': '4096',
            'TargetFileName': 'fw.bin', 'StartTime': START, 'CompleteTime': DONE,
            'FaultCode': '0', 'FaultString': ''}])
        # The producer retrying: nothing new.
        self.hand_over()
        self.assertNoNewSession(2, 1)
        self.assertEqual(self.agent.prop('PendingEvents'), [])

        # Two results (one failed), killed before the ACS heard them: both delivered once.
        self.acs.queue(self.A.Script(inform_fault=8005))
        self.hand_over('fw/2', '3 Vendor Configuration File', 9010, 'bad\tsignature %09')
        self.hand_over('fw/3', is_download=False, file_type='2 Vendor Log File')
        failed = self.acs.wait_session(2, cwmptest.scaled(10))
        self.assertFalse(failed.ok)
        self.sb.restart_cwmpd(kill=True)
        self.agent.inform()
        self.assertTrue(self.acs.wait_for(lambda: len(self.autonomous()) >= 3,
                                          cwmptest.scaled(20)))
        self.acs.wait_idle(cwmptest.scaled(10))
        got = self.autonomous()
        self.assertEqual(len(got), 3, got)
        self.assertEqual((got[1]['FileType'], got[1]['FaultCode'], got[1]['FaultString']),
                         ('3 Vendor Configuration File', '9010', 'bad\tsignature %09'))
        self.assertEqual(got[2]['IsDownload'], 'false')
        self.assertEqual(self.agent.prop('PendingEvents'), [])

    def test_autonomous_transfer_complete_policy(self):
        """Device.ManagementServer.AutonomousTransferCompletePolicy.: a hand-off its filters
        keep out is accepted and dropped (no event, no session); one they let through is
        delivered. FileTypeFilter names types as TR-181 does: an Upload's "2 Vendor Log
        File" passes "4 Vendor Log File"."""
        self.start(fake=False)
        policy = cwmptest.MS + 'AutonomousTransferCompletePolicy.'
        self.assertEqual(self.dm.spv({policy + 'TransferTypeFilter': 'Download',
                                      policy + 'ResultTypeFilter': 'Failure',
                                      policy + 'FileTypeFilter':
                                          '1 Firmware Upgrade Image,4 Vendor Log File'}), 0)
        sessions = 1

        def dropped(*args, **kw):
            self.assertIsNone(self.hand_over(*args, **kw))
            self.assertEqual(self.agent.prop('PendingEvents'), [])
            self.assertNoNewSession(sessions, 0.5, why='for %r %r' % (args, kw))

        def delivered(*args, **kw):
            nonlocal sessions
            self.assertIsNone(self.hand_over(*args, **kw))
            s = self.acs.wait_session(sessions, cwmptest.scaled(10))
            sessions += 1
            self.assertSessionOk(s)
            self.assertEvents(s, [(ATC, '')])
            return self.autonomous([s])

        dropped('p/1')  # a success
        got = delivered('p/2', fault=9010, fault_string='bad image')
        self.assertEqual([(a['FileType'], a['FaultCode']) for a in got],
                         [('1 Firmware Upgrade Image', '9010')])
        dropped('p/3', file_type='2 Vendor Log File', fault=9011, is_download=False)  # Upload
        self.assertEqual(self.dm.spv({policy + 'TransferTypeFilter': 'Both'}), 0)
        got = delivered('p/4', file_type='2 Vendor Log File', fault=9011, is_download=False)
        self.assertEqual([(a['IsDownload'], a['FileType']) for a in got],
                         [('false', '2 Vendor Log File')])
        dropped('p/5', file_type='3 Vendor Configuration File', fault=9010)
        self.assertEqual(self.dm.spv({policy + 'Enable': 'false'}), 0)
        dropped('p/6', fault=9010)
        # A dropped hand-off is not held back: the same producer key later goes through.
        self.assertEqual(self.dm.spv({policy + 'Enable': 'true',
                                      policy + 'ResultTypeFilter': 'Both'}), 0)
        self.assertEqual(len(delivered('p/1')), 1)

    def test_acs_refusing_autonomous_transfer_complete(self):
        """GenieACS answers AutonomousTransferComplete with fault 8000: the session goes
        on, the result is dropped, the event does not come back. 8005 keeps it for the
        next session. (The first fault comes with HTTP 500, the second with 200.)"""
        A = self.A
        self.start(fake=False)
        genieacs = A.Script([A.get_parameter_values(cwmptest.ALPHA + 'Level')],
                            cpe_request_faults={'AutonomousTransferComplete': 8000})
        self.acs.queue(genieacs)
        self.hand_over('fw/8000')
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertSessionOk(s)
        self.assertEqual(len(self.autonomous([s])), 1)
        self.assertResponse(s.responses[0], 'GetParameterValuesResponse')
        self.assertEqual(self.agent.prop('PendingEvents'), [])
        self.assertNoNewSession(2, 1)
        s = self.run_session()
        self.assertEqual(s.events, [])
        self.assertEqual(self.autonomous([s]), [])

        self.acs.queue(A.Script(cpe_request_faults={'AutonomousTransferComplete': 8005},
                                cpe_request_fault_status=200))
        self.hand_over('fw/8005')
        s = self.acs.wait_session(3, cwmptest.scaled(10))
        self.assertSessionOk(s)
        self.assertEqual(len(self.autonomous([s])), 1)
        self.assertIn((ATC, ''), [tuple(e) for e in self.agent.prop('PendingEvents')])
        s = self.run_session()
        self.assertEvents(s, [(ATC, '')])
        self.assertEqual(len(self.autonomous([s])), 1)
        self.assertEqual(self.agent.prop('PendingEvents'), [])

    def test_autonomous_transfer_complete_with_a_cwmp_1_0_acs(self):
        """cwmp-1-0 has no AutonomousTransferComplete: a 1.0 ACS hears the event once and
        never the request, and nothing stays queued."""
        self.start(fake=False)
        self.acs.queue(self.A.Script(version='1.0'))
        self.hand_over('fw/10')
        s = self.acs.wait_session(1, cwmptest.scaled(10))
        self.assertSessionOk(s)
        self.assertEqual(s.version, '1.0')
        self.assertEqual(self.autonomous([s]), [])
        self.assertEqual(self.agent.prop('PendingEvents'), [])
        self.assertNoNewSession(2, 1)

    def test_bad_autonomous_hand_offs_refused(self):
        self.start(fake=False)
        call = self.agent.call
        sig = 'ssbsusussss'
        good = ['http://a', 'http://t', True, '1 Firmware Upgrade Image', 1, 'f', 0, '', START,
                DONE, 'p']
        for i, value in ((3, 'Firmware'), (6, 9005), (8, 'yesterday'), (9, ''),
                         (0, 'h' * 1025), (5, 'f' * 257), (7, 'x' * 257)):
            args = list(good)
            args[i] = value
            args[-1] = 'p%d' % i
            f = self.assertFault(9003, call, 'QueueAutonomousTransferComplete', sig, *args)
            self.assertTrue(f.message)
        self.assertEqual(self.agent.prop('PendingEvents'), [])
        self.assertNoNewSession(1, 1)


class EndToEndTest(cwmptest.CwmpAgentTestCase):
    """The real transfer daemon (fwupd-bridge) behind cwmpd."""

    def test_download_of_a_vendor_configuration_file(self):
        """The ACS asks for a Vendor Configuration File; the session ends; fwupd-bridge
        fetches it from the test's HTTP server and applies it through dmd; a later session
        reports "7 TRANSFER COMPLETE" and "M Download" with the TransferComplete."""
        path = os.path.join(cwmptest.BUILD_DIR, 'fwupd-bridge', 'fwupd-bridge')
        if not os.access(path, os.X_OK):
            self.skipTest('fwupd-bridge is not built (%s)' % path)
        level = cwmptest.ALPHA + 'Level'
        config = ('# CWMP vendor configuration file, version 1\n'
                  '%s\tunsignedInt\t77\n' % level).encode()
        files = FileServer()
        files.add('/box.cfg', config)
        self.addCleanup(files.stop)
        self.start_cwmp()
        self.sb.start_fwupd_bridge()
        self.assertEqual(self.dm.value(level), '50')

        A = self.A
        before = self.acs.session_count()
        s = self.run_session([A.download('e2e-1', '3 Vendor Configuration File',
                                         files.url('/box.cfg'), file_size=len(config),
                                         target_file_name='box.cfg')])
        self.assertSessionOk(s)
        r = s.responses[0]
        self.assertResponse(r, 'DownloadResponse')
        self.assertEqual((r.text('Status'), r.text('StartTime'), r.text('CompleteTime')),
                         ('1', UNKNOWN_TIME, UNKNOWN_TIME))

        def reported():
            return [(i, m) for i, x in enumerate(self.acs.sessions) if i > before
                    for m in x.cpe_requests if m.method == 'TransferComplete']
        self.assertTrue(self.acs.wait_for(reported, cwmptest.scaled(30)),
                        'no TransferComplete; ACS sessions %r' % self.acs.sessions)
        self.acs.wait_idle(cwmptest.scaled(20))
        (index, tc), = reported()
        later = self.acs.sessions[index]
        self.assertSessionOk(later)
        self.assertIn(('7 TRANSFER COMPLETE', ''), later.events)
        self.assertIn(('M Download', 'e2e-1'), later.events)
        fault = tc.child('FaultStruct')
        self.assertEqual(tc.text('CommandKey'), 'e2e-1')
        self.assertEqual((tc.text('FaultCode', fault), tc.text('FaultString', fault)),
                         ('0', ''), tc.xml)
        start, done = tc.text('StartTime'), tc.text('CompleteTime')
        self.assertNotEqual(start, UNKNOWN_TIME)
        self.assertNotEqual(done, UNKNOWN_TIME)
        self.assertLessEqual(start[:19], done[:19])
        self.assertEqual(files.requests, [('GET', '/box.cfg')])
        self.assertEqual(self.dm.value(level), '77')
        # Reported once: nothing stays queued on either side.
        self.assertEqual(self.agent.prop('PendingEvents'), [])
        self.assertEqual(self.sb.firmware.queued(), [])
        s = self.run_session([A.get_queued_transfers()])
        self.assertEqual(s.responses[0].transfers(), [])
        self.assertFalse([m for m in s.cpe_requests if m.method == 'TransferComplete'])


if __name__ == '__main__':
    if sys.argv[1:2] == ['--fake-firmware']:
        run_fake_firmware()
    else:
        cwmptest.main()
