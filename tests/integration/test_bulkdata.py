#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Device.BulkData. as cwmpd serves it (cwmpd/bulkdata*.c): profiles set up through dmd (and
once through the test ACS) send their reports to a collector on loopback. Each body is
parsed (JSON, CSV, gzip) and its names, values and timestamps are checked against what dmd
answers for the test providers' parameters; then PUT, Basic authentication, query
parameters, retries after 5xx answers, retained failed reports, and reports that go on
after cwmpd is killed and started again."""

import base64
import csv
import gzip
import io
import json
import os
import threading
import time
import zlib
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler

import cwmptest
from cwmptest import ALPHA, BETA, scaled, wait_until
from http_loopback import LoopbackHTTPServer

BD = 'Device.BulkData.'
PROFILE = BD + 'Profile.'


class Collector:
    """An HTTP collector: records every request (method, path, headers, decoded body) and
    answers with the next status of `statuses` (then 200). With credentials it wants Basic
    authentication first."""

    def __init__(self, credentials=None):
        self.requests = []
        self.statuses = []
        self.hold = None  # an Event: requests get no answer until it is set
        self.credentials = credentials
        self.lock = threading.Lock()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get('Content-Length', '0'))
                raw = self.rfile.read(length)
                if collector.credentials:
                    want = 'Basic ' + base64.b64encode(
                        ('%s:%s' % collector.credentials).encode()).decode()
                    if self.headers.get('Authorization') != want:
                        self.send_response(401)
                        self.send_header('WWW-Authenticate', 'Basic realm="bulk"')
                        self.send_header('Content-Length', '0')
                        self.end_headers()
                        return
                hold = collector.hold
                if hold is not None and not hold.is_set():
                    with collector.lock:
                        collector.requests.append({
                            'method': self.command, 'path': self.path, 'status': None,
                            'headers': dict(self.headers.items()), 'raw': raw,
                            'received': time.time()})
                    hold.wait(30)
                    return
                with collector.lock:
                    status = collector.statuses.pop(0) if collector.statuses else 200
                    collector.requests.append({
                        'method': self.command, 'path': self.path,
                        'headers': dict(self.headers.items()), 'raw': raw, 'status': status,
                        'received': time.time()})
                self.send_response(status)
                self.send_header('Content-Length', '0')
                self.end_headers()

            do_POST = handle_any
            do_PUT = handle_any

        self.server = LoopbackHTTPServer(Handler).start()
        self.url = self.server.url('/bulk')

    def close(self):
        self.server.stop()

    def delivered(self):
        with self.lock:
            return [r for r in self.requests if r['status'] == 200]

    def wait(self, count, timeout=10, delivered=True):
        """Until `count` requests arrived (delivered ones only, by default)."""
        pick = self.delivered if delivered else lambda: list(self.requests)
        if not wait_until(lambda: len(pick()) >= count, scaled(timeout)):
            raise AssertionError('%d of %d report(s) arrived within %d s: %r' % (
                len(pick()), count, timeout, self.requests))
        return pick()


def body_text(request):
    """The body, decompressed as Content-Encoding says."""
    encoding = request['headers'].get('Content-Encoding')
    raw = request['raw']
    if encoding == 'gzip':
        raw = gzip.decompress(raw)
    elif encoding == 'deflate':
        raw = zlib.decompress(raw)
    else:
        assert encoding is None, encoding
    return raw.decode('utf-8')


def flatten(tree, prefix=''):
    """The names and values of an ObjectHierarchy object, dotted again."""
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(flatten(value, prefix + key + '.'))
        else:
            out[prefix + key] = value
    return out


def json_value(typ, value):
    """What a value of dmd looks like in a JSON report."""
    if typ in ('int', 'unsignedInt', 'long', 'unsignedLong'):
        return int(value)
    if typ == 'boolean':
        return value in ('true', '1')
    return value


class BulkDataTest(cwmptest.CwmpTestCase):

    def setUp(self):
        super().setUp()
        self.sb.start_dmd(schema_dirs=[cwmptest.DMD_SCHEMA_DIR, cwmptest.CWMPD_SCHEMA_DIR,
                                       cwmptest.TEST_SCHEMA_DIR])
        self.sb.start_alpha()
        self.sb.start_beta()
        self.sb.start_cwmpd()
        self.wait_bulkdata_online()
        self.dm.spv({ALPHA + 'Name': 'a "quoted", name\\with\nlines', ALPHA + 'Level': '42',
                     BETA + 'Note': 'x;y,z'})

    def wait_bulkdata_online(self):
        self.sb.wait_provider_online(BD, self.sb.cwmpd.pid)

    def collector(self, credentials=None):
        c = Collector(credentials)
        self.addCleanup(c.close)
        return c

    def add_profile(self, settings, references, uri_parameters=(), enable=True):
        """A profile with its Parameter entries ([(reference, name)]) and
        RequestURIParameter entries; settings below the profile ({'HTTP.URL': ...})."""
        number = self.dm.add(PROFILE)[0]
        prefix = '%s%d.' % (PROFILE, number)
        values = {}
        for ref, name in references:
            i = self.dm.add(prefix + 'Parameter.')[0]
            values['%sParameter.%d.Reference' % (prefix, i)] = ref
            values['%sParameter.%d.Name' % (prefix, i)] = name
        for ref, name in uri_parameters:
            i = self.dm.add(prefix + 'HTTP.RequestURIParameter.')[0]
            values['%sHTTP.RequestURIParameter.%d.Reference' % (prefix, i)] = ref
            values['%sHTTP.RequestURIParameter.%d.Name' % (prefix, i)] = name
        for key, value in settings.items():
            values[prefix + key] = str(value)
        values[prefix + 'Enable'] = 'true' if enable else 'false'
        values[BD + 'Enable'] = 'true'
        self.assertEqual(self.dm.spv(values), 0)
        return prefix

    def expected(self, references):
        """{reported name: (type, value)} as dmd answers for the references now."""
        out = {}
        for ref, name in references:
            for n, t, v in self.dm.gpv([ref]):
                if not name:
                    out[n] = (t, v)
                elif ref.endswith('.'):
                    out[name + '.' + n[len(ref):]] = (t, v)
                else:
                    out[name] = (t, v)
        return out

    def check_time_ms(self, stamp, request):
        """A Unix-Epoch CollectionTime (ms) taken shortly before the request arrived."""
        self.assertIsInstance(stamp, int)
        self.assertLessEqual(stamp, request['received'] * 1000 + 1000)
        self.assertGreater(stamp, request['received'] * 1000 - scaled(10) * 1000)

    # -- the object and its values --------------------------------------------------------

    def test_capabilities_and_refusals(self):
        v = self.dm.values([BD])
        self.assertEqual(v[BD + 'Protocols'], 'HTTP')
        self.assertEqual(v[BD + 'EncodingTypes'], 'JSON,CSV')
        self.assertEqual(v[BD + 'ParameterWildCardSupported'], 'false')
        self.assertEqual(v[BD + 'Status'], 'Disabled')
        self.assertEqual(v[BD + 'ProfileNumberOfEntries'], '0')
        prefix = self.add_profile({'HTTP.URL': 'http://127.0.0.1:9/x'},
                                  [(ALPHA + 'Level', ''), (BETA, '')], enable=False)
        v = self.dm.values([BD, prefix])
        self.assertEqual(v[BD + 'Status'], 'Enabled')
        self.assertEqual(v[BD + 'ProfileNumberOfEntries'], '1')
        self.assertEqual(v[prefix + 'ParameterNumberOfEntries'], '2')
        self.assertEqual(v[prefix + 'HTTP.MethodsSupported'], 'POST,PUT')
        self.assertEqual(v[prefix + 'HTTP.CompressionsSupported'], 'GZIP,Deflate')
        self.assertEqual(v[prefix + 'CSVEncoding.RowSeparator'], '&#13;&#10;')
        # no wildcards, no URL of another scheme, no partial path for a query parameter
        i = self.dm.add(prefix + 'HTTP.RequestURIParameter.')[0]
        uri_ref = '%sHTTP.RequestURIParameter.%d.Reference' % (prefix, i)
        for name, value in ((prefix + 'Parameter.1.Reference', ALPHA + 'Item.*.Name'),
                            (prefix + 'HTTP.URL', 'ftp://127.0.0.1/x'), (uri_ref, BETA)):
            self.assertFault(9003, self.dm.spv, {name: value}, params={name: 9007})
        self.dm.add(PROFILE)
        self.assertEqual(self.dm.value(BD + 'ProfileNumberOfEntries'), '2')

    # -- encodings ------------------------------------------------------------------------

    def test_json_object_hierarchy_gzip_post(self):
        c = self.collector()
        refs = [(ALPHA + 'Level', ''), (ALPHA + 'Name', ''), (BETA, 'B'),
                (ALPHA + 'Enable', 'AlphaOn')]
        self.add_profile({'HTTP.URL': c.url, 'ReportingInterval': 1, 'HTTP.Compression': 'GZIP',
                          'EncodingType': 'JSON'}, refs)
        r = c.wait(2)[1]
        self.assertEqual(r['method'], 'POST')
        self.assertEqual(r['path'], '/bulk')
        h = r['headers']
        self.assertEqual(h['Content-Type'], 'application/json; charset=UTF-8')
        self.assertEqual(h['BBF-Report-Format'], 'ObjectHierarchy')
        self.assertEqual(h['Content-Encoding'], 'gzip')
        date = parsedate_to_datetime(h['Date']).timestamp()
        self.assertLess(abs(date - r['received']), 5)
        body = json.loads(body_text(r))
        self.assertEqual(len(body['Report']), 1)
        report = dict(body['Report'][0])
        self.check_time_ms(report.pop('CollectionTime'), r)
        expected = {n: json_value(t, v) for n, (t, v) in self.expected(refs).items()}
        self.assertEqual(flatten(report), expected)
        self.assertEqual(report['B']['Mode'], 'Auto')
        self.assertEqual(report['Device']['X_TEST_Alpha']['Level'], 42)

    def test_json_name_value_pair_put_auth_query(self):
        c = self.collector(credentials=('collector', 's3cret'))
        refs = [(ALPHA + 'Level', ''), (BETA, '')]
        self.add_profile({'HTTP.URL': c.url, 'ReportingInterval': 1, 'HTTP.Method': 'PUT',
                          'HTTP.Username': 'collector', 'HTTP.Password': 's3cret',
                          'HTTP.UseDateHeader': 'false', 'HTTP.Compression': 'Deflate',
                          'JSONEncoding.ReportFormat': 'NameValuePair',
                          'JSONEncoding.ReportTimestamp': 'ISO-8601'}, refs,
                         uri_parameters=[(BETA + 'Note', 'note'),
                                         ('Device.DeviceInfo.SerialNumber', 'sn')])
        r = c.wait(1)[0]
        self.assertEqual(r['method'], 'PUT')
        self.assertEqual(r['path'], '/bulk?note=x%3By%2Cz&sn=' + self.sb.serial.replace(
            '_', '_'))
        self.assertNotIn('Date', r['headers'])
        self.assertEqual(r['headers']['BBF-Report-Format'], 'NameValuePair')
        report = dict(json.loads(body_text(r))['Report'][0])
        stamp = report.pop('CollectionTime')
        t = time.mktime(time.strptime(stamp, '%Y-%m-%dT%H:%M:%SZ')) - time.timezone
        self.assertLess(abs(t - r['received']), scaled(10))
        expected = {n: json_value(t, v) for n, (t, v) in self.expected(refs).items()}
        self.assertEqual(report, expected)
        self.assertEqual(self.dm.value(PROFILE + '1.HTTP.Password'), '')

    def test_csv_per_row_and_per_column(self):
        rows, columns = self.collector(), self.collector()
        refs = [(ALPHA + 'Name', ''), (ALPHA + 'Level', 'Lvl'), (BETA, '')]
        self.add_profile({'HTTP.URL': rows.url, 'ReportingInterval': 1, 'EncodingType': 'CSV',
                          'CSVEncoding.ReportFormat': 'ParameterPerRow'}, refs)
        self.add_profile({'HTTP.URL': columns.url, 'ReportingInterval': 1,
                          'EncodingType': 'CSV', 'CSVEncoding.FieldSeparator': ';',
                          'CSVEncoding.RowSeparator': '&#10;',
                          'CSVEncoding.ReportFormat': 'ParameterPerColumn',
                          'CSVEncoding.RowTimestamp': 'None'}, refs)
        expected = self.expected(refs)

        r = rows.wait(1)[0]
        self.assertEqual(r['headers']['Content-Type'], 'text/csv; charset=UTF-8')
        self.assertEqual(r['headers']['BBF-Report-Format'], 'ParameterPerRow')
        text = body_text(r)
        self.assertTrue(text.endswith('\r\n'), repr(text))
        table = list(csv.reader(io.StringIO(text, newline='')))
        self.assertEqual(table[0], ['ReportTimestamp', 'ParameterName', 'ParameterValue',
                                    'ParameterType'])
        got = {}
        for stamp, name, value, typ in table[1:]:
            self.check_time_ms(int(stamp), r)
            got[name] = (typ, value)
        self.assertEqual(got, expected)

        r = columns.wait(1)[0]
        self.assertEqual(r['headers']['BBF-Report-Format'], 'ParameterPerColumn')
        text = body_text(r)
        self.assertNotIn('\r', text.replace(expected[ALPHA + 'Name'][1], ''))
        table = list(csv.reader(io.StringIO(text, newline=''), delimiter=';'))
        self.assertEqual(len(table), 2, table)
        self.assertEqual(dict(zip(table[0], table[1])),
                         {n: v for n, (t, v) in expected.items()})

    # -- failures -------------------------------------------------------------------------

    def test_retry_after_5xx(self):
        c = self.collector()
        c.statuses = [503, 500]
        # the phase: reports are due at reference + k * 30 s, the next one in two seconds
        reference = int(time.time()) + 2 + 30 * 1000
        self.add_profile({'HTTP.URL': c.url, 'ReportingInterval': 30,
                          'TimeReference': time.strftime('%Y-%m-%dT%H:%M:%SZ',
                                                         time.gmtime(reference)),
                          'HTTP.RetryEnable': 'true',
                          'HTTP.RetryMinimumWaitInterval': 1,
                          'HTTP.RetryIntervalMultiplier': 1000},
                         [(ALPHA + 'Level', '')])
        attempts = c.wait(3, timeout=15, delivered=False)
        self.assertEqual([a['status'] for a in attempts[:3]], [503, 500, 200])
        bodies = [json.loads(body_text(a)) for a in attempts[:3]]
        self.assertEqual(bodies[0], bodies[2], 'the retry carries the same report')
        self.assertEqual(len(bodies[2]['Report']), 1)
        gaps = [attempts[i + 1]['received'] - attempts[i]['received'] for i in range(2)]
        for gap in gaps:
            self.assertGreater(gap, 0.8)
            self.assertLess(gap, scaled(4))
        stamp = bodies[0]['Report'][0]['CollectionTime']
        self.assertEqual(stamp // 1000 % 30, reference % 30, 'aligned to TimeReference')

    def test_retained_failed_reports(self):
        c = self.collector()
        c.statuses = [503, 404, 503]
        self.add_profile({'HTTP.URL': c.url, 'ReportingInterval': 1,
                          'NumberOfRetainedFailedReports': 2}, [(ALPHA + 'Level', '')])
        attempts = c.wait(4, delivered=False)
        reports = [json.loads(body_text(a))['Report'] for a in attempts[:4]]
        self.assertEqual([len(r) for r in reports], [1, 2, 3, 3])
        # the oldest goes once two are retained; each keeps its own collection time
        self.assertEqual(reports[3][:2], reports[2][1:])
        times = [r['CollectionTime'] for r in reports[3]]
        self.assertEqual(times, sorted(times))
        self.assertEqual(len(set(times)), 3)
        # delivered: nothing is retained any more
        r = c.wait(2)[1]
        self.assertEqual(len(json.loads(body_text(r))['Report']), 1)

    def test_report_in_flight_kept_over_a_restart(self):
        c = self.collector()
        c.hold = threading.Event()
        self.add_profile({'HTTP.URL': c.url, 'ReportingInterval': 1,
                          'NumberOfRetainedFailedReports': -1}, [(ALPHA + 'Level', '')])
        held = c.wait(1, delivered=False)[0]
        stamp = json.loads(body_text(held))['Report'][0]['CollectionTime']
        self.sb.cwmpd.stop()
        c.hold.set()
        self.sb.restart_cwmpd()
        self.wait_bulkdata_online()
        reports = json.loads(body_text(c.wait(1)[0]))['Report']
        self.assertEqual(reports[0]['CollectionTime'], stamp)
        self.assertGreater(len(reports), 1)

    def test_new_encoding_drops_retained_reports(self):
        c = self.collector()
        c.statuses = [503] * 100
        prefix = self.add_profile({'HTTP.URL': c.url, 'ReportingInterval': 1,
                                   'NumberOfRetainedFailedReports': -1},
                                  [(ALPHA + 'Level', '')])
        c.wait(2, delivered=False)
        self.assertEqual(self.dm.spv({prefix + 'EncodingType': 'CSV',
                                      prefix + 'CSVEncoding.ReportFormat': 'ParameterPerRow'}),
                         0)
        with c.lock:
            c.statuses = []
        r = c.wait(1)[0]
        table = list(csv.reader(io.StringIO(body_text(r), newline='')))
        self.assertEqual([row[1:] for row in table[1:]],
                         [[ALPHA + 'Level', '42', 'unsignedInt']])

    def test_reports_go_on_after_sigkill(self):
        c = self.collector()
        c.statuses = [503] * 3
        prefix = self.add_profile({'HTTP.URL': c.url, 'ReportingInterval': 1,
                                   'NumberOfRetainedFailedReports': -1,
                                   'HTTP.PersistAcrossReboot': 'true'},
                                  [(ALPHA + 'Level', '')])
        failed = c.wait(3, delivered=False)[:3]
        lost = [json.loads(body_text(a))['Report'][-1]['CollectionTime'] for a in failed]
        # A report is kept on disk once its first transfer failed: wait for the third (a
        # SIGKILL while the collector's answer is on its way would lose that one report).
        kept = self.sb.path('state', 'cwmpd', 'bulkdata', 'profile-' + prefix.split('.')[-2])
        self.assertTrue(cwmptest.wait_until(
            lambda: len([f for f in os.listdir(kept) if f.endswith('.report')]) >= 3,
            cwmptest.scaled(5)), os.listdir(kept))
        self.sb.cwmpd.kill()
        self.dm.spv({ALPHA + 'Level': '7'})
        self.sb.restart_cwmpd()
        self.wait_bulkdata_online()
        r = c.wait(1)[0]
        reports = json.loads(body_text(r))['Report']
        times = [x['CollectionTime'] for x in reports]
        self.assertEqual(times[:3], lost, 'the retained reports come first')
        self.assertEqual(reports[-1]['Device']['X_TEST_Alpha']['Level'], 7)
        self.assertGreater(times[-1], lost[-1])
        r = c.wait(2)[1]
        self.assertEqual(len(json.loads(body_text(r))['Report']), 1)

    def test_unreadable_reference_left_out(self):
        c = self.collector()
        self.add_profile({'HTTP.URL': c.url, 'ReportingInterval': 1,
                          'JSONEncoding.ReportFormat': 'NameValuePair',
                          'JSONEncoding.ReportTimestamp': 'None'},
                         [(ALPHA + 'Level', ''), ('Device.X_TEST_Nowhere.Thing', ''),
                          (ALPHA + 'Item.', '')])
        r = c.wait(1)[0]
        self.assertEqual(json.loads(body_text(r)), {'Report': [{ALPHA + 'Level': 42}]})

    def test_deleted_profile_stops(self):
        c = self.collector()
        prefix = self.add_profile({'HTTP.URL': c.url, 'ReportingInterval': 1},
                                  [(ALPHA + 'Level', '')])
        c.wait(1)
        self.dm.delete(prefix)
        time.sleep(0.5)
        n = len(c.requests)
        time.sleep(2.2)
        self.assertEqual(len(c.requests), n)


class BulkDataAcsTest(cwmptest.CwmpAgentTestCase):

    def test_profile_set_up_by_the_acs(self):
        c = Collector()
        self.addCleanup(c.close)
        A = cwmptest.acs_module()
        script = A.Script([
            A.add_object(PROFILE),
            A.add_object(PROFILE + '1.Parameter.'),
            A.add_object(PROFILE + '1.Parameter.'),
            A.set_parameter_values([
                (PROFILE + '1.Parameter.1.Reference', ALPHA + 'Level'),
                (PROFILE + '1.Parameter.2.Reference', BETA),
                (PROFILE + '1.Parameter.2.Name', 'Beta'),
                (PROFILE + '1.HTTP.URL', c.url),
                (PROFILE + '1.EncodingType', 'CSV'),
                (PROFILE + '1.ReportingInterval', 'unsignedInt', '1'),
                (PROFILE + '1.Enable', 'boolean', 'true'),
                (BD + 'Enable', 'boolean', 'true'),
            ], key='bulk-1'),
        ])
        self.start_cwmp(first_script=script)
        s = self.acs.sessions[0]
        self.assertEqual([r.method for r in s.responses],
                         ['AddObjectResponse'] * 3 + ['SetParameterValuesResponse'])
        r = c.wait(1)[0]
        table = list(csv.reader(io.StringIO(body_text(r), newline='')))
        self.assertEqual(table[0], ['ReportTimestamp'] + [n for n in [
            ALPHA + 'Level'] + ['Beta.' + n[len(BETA):] for n, t, v in self.dm.gpv([BETA])]])
        self.assertEqual(table[1][1:], [self.dm.value(ALPHA + 'Level')] +
                         [v for n, t, v in self.dm.gpv([BETA])])


if __name__ == '__main__':
    cwmptest.main()
