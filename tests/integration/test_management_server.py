#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Device.ManagementServer. as cwmpd serves it (cwmpd/management-server.c), run on its own in
test-management-server, through dmd: the defaults from cwmpd's configuration, changes that
take effect and are reported by group, refused values, hidden passwords, live values, and
what survives a restart."""

import json
import os
import signal

import cwmptest
from cwmptest import binary, wait_until

MS = 'Device.ManagementServer.'
CWMPD_SCHEMA_DIR = os.path.join(cwmptest.SOURCE_DIR, 'cwmpd', 'schema')
SCHEMA_FILE = os.path.join(CWMPD_SCHEMA_DIR, '20-management-server.schema')

# What cwmpd.conf gives (struct management_defaults).
CONFIG = {
    'url': 'http://acs.example.com:7547/cwmp',
    'username': '00D09E-TestBox-SN1',
    'password': 'factory-secret',
    'periodic-interval': '600',
    'retry-min-wait': '7',
}
CONREQ_URL = 'http://192.0.2.10:7547/c0ffee'
NEXT_CONREQ_URL = 'http://198.51.100.20:7547/c0ffee'
UDP_ADDRESS = '203.0.113.5:51000'

# GetParameterValues of Device.ManagementServer. right after the first start: (type, value).
DEFAULTS = {
    'EnableCWMP': ('boolean', 'true'),
    'URL': ('string', CONFIG['url']),
    'Username': ('string', CONFIG['username']),
    'Password': ('string', ''),  # hidden
    'ScheduleReboot': ('dateTime', '0001-01-01T00:00:00Z'),
    'DelayReboot': ('int', '-1'),
    'PeriodicInformEnable': ('boolean', 'true'),
    'PeriodicInformInterval': ('unsignedInt', '600'),
    'PeriodicInformTime': ('dateTime', '0001-01-01T00:00:00Z'),
    'ParameterKey': ('string', ''),
    'ConnectionRequestURL': ('string', CONREQ_URL),
    'ConnectionRequestUsername': ('string', ''),
    'ConnectionRequestPassword': ('string', ''),
    'DefaultActiveNotificationThrottle': ('unsignedInt', '0'),
    'CWMPRetryMinimumWaitInterval': ('unsignedInt', '7'),
    'CWMPRetryIntervalMultiplier': ('unsignedInt', '2000'),
    'HTTPConnectionRequestEnable': ('boolean', 'true'),
    'HTTPCompressionSupported': ('string', 'GZIP,Deflate'),
    'HTTPCompression': ('string', 'Disabled'),
    'UDPConnectionRequestAddress': ('string', UDP_ADDRESS),
    'STUNEnable': ('boolean', 'false'),
    'STUNServerAddress': ('string', ''),
    'STUNServerPort': ('unsignedInt', '3478'),
    'STUNUsername': ('string', ''),
    'STUNPassword': ('string', ''),
    'STUNMaximumKeepAlivePeriod': ('int', '-1'),
    'STUNMinimumKeepAlivePeriod': ('unsignedInt', '30'),
    'NATDetected': ('boolean', 'true'),
    'AliasBasedAddressing': ('boolean', 'true'),
    'InstanceMode': ('string', 'InstanceNumber'),
    'SupportedConnReqMethods': ('string', 'HTTP,STUN'),
    'HeartbeatPolicy.Enable': ('boolean', 'false'),
    'HeartbeatPolicy.ReportingInterval': ('unsignedInt', '60'),
    'HeartbeatPolicy.InitiationTime': ('dateTime', '0001-01-01T00:00:00Z'),
    'AutoCreateInstances': ('boolean', 'false'),
    'InstanceWildcardsSupported': ('boolean', 'false'),
    'InformParameterNumberOfEntries': ('unsignedInt', '0'),
    'AutonomousTransferCompletePolicy.Enable': ('boolean', 'true'),
    'AutonomousTransferCompletePolicy.TransferTypeFilter': ('string', 'Both'),
    'AutonomousTransferCompletePolicy.ResultTypeFilter': ('string', 'Both'),
    'AutonomousTransferCompletePolicy.FileTypeFilter': (
        'string', '1 Firmware Upgrade Image,2 Web Content,3 Vendor Configuration File,'
        '4 Vendor Log File'),
}


class ManagementServerTest(cwmptest.CwmpTestCase):

    def setUp(self):
        super().setUp()
        self.sb.start_dmd(schema_dirs=[cwmptest.DMD_SCHEMA_DIR, CWMPD_SCHEMA_DIR])
        self.ms = self.start_management_server()

    # -- the program and what it prints -------------------------------------------------

    def argv(self, config):
        argv = [binary('tests', 'providers', 'test-management-server'), '--schema', SCHEMA_FILE,
                '--state', self.sb.path('state', 'management-server.state'),
                '--conreq-url', CONREQ_URL, '--next-conreq-url', NEXT_CONREQ_URL,
                '--udp-address', UDP_ADDRESS, '--nat-detected']
        for key, value in config.items():
            argv += ['--' + key, value]
        return argv

    def start_management_server(self):
        d = cwmptest.Daemon(self.sb, 'management-server', self.argv(CONFIG))
        d.subtree = MS
        d.ready_check = lambda: self.sb.provider_online(MS, d.pid)
        self.sb.add_daemon(d)
        d.start(wait=False)
        self.sb.wait_provider_ready(d)
        return d

    def restart(self, config=None, kill=False):
        if config is not None:
            self.ms.argv = self.argv(config)
        self.sb.restart_provider(self.ms, kill=kill)

    def printed(self, kind):
        """The lines the program printed, across restarts: 'settings' (dicts) or
        'on_change' (sets of group names)."""
        out = []
        for line in self.ms.log().splitlines():
            word, _, rest = line.partition(' ')
            if word != kind:
                continue
            out.append(json.loads(rest) if kind == 'settings' else set(rest.split()))
        return out

    def settings(self):
        return self.printed('settings')[-1]

    def spv_and_changes(self, values, key=''):
        """SetParameterValues, then the groups the on_change call it caused reported."""
        before = len(self.printed('on_change'))
        self.assertEqual(self.dm.spv(values, key), 0)
        self.assertTrue(wait_until(lambda: len(self.printed('on_change')) > before,
                                   cwmptest.scaled(5)),
                        'no on_change after SetParameterValues %r\n%s' % (values, self.ms.log()))
        changes = self.printed('on_change')
        self.assertEqual(len(changes), before + 1, 'one on_change per commit')
        return changes[-1]

    def values(self):
        return {n[len(MS):]: (t, v) for n, t, v in self.dm.gpv([MS])}

    # -- tests --------------------------------------------------------------------------

    def test_defaults(self):
        got = self.values()
        schema = cwmptest.Schema([SCHEMA_FILE])
        declared = [n.path[len(MS):] for n in schema.parameters_under(MS)
                    if '{i}' not in n.path]
        self.assertEqual(sorted(got), sorted(declared), 'every parameter of the fragment')
        self.assertEqual(sorted(DEFAULTS), sorted(declared))
        for name, expected in DEFAULTS.items():
            with self.subTest(name=name):
                self.assertEqual(got[name], expected)
        # What cwmpd acts on: the configuration's values, the real password included.
        s = self.settings()
        self.assertEqual(s['url'], CONFIG['url'])
        self.assertEqual(s['username'], CONFIG['username'])
        self.assertEqual(s['password'], CONFIG['password'])
        self.assertEqual(s['periodic_inform_interval'], 600)
        self.assertEqual(s['cwmp_retry_minimum_wait_interval'], 7)
        self.assertEqual(s['cwmp_retry_interval_multiplier'], 2000)
        self.assertTrue(s['enable_cwmp'])
        self.assertTrue(s['periodic_inform_enable'])
        self.assertEqual(s['periodic_inform_time'], '0001-01-01T00:00:00Z')
        self.assertEqual(s['stun_server_port'], 3478)
        self.assertEqual(s['stun_maximum_keep_alive_period'], -1)
        self.assertEqual(s['instance_mode'], 'InstanceNumber')
        self.assertFalse(s['heartbeat_enable'])
        self.assertEqual(s['heartbeat_interval'], 60)
        self.assertEqual(self.printed('on_change'), [], 'nothing changed yet')

    def test_set_url_and_interval(self):
        changes = self.spv_and_changes({MS + 'URL': 'https://acs2.example.net/acs',
                                        MS + 'PeriodicInformInterval': '3600'}, 'key-1')
        self.assertEqual(changes, {'URL', 'PERIODIC'})
        s = self.settings()
        self.assertEqual(s['url'], 'https://acs2.example.net/acs')
        self.assertEqual(s['periodic_inform_interval'], 3600)
        got = self.values()
        self.assertEqual(got['URL'], ('string', 'https://acs2.example.net/acs'))
        self.assertEqual(got['PeriodicInformInterval'], ('unsignedInt', '3600'))
        # ParameterKey is dmd's, read live through cwmpd
        self.assertEqual(self.dm.parameter_key, 'key-1')
        self.assertEqual(got['ParameterKey'], ('string', 'key-1'))

    def test_change_groups(self):
        cases = [
            ({'CWMPRetryIntervalMultiplier': '3000'}, {'RETRY'}),
            ({'CWMPRetryMinimumWaitInterval': '10'}, {'RETRY'}),
            ({'Username': 'acs-user', 'Password': 'acs-secret'}, {'CREDENTIALS'}),
            ({'ConnectionRequestUsername': 'cr', 'ConnectionRequestPassword': 'crpw'},
             {'CONNECTION_REQUEST'}),
            ({'STUNEnable': 'true', 'STUNServerAddress': 'stun.example.com'}, {'STUN'}),
            ({'STUNMaximumKeepAlivePeriod': '120', 'STUNMinimumKeepAlivePeriod': '20'},
             {'STUN'}),
            ({'HeartbeatPolicy.Enable': '1', 'HeartbeatPolicy.ReportingInterval': '30',
              'HeartbeatPolicy.InitiationTime': '2024-05-01T00:00:00Z'}, {'HEARTBEAT'}),
            ({'PeriodicInformTime': '1970-01-01T00:00:00.000Z'}, {'PERIODIC'}),
            ({'PeriodicInformEnable': 'false'}, {'PERIODIC'}),
            ({'EnableCWMP': 'false'}, {'ENABLE'}),
            ({'HTTPConnectionRequestEnable': 'false'}, {'HTTP_CONNECTION_REQUEST'}),
            ({'ScheduleReboot': '2030-01-01T00:00:00Z', 'DelayReboot': '3600'}, {'REBOOT'}),
            ({'URL': 'http://[2001:db8::1]:7547/acs', 'STUNPassword': 'x',
              'DefaultActiveNotificationThrottle': '30',
              # read at each hand-off: no group of its own
              'AutonomousTransferCompletePolicy.Enable': 'false',
              'AutonomousTransferCompletePolicy.TransferTypeFilter': 'Upload',
              'AutonomousTransferCompletePolicy.ResultTypeFilter': 'Failure',
              'AutonomousTransferCompletePolicy.FileTypeFilter':
                  '4 Vendor Log File,X 00D09E Crash Dump'},
             {'URL', 'STUN'}),
        ]
        for values, groups in cases:
            with self.subTest(values=values):
                changes = self.spv_and_changes({MS + k: v for k, v in values.items()})
                self.assertEqual(changes, groups)
        s = self.settings()
        self.assertEqual(s['cwmp_retry_interval_multiplier'], 3000)
        self.assertEqual(s['cwmp_retry_minimum_wait_interval'], 10)
        self.assertEqual((s['username'], s['password']), ('acs-user', 'acs-secret'))
        self.assertEqual((s['connection_request_username'], s['connection_request_password']),
                         ('cr', 'crpw'))
        self.assertTrue(s['stun_enable'])
        self.assertEqual(s['stun_server_address'], 'stun.example.com')
        self.assertEqual(s['stun_password'], 'x')
        self.assertEqual(s['stun_maximum_keep_alive_period'], 120)
        self.assertEqual(s['stun_minimum_keep_alive_period'], 20)
        self.assertTrue(s['heartbeat_enable'])
        self.assertEqual(s['heartbeat_interval'], 30)
        self.assertEqual(s['heartbeat_initiation_time'], '2024-05-01T00:00:00Z')
        self.assertEqual(s['periodic_inform_time'], '1970-01-01T00:00:00.000Z')
        self.assertFalse(s['periodic_inform_enable'])
        self.assertFalse(s['enable_cwmp'])
        self.assertEqual(s['default_active_notification_throttle'], 30)
        self.assertEqual(s['instance_mode'], 'InstanceNumber')
        self.assertEqual(s['url'], 'http://[2001:db8::1]:7547/acs')
        self.assertFalse(s['atc_enable'])
        self.assertEqual((s['atc_transfer_type_filter'], s['atc_result_type_filter'],
                          s['atc_file_type_filter']),
                         ('Upload', 'Failure', '4 Vendor Log File,X 00D09E Crash Dump'))

        # The same value again changes nothing: the next report names only what changed.
        self.assertEqual(self.dm.spv({MS + 'URL': 'http://[2001:db8::1]:7547/acs'}), 0)
        self.assertEqual(self.spv_and_changes({MS + 'CWMPRetryIntervalMultiplier': '4000'}),
                         {'RETRY'})

    def test_passwords_read_empty(self):
        self.spv_and_changes({MS + 'Password': 'acs-secret',
                              MS + 'ConnectionRequestPassword': 'cr-secret',
                              MS + 'STUNPassword': 'stun-secret'})
        got = self.values()
        for name in ('Password', 'ConnectionRequestPassword', 'STUNPassword'):
            with self.subTest(name=name):
                self.assertEqual(got[name], ('string', ''))
                self.assertEqual(self.dm.value(MS + name), '')
        s = self.settings()
        self.assertEqual(s['password'], 'acs-secret')
        self.assertEqual(s['connection_request_password'], 'cr-secret')
        self.assertEqual(s['stun_password'], 'stun-secret')

    def test_bad_url(self):
        bad = ['', 'acs.example.com', 'ftp://acs.example.com/', 'mailto:acs@example.com',
               'http://', 'https://', 'http:///cwmp', 'http://:7547/cwmp',
               'http://acs.example.com:0/', 'http://acs.example.com:65536/',
               'http://acs.example.com:/', 'http://acs.example.com:80x/',
               'http://acs example.com/', 'http://acs.example.com/a b',
               'http://acs.example.com/\n', 'http://[::1/', 'http://[]/', 'http://[zz::1]/',
               'http://acs.ex\u00e4mple.com/', 'http//acs.example.com/']
        for url in bad:
            with self.subTest(url=url):
                self.assertFault(9003, self.dm.spv, {MS + 'URL': url},
                                 params={MS + 'URL': 9007})
        # nothing was applied, nothing was reported, the other values were not touched
        self.assertFault(9003, self.dm.spv, {MS + 'URL': 'ftp://x/',
                                             MS + 'PeriodicInformInterval': '60'},
                         params={MS + 'URL': 9007})
        self.assertEqual(self.dm.value(MS + 'URL'), CONFIG['url'])
        self.assertEqual(self.dm.value(MS + 'PeriodicInformInterval'), '600')
        self.assertEqual(self.printed('on_change'), [])

        good = ['HTTPS://acs.example.com', 'http://10.0.0.1/', 'http://[2001:db8::1]/',
                'https://user:pw@acs.example.com:8443/cwmp?x=1#f', 'http://acs-1.example.com:1']
        for url in good:
            with self.subTest(url=url):
                self.assertEqual(self.dm.spv({MS + 'URL': url}), 0)
                self.assertEqual(self.dm.value(MS + 'URL'), url)

    def test_schema_facets(self):
        for name, value in [('PeriodicInformInterval', '0'),
                            ('CWMPRetryMinimumWaitInterval', '0'),
                            ('CWMPRetryMinimumWaitInterval', '65536'),
                            ('CWMPRetryIntervalMultiplier', '999'),
                            ('CWMPRetryIntervalMultiplier', '65536'),
                            ('HeartbeatPolicy.ReportingInterval', '29'),
                            ('STUNServerPort', '65536'),
                            ('STUNMaximumKeepAlivePeriod', '-2'),
                            ('DelayReboot', '-2'),
                            ('HTTPCompression', 'Compress'),
                            ('InstanceMode', 'Alias'),
                            # dmd names instances by number only
                            ('InstanceMode', 'InstanceAlias'),
                            ('AutonomousTransferCompletePolicy.TransferTypeFilter', 'Sideways'),
                            ('AutonomousTransferCompletePolicy.FileTypeFilter',
                             '1 Firmware Upgrade Image,Firmware'),
                            ('AutonomousTransferCompletePolicy.FileTypeFilter',
                             'X 00d09e lowercase OUI'),
                            ('PeriodicInformTime', 'yesterday'),
                            ('Username', 'u' * 257)]:
            with self.subTest(name=name, value=value):
                self.assertFault(9003, self.dm.spv, {MS + name: value},
                                 params={MS + name: 9007})
        for name in ('ParameterKey', 'ConnectionRequestURL', 'UDPConnectionRequestAddress',
                     'NATDetected', 'AliasBasedAddressing', 'SupportedConnReqMethods',
                     'AutoCreateInstances', 'InstanceWildcardsSupported',
                     'InformParameterNumberOfEntries'):
            with self.subTest(name=name):
                self.assertFault(9003, self.dm.spv, {MS + name: DEFAULTS[name][1]},
                                 params={MS + name: 9008})
        self.assertEqual(self.printed('on_change'), [])

    def test_values_survive_restart(self):
        new = {'URL': 'https://acs2.example.net/acs', 'Password': 'acs-secret',
               'ConnectionRequestUsername': 'cr', 'ConnectionRequestPassword': 'crpw',
               'CWMPRetryIntervalMultiplier': '2500', 'STUNEnable': 'true',
               'STUNServerAddress': 'stun.example.com',
               'HeartbeatPolicy.Enable': 'true', 'HeartbeatPolicy.ReportingInterval': '90'}
        self.spv_and_changes({MS + k: v for k, v in new.items()}, 'before-restart')

        def check():
            got = self.values()
            for name, value in new.items():
                expected = '' if 'Password' in name else value
                self.assertEqual(got[name][1], expected, name)
            s = self.settings()
            self.assertEqual(s['url'], new['URL'])
            self.assertEqual(s['password'], 'acs-secret')
            self.assertEqual(s['connection_request_password'], 'crpw')
            self.assertEqual(s['cwmp_retry_interval_multiplier'], 2500)
            self.assertTrue(s['stun_enable'])
            self.assertEqual(s['heartbeat_interval'], 90)
            # ParameterKey is fetched from dmd at start
            self.assertTrue(wait_until(
                lambda: self.dm.value(MS + 'ParameterKey') == 'before-restart',
                cwmptest.scaled(5)))

        self.restart()
        check()
        self.restart(kill=True)
        check()
        self.assertEqual(self.printed('on_change'), [{'URL', 'CREDENTIALS', 'CONNECTION_REQUEST',
                                                      'RETRY', 'STUN', 'HEARTBEAT'}],
                         'a restart is not a change')

    def test_configuration_until_the_acs_sets(self):
        # A new cwmpd.conf: what the ACS never set follows it.
        config2 = dict(CONFIG, url='http://acs-new.example.com/cwmp', username='user2',
                       password='pw2', **{'periodic-interval': '900', 'retry-min-wait': '9'})
        self.restart(config2)
        got = self.values()
        self.assertEqual(got['URL'][1], config2['url'])
        self.assertEqual(got['Username'][1], 'user2')
        self.assertEqual(got['PeriodicInformInterval'][1], '900')
        self.assertEqual(got['CWMPRetryMinimumWaitInterval'][1], '9')
        s = self.settings()
        self.assertEqual((s['url'], s['username'], s['password']),
                         (config2['url'], 'user2', 'pw2'))

        # Once the ACS set them, its values win over any configuration.
        self.spv_and_changes({MS + 'URL': 'https://acs-chosen.example.com/',
                              MS + 'PeriodicInformInterval': '1800'})
        config3 = dict(config2, url='http://acs-third.example.com/', username='user3',
                       **{'periodic-interval': '60'})
        self.restart(config3)
        got = self.values()
        self.assertEqual(got['URL'][1], 'https://acs-chosen.example.com/')
        self.assertEqual(got['PeriodicInformInterval'][1], '1800')
        self.assertEqual(got['Username'][1], 'user3')  # still the configuration's
        s = self.settings()
        self.assertEqual(s['url'], 'https://acs-chosen.example.com/')
        self.assertEqual(s['periodic_inform_interval'], 1800)
        self.assertEqual(s['username'], 'user3')

        # On a fresh box, a configured URL that is not one is ignored: the URL stays empty.
        self.ms.stop()
        for name in ('management-server.state', 'management-server.state.acs-set'):
            os.unlink(self.sb.path('state', name))
        self.restart(dict(CONFIG, url='ftp://nowhere/'))
        self.assertEqual(self.dm.value(MS + 'URL'), '')
        self.assertEqual(self.settings()['url'], '')
        self.assertEqual(self.dm.value(MS + 'Username'), CONFIG['username'])

    def test_live_values(self):
        mon = self.sb.monitor(["type='signal',interface='%s',member='ValueChanged'"
                               % cwmptest.DM_IFACE])
        self.assertEqual(self.dm.value(MS + 'ConnectionRequestURL'), CONREQ_URL)
        os.kill(self.ms.pid, signal.SIGUSR1)
        self.assertTrue(wait_until(
            lambda: self.dm.value(MS + 'ConnectionRequestURL') == NEXT_CONREQ_URL,
            cwmptest.scaled(5)))
        m = mon.wait_for(lambda m: any(v[0] == MS + 'ConnectionRequestURL'
                                       for v in m['payload']['data'][0]))
        self.assertIsNotNone(m, 'dmd signalled ValueChanged for ConnectionRequestURL')
        self.assertIn([MS + 'ConnectionRequestURL', 'string', NEXT_CONREQ_URL],
                      m['payload']['data'][0])
        self.assertEqual(self.dm.value(MS + 'NATDetected'), 'true')
        self.assertEqual(self.dm.value(MS + 'UDPConnectionRequestAddress'), UDP_ADDRESS)
        # ParameterKey follows every transaction, whoever owns the values
        self.assertEqual(self.dm.spv({MS + 'STUNEnable': 'true'}, 'k-1'), 0)
        self.assertEqual(self.dm.value(MS + 'ParameterKey'), 'k-1')
        self.assertEqual(self.dm.spv({'Device.DeviceInfo.ProvisioningCode': 'P1'}, 'k-2'), 0)
        self.assertEqual(self.dm.value(MS + 'ParameterKey'), 'k-2')


if __name__ == '__main__':
    cwmptest.main()
