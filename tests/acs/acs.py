#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A CWMP Auto-Configuration Server for tests and demos (Python 3 standard library only).

As a library (tests):

    server = acs.ACS(version='1.4', auth='digest', user='cpe', password='secret')
    server.start()                      # listens on 127.0.0.1, any free port
    server.queue(acs.Script([acs.get_parameter_values(['Device.DeviceInfo.'])]))
    ...                                 # the CPE opens a session
    session = server.wait_session(0)
    session.inform.events()             # [('0 BOOTSTRAP', ''), ('1 BOOT', '')]
    session.responses[0].values()       # [(name, type, value), ...]
    server.failures                     # every problem seen: invalid SOAP, protocol errors
    server.stop()

As a program (demos): `acs.py --port 0 [--tls CERT KEY] [--auth none|basic|digest --user U
--password P] [--version 1.0|1.4] [--script FILE]` prints its URL and logs every session.

One CWMP session per TCP connection, tracked with a `session` cookie as GenieACS does (a
CPE that comes back on a new connection with the cookie resumes its session). The ACS
answers the Inform with InformResponse (or what the session's Script says: a fault, an
HTTP error, a delay, a closed connection), answers the CPE's own requests, and after the
CPE's empty POST plays the Script's requests one by one, recording each response, then
ends with 204. Every message the CPE sends is validated with xmllint against the Broadband
Forum schema of its namespace, the envelope first, then the body element alone (strict);
a message that does not validate, or that breaks the session protocol, is recorded in
`failures`.
"""

import argparse
import base64
import gzip
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import xml.etree.ElementTree as ET
import zlib
from xml.dom import minidom
from xml.sax.saxutils import escape

SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/'
SOAP_ENC = 'http://schemas.xmlsoap.org/soap/encoding/'
XSD = 'http://www.w3.org/2001/XMLSchema'
XSI = 'http://www.w3.org/2001/XMLSchema-instance'

CWMP_1_0 = 'urn:dslforum-org:cwmp-1-0'
CWMP_1_1 = 'urn:dslforum-org:cwmp-1-1'
CWMP_1_2 = 'urn:dslforum-org:cwmp-1-2'

# CWMP 1.3 and 1.4 keep the cwmp-1-2 namespace.
VERSION_NAMESPACE = {'1.0': CWMP_1_0, '1.1': CWMP_1_1, '1.2': CWMP_1_2, '1.3': CWMP_1_2,
                     '1.4': CWMP_1_2}
NAMESPACE_VERSION = {CWMP_1_0: '1.0', CWMP_1_1: '1.1', CWMP_1_2: '1.2'}
# The schema that declares each namespace's messages (cwmp-1-4.xsd extends cwmp-1-2).
NAMESPACE_SCHEMA = {CWMP_1_0: 'cwmp-1-0.xsd', CWMP_1_1: 'cwmp-1-1.xsd', CWMP_1_2: 'cwmp-1-4.xsd'}
VERSIONS = ('1.0', '1.1', '1.2', '1.3', '1.4')

SHARED_DIR = os.environ.get('CWMP_SHARED_DIR') or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'shared'))
SCHEMA_DIR = os.path.join(SHARED_DIR, 'bbf', 'schemas')

# Requests a CPE may send (TR-069 A.3.3, A.4.2), with the ACS's answer.
CPE_REQUESTS = ('Inform', 'TransferComplete', 'AutonomousTransferComplete', 'GetRPCMethods',
                'RequestDownload', 'Kicked', 'DUStateChangeComplete',
                'AutonomousDUStateChangeComplete')
ACS_METHODS = ('Inform', 'GetRPCMethods', 'TransferComplete', 'AutonomousTransferComplete',
               'RequestDownload', 'DUStateChangeComplete', 'AutonomousDUStateChangeComplete')

REALM = 'cwmp-test-acs'
MAX_BODY = 8 * 1024 * 1024


def _vtuple(v):
    return tuple(int(x) for x in v.split('.'))


def local(tag):
    """'{ns}Name' -> 'Name'."""
    return tag.rsplit('}', 1)[-1]


def namespace(tag):
    return tag[1:].split('}', 1)[0] if tag.startswith('{') else ''


# ---------------------------------------------------------------------------------------
# Validation with the Broadband Forum schemas


class Validator:
    """xmllint --nonet --schema on the envelope, then on the body element alone and on
    each cwmp header element alone: the envelope's Header and Body are
    processContents="lax", so an element the schema does not declare would pass unseen."""

    def __init__(self, schema_dir=None):
        self.schema_dir = schema_dir or SCHEMA_DIR
        self.catalog = os.path.join(self.schema_dir, 'catalog-local.xml')

    def available(self):
        return os.path.exists(os.path.join(self.schema_dir, 'cwmp-1-4.xsd'))

    @staticmethod
    def parts(text):
        """The first element of soap-env:Body, then every header element in a cwmp
        namespace, each as its own document with every namespace declaration in scope
        copied onto it (so xsi:type="xsd:string" still resolves)."""
        doc = minidom.parseString(text)

        def section(name):
            return [e for e in doc.documentElement.childNodes
                    if e.nodeType == e.ELEMENT_NODE and e.namespaceURI == SOAP_ENV and
                    e.localName == name]
        body = section('Body')
        if not body:
            raise ValueError('no soap-env:Body')
        kids = [e for e in body[0].childNodes if e.nodeType == e.ELEMENT_NODE]
        if not kids:
            raise ValueError('empty soap-env:Body')
        out = [Validator._standalone(kids[0])]
        for header in section('Header'):
            for h in header.childNodes:
                if h.nodeType == h.ELEMENT_NODE and h.namespaceURI in NAMESPACE_SCHEMA:
                    out.append(Validator._standalone(h))
        return out

    @staticmethod
    def _standalone(el):
        n = el.parentNode
        while n is not None and n.nodeType == n.ELEMENT_NODE:
            for i in range(n.attributes.length):
                a = n.attributes.item(i)
                if (a.name == 'xmlns' or a.name.startswith('xmlns:')) and \
                        not el.hasAttribute(a.name):
                    el.setAttribute(a.name, a.value)
            n = n.parentNode
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + el.toxml()

    def validate(self, data, ns):
        """None if `data` (bytes) validates against the schema of namespace `ns`, else the
        reason."""
        schema = NAMESPACE_SCHEMA.get(ns)
        if schema is None:
            return 'cwmp namespace %r is not one of %s' % (ns, ', '.join(NAMESPACE_SCHEMA))
        try:
            parts = self.parts(data)
        except Exception as e:
            return 'cannot extract the body element: %s' % e
        with tempfile.TemporaryDirectory(prefix='acs-validate-') as tmp:
            paths = [os.path.join(tmp, 'envelope.xml')]
            with open(paths[0], 'wb') as f:
                f.write(data)
            for i, part in enumerate(parts):
                paths.append(os.path.join(tmp, 'body.xml' if i == 0 else 'header-%d.xml' % i))
                with open(paths[-1], 'w', encoding='utf-8') as f:
                    f.write(part)
            env = dict(os.environ, XML_CATALOG_FILES=self.catalog)
            r = subprocess.run(['xmllint', '--nonet', '--noout', '--schema',
                                os.path.join(self.schema_dir, schema)] + paths,
                               capture_output=True, text=True, env=env, timeout=60)
        if r.returncode == 0:
            return None
        return 'xmllint (%s) exit %d: %s' % (schema, r.returncode, r.stderr.strip())


# ---------------------------------------------------------------------------------------
# Messages from the CPE


class Message:
    """A SOAP message as received: envelope parsed by namespace URI, helpers for each RPC's
    content. `valid` is None until validated, then True or False (`invalid_reason`)."""

    def __init__(self, data, http_headers=None, when=None):
        self.data = data
        self.xml = data.decode('utf-8', errors='replace')
        self.http_headers = dict(http_headers or {})
        self.time = when or time.monotonic()
        self.wall_time = time.time()
        self.valid = None
        self.invalid_reason = None
        self.parse_error = None
        self.ns = None
        self.version = None
        self.header = {}
        self.header_attrs = {}
        self.element = None
        self.method = None
        self.id = None
        self.prefixes = {}
        try:
            self._parse()
        except ET.ParseError as e:
            self.parse_error = 'not well-formed XML: %s' % e
        except ValueError as e:
            self.parse_error = str(e)

    def _parse(self):
        # Every prefix declared in the document, to resolve xsi:type QNames.
        for event, item in ET.iterparse(_BytesReader(self.data), events=('start-ns',)):
            prefix, uri = item
            self.prefixes.setdefault(prefix, uri)
        root = ET.fromstring(self.data)
        if root.tag != '{%s}Envelope' % SOAP_ENV:
            raise ValueError('root element is %s, not soap-env:Envelope' % root.tag)
        header = root.find('{%s}Header' % SOAP_ENV)
        body = root.find('{%s}Body' % SOAP_ENV)
        if body is None:
            raise ValueError('no soap-env:Body')
        if header is not None:
            for h in header:
                self.header[local(h.tag)] = (h.text or '').strip()
                self.header_attrs[local(h.tag)] = dict(h.attrib)
                if namespace(h.tag) in NAMESPACE_VERSION:
                    self.ns = self.ns or namespace(h.tag)
        kids = list(body)
        if not kids:
            raise ValueError('empty soap-env:Body')
        self.element = kids[0]
        if self.element.tag == '{%s}Fault' % SOAP_ENV:
            self.method = 'Fault'
            detail = self.element.find('detail')
            fault = None
            if detail is not None:
                for c in detail:
                    if local(c.tag) == 'Fault':
                        fault = c
                        if namespace(c.tag) in NAMESPACE_VERSION:
                            self.ns = namespace(c.tag)
            self.fault_element = fault
        else:
            self.method = local(self.element.tag)
            self.ns = namespace(self.element.tag)
        self.version = NAMESPACE_VERSION.get(self.ns)
        self.id = self.header.get('ID')

    # -- general ------------------------------------------------------------------------

    @property
    def ok(self):
        return self.parse_error is None

    def __repr__(self):
        return '<Message %s id=%s%s>' % (self.method, self.id,
                                          ' fault %s' % self.fault_code if self.is_fault else '')

    def child(self, name, parent=None):
        parent = self.element if parent is None else parent
        for c in parent:
            if c.tag == name:
                return c
        return None

    def text(self, name, parent=None):
        c = self.child(name, parent)
        return None if c is None else (c.text or '')

    def xsi_type(self, el):
        """The local type name of xsi:type ('unsignedInt'), or None; a prefix that does not
        map to the XML Schema namespace gives '?prefix:name'."""
        t = el.get('{%s}type' % XSI)
        if t is None:
            return None
        if ':' in t:
            prefix, name = t.split(':', 1)
            if self.prefixes.get(prefix) != XSD:
                return '?' + t
            return name
        return '?' + t

    def transfers(self):
        """The TransferList of a (All)QueuedTransfers response: [{field: text}]."""
        lst = self.child('TransferList')
        return [] if lst is None else [{c.tag: c.text or '' for c in t} for t in lst]

    def array_problems(self):
        """Every soap-enc:arrayType whose count is not the number of items."""
        problems = []
        if self.element is None:
            return problems
        for el in self.element.iter():
            at = el.get('{%s}arrayType' % SOAP_ENC)
            if at is None:
                continue
            m = re.match(r'^.+\[(\d+)\]$', at)
            count = len(list(el))
            if not m:
                problems.append('%s: arrayType %r has no count' % (local(el.tag), at))
            elif int(m.group(1)) != count:
                problems.append('%s: arrayType %r but %d items' % (local(el.tag), at, count))
        return problems

    # -- faults -------------------------------------------------------------------------

    @property
    def is_fault(self):
        return self.method == 'Fault'

    @property
    def fault_code(self):
        if not self.is_fault or self.fault_element is None:
            return None
        c = self.text('FaultCode', self.fault_element)
        return int(c) if c and c.strip().isdigit() else c

    @property
    def fault_string(self):
        if not self.is_fault or self.fault_element is None:
            return None
        return self.text('FaultString', self.fault_element)

    @property
    def soap_faultcode(self):
        return self.text('faultcode') if self.is_fault else None

    def spv_faults(self):
        """{ParameterName: FaultCode} of the SetParameterValuesFault entries."""
        out = {}
        if not self.is_fault or self.fault_element is None:
            return out
        for c in self.fault_element:
            if c.tag == 'SetParameterValuesFault':
                code = self.text('FaultCode', c)
                out[self.text('ParameterName', c)] = int(code) if code.isdigit() else code
        return out

    # -- RPC content --------------------------------------------------------------------

    def values(self):
        """ParameterList of an Inform, GetParameterValuesResponse: [(name, type, value)]."""
        pl = self.child('ParameterList')
        if pl is None:
            return []
        out = []
        for s in pl:
            v = self.child('Value', s)
            out.append((self.text('Name', s), None if v is None else self.xsi_type(v),
                        None if v is None else (v.text or '')))
        return out

    def value_map(self):
        return {n: v for n, t, v in self.values()}

    def infos(self):
        """GetParameterNamesResponse: [(name, writable)]."""
        pl = self.child('ParameterList')
        return [(self.text('Name', s), parse_bool(self.text('Writable', s)))
                for s in (pl if pl is not None else [])]

    def attributes(self):
        """GetParameterAttributesResponse: [(name, notification, [access list])]."""
        pl = self.child('ParameterList')
        out = []
        for s in (pl if pl is not None else []):
            acl = self.child('AccessList', s)
            out.append((self.text('Name', s), int(self.text('Notification', s) or -1),
                        [(x.text or '') for x in acl] if acl is not None else None))
        return out

    def events(self):
        """Inform: [(EventCode, CommandKey)]."""
        ev = self.child('Event')
        return [(self.text('EventCode', s), self.text('CommandKey', s))
                for s in (ev if ev is not None else [])]

    def event_codes(self):
        return [c for c, _ in self.events()]

    def device_id(self):
        d = self.child('DeviceId')
        return {local(c.tag): (c.text or '') for c in d} if d is not None else {}

    def strings(self, name):
        """An array of strings (MethodList, ParameterNames) as a list."""
        a = self.child(name)
        return [(s.text or '') for s in a] if a is not None else None

    @property
    def retry_count(self):
        t = self.text('RetryCount')
        return int(t) if t is not None and t.isdigit() else t

    def int_field(self, name):
        t = self.text(name)
        return int(t) if t is not None and re.match(r'^-?\d+$', t) else t


class _BytesReader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def read(self, n=-1):
        if n < 0:
            n = len(self.data) - self.pos
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk


def parse_bool(s):
    if s is None:
        return None
    s = s.strip()
    if s in ('1', 'true'):
        return True
    if s in ('0', 'false'):
        return False
    return s


# ---------------------------------------------------------------------------------------
# Requests of the ACS (TR-069 Annex A), built as body elements with the `cwmp:` prefix


class Rpc:
    """One ACS request: the method element (text, using the prefixes cwmp, soap-enc, xsd
    and xsi) or a whole raw envelope. After it was played, `response` is the CPE's answer
    (a Message) and `sent_id` the cwmp:ID it carried."""

    def __init__(self, method, body=None, raw_envelope=None, hold_requests=None,
                 check_id=True, validate=True, headers=None):
        self.method = method
        self.body = body
        self.raw_envelope = raw_envelope
        self.hold_requests = hold_requests  # None: the Script's setting
        self.check_id = check_id and raw_envelope is None
        self.validate = validate and raw_envelope is None
        self.extra_headers = headers or ''
        self.response = None
        self.sent_id = None
        self.sent_text = None
        self.sent_at = None

    def unchecked(self):
        """Marks a request that breaks the schema on purpose (bad argument tests)."""
        self.validate = False
        return self

    def copy(self):
        return Rpc(self.method, self.body, self.raw_envelope, self.hold_requests,
                   self.check_id, self.validate, self.extra_headers)

    @property
    def expected_response(self):
        return self.method + 'Response'

    def __repr__(self):
        return '<Rpc %s>' % self.method


def _xsd_type(t):
    if t is None:
        return 'xsd:string'
    return t if ':' in t else 'xsd:' + t


def _strings(tag, items, item_tag='string'):
    items = list(items)
    return '<%s soap-enc:arrayType="xsd:string[%d]">%s</%s>' % (
        tag, len(items), ''.join('<%s>%s</%s>' % (item_tag, escape(s), item_tag)
                                 for s in items), tag)


def _bool(v):
    if isinstance(v, str):
        return v
    return '1' if v else '0'


def _element(method, inner=''):
    return '<cwmp:%s>%s</cwmp:%s>' % (method, inner, method) if inner else \
        '<cwmp:%s/>' % method


def raw(method, body, **kw):
    """Any body element as text, e.g. raw('X_Frob', '<cwmp:X_Frob><A>1</A></cwmp:X_Frob>')."""
    return Rpc(method, body, **kw)


def raw_envelope(text, method='Raw', **kw):
    """A whole message sent as is (malformed XML, foreign namespaces ...)."""
    return Rpc(method, raw_envelope=text, **kw)


def get_rpc_methods():
    return Rpc('GetRPCMethods', _element('GetRPCMethods'))


def get_parameter_values(names):
    if isinstance(names, str):
        names = [names]
    return Rpc('GetParameterValues',
               _element('GetParameterValues', _strings('ParameterNames', names)))


def set_parameter_values(values, key=''):
    """values: [(name, type, value)] (type 'unsignedInt' or 'xsd:unsignedInt'; None =
    string) or [(name, value)] (strings) or {name: value}."""
    if isinstance(values, dict):
        values = list(values.items())
    items = []
    for v in values:
        if len(v) == 2:
            name, typ, value = v[0], None, v[1]
        else:
            name, typ, value = v
        if isinstance(value, bool):
            value = 'true' if value else 'false'
        items.append('<ParameterValueStruct><Name>%s</Name><Value xsi:type="%s">%s</Value>'
                     '</ParameterValueStruct>' % (escape(name), _xsd_type(typ),
                                                  escape(str(value))))
    inner = ('<ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[%d]">%s'
             '</ParameterList><ParameterKey>%s</ParameterKey>' % (len(items), ''.join(items),
                                                                  escape(key)))
    return Rpc('SetParameterValues', _element('SetParameterValues', inner))


def get_parameter_names(path, next_level):
    inner = '<ParameterPath>%s</ParameterPath><NextLevel>%s</NextLevel>' % (
        escape(path), _bool(next_level))
    return Rpc('GetParameterNames', _element('GetParameterNames', inner))


def set_parameter_attributes(attrs):
    """attrs: [(name, notification_change, notification, access_list_change, [acl])]."""
    items = []
    for name, nc, notif, ac, acl in attrs:
        items.append('<SetParameterAttributesStruct><Name>%s</Name>'
                     '<NotificationChange>%s</NotificationChange>'
                     '<Notification>%d</Notification>'
                     '<AccessListChange>%s</AccessListChange>%s'
                     '</SetParameterAttributesStruct>' % (
                         escape(name), _bool(nc), notif, _bool(ac),
                         _strings('AccessList', acl)))
    inner = '<ParameterList soap-enc:arrayType="cwmp:SetParameterAttributesStruct[%d]">' \
        '%s</ParameterList>' % (len(items), ''.join(items))
    return Rpc('SetParameterAttributes', _element('SetParameterAttributes', inner))


def get_parameter_attributes(names):
    if isinstance(names, str):
        names = [names]
    return Rpc('GetParameterAttributes',
               _element('GetParameterAttributes', _strings('ParameterNames', names)))


def add_object(name, key=''):
    return Rpc('AddObject', _element('AddObject', '<ObjectName>%s</ObjectName>'
                                     '<ParameterKey>%s</ParameterKey>' % (escape(name),
                                                                          escape(key))))


def delete_object(name, key=''):
    return Rpc('DeleteObject', _element('DeleteObject', '<ObjectName>%s</ObjectName>'
                                        '<ParameterKey>%s</ParameterKey>' % (escape(name),
                                                                             escape(key))))


def reboot(command_key=''):
    return Rpc('Reboot', _element('Reboot', '<CommandKey>%s</CommandKey>' %
                                  escape(command_key)))


def factory_reset():
    return Rpc('FactoryReset', _element('FactoryReset'))


def schedule_inform(delay_seconds, command_key=''):
    return Rpc('ScheduleInform', _element(
        'ScheduleInform', '<DelaySeconds>%d</DelaySeconds><CommandKey>%s</CommandKey>' % (
            delay_seconds, escape(command_key))))


def download(command_key, file_type, url, username='', password='', file_size=0,
             target_file_name='', delay_seconds=0, success_url='', failure_url=''):
    inner = ('<CommandKey>%s</CommandKey><FileType>%s</FileType><URL>%s</URL>'
             '<Username>%s</Username><Password>%s</Password><FileSize>%d</FileSize>'
             '<TargetFileName>%s</TargetFileName><DelaySeconds>%d</DelaySeconds>'
             '<SuccessURL>%s</SuccessURL><FailureURL>%s</FailureURL>') % (
                 escape(command_key), escape(file_type), escape(url), escape(username),
                 escape(password), file_size, escape(target_file_name), delay_seconds,
                 escape(success_url), escape(failure_url))
    return Rpc('Download', _element('Download', inner))


def upload(command_key, file_type, url, username='', password='', delay_seconds=0):
    inner = ('<CommandKey>%s</CommandKey><FileType>%s</FileType><URL>%s</URL>'
             '<Username>%s</Username><Password>%s</Password>'
             '<DelaySeconds>%d</DelaySeconds>') % (
                 escape(command_key), escape(file_type), escape(url), escape(username),
                 escape(password), delay_seconds)
    return Rpc('Upload', _element('Upload', inner))


def schedule_download(command_key, file_type, url, windows, username='', password='',
                      file_size=0, target_file_name=''):
    """windows: [(start, end, mode, user_message, max_retries)]."""
    tw = ''.join('<TimeWindowStruct><WindowStart>%d</WindowStart><WindowEnd>%d</WindowEnd>'
                 '<WindowMode>%s</WindowMode><UserMessage>%s</UserMessage>'
                 '<MaxRetries>%d</MaxRetries></TimeWindowStruct>' % (
                     s, e, escape(m), escape(u), r) for s, e, m, u, r in windows)
    inner = ('<CommandKey>%s</CommandKey><FileType>%s</FileType><URL>%s</URL>'
             '<Username>%s</Username><Password>%s</Password><FileSize>%d</FileSize>'
             '<TargetFileName>%s</TargetFileName>'
             '<TimeWindowList soap-enc:arrayType="cwmp:TimeWindowStruct[%d]">%s'
             '</TimeWindowList>') % (escape(command_key), escape(file_type), escape(url),
                                     escape(username), escape(password), file_size,
                                     escape(target_file_name), len(windows), tw)
    return Rpc('ScheduleDownload', _element('ScheduleDownload', inner))


def cancel_transfer(command_key):
    return Rpc('CancelTransfer', _element('CancelTransfer', '<CommandKey>%s</CommandKey>' %
                                          escape(command_key)))


def get_queued_transfers():
    return Rpc('GetQueuedTransfers', _element('GetQueuedTransfers'))


def get_all_queued_transfers():
    return Rpc('GetAllQueuedTransfers', _element('GetAllQueuedTransfers'))


def change_du_state(operations, command_key=''):
    """operations: [(kind, {field: value})], kind Install, Update or Uninstall."""
    ops = ''.join('<Operations xsi:type="cwmp:%sOpStruct">%s</Operations>' % (
        kind, ''.join('<%s>%s</%s>' % (k, escape(v), k) for k, v in fields.items()))
        for kind, fields in operations)
    return Rpc('ChangeDUState', _element('ChangeDUState', ops + '<CommandKey>%s</CommandKey>'
                                         % escape(command_key)))


def set_vouchers(vouchers):
    return Rpc('SetVouchers', _element('SetVouchers', '<VoucherList soap-enc:arrayType='
                                       '"xsd:base64[%d]">%s</VoucherList>' % (
                                           len(vouchers), ''.join('<base64>%s</base64>' % v
                                                                  for v in vouchers))))


def get_options(option_name):
    return Rpc('GetOptions', _element('GetOptions', '<OptionName>%s</OptionName>' %
                                      escape(option_name)))


BUILDERS = {
    'GetRPCMethods': get_rpc_methods, 'GetParameterValues': get_parameter_values,
    'SetParameterValues': set_parameter_values, 'GetParameterNames': get_parameter_names,
    'SetParameterAttributes': set_parameter_attributes,
    'GetParameterAttributes': get_parameter_attributes, 'AddObject': add_object,
    'DeleteObject': delete_object, 'Reboot': reboot, 'FactoryReset': factory_reset,
    'ScheduleInform': schedule_inform, 'Download': download, 'Upload': upload,
    'ScheduleDownload': schedule_download, 'CancelTransfer': cancel_transfer,
    'GetQueuedTransfers': get_queued_transfers,
    'GetAllQueuedTransfers': get_all_queued_transfers, 'ChangeDUState': change_du_state,
    'SetVouchers': set_vouchers, 'GetOptions': get_options,
}


# ---------------------------------------------------------------------------------------
# Scripts: what the ACS does in one session


class Pause:
    """A point where the ACS stops until the test releases it. In a Script's request list
    it waits before the next message (as the last item: before the final 204); as
    Script(inform_pause=...) before answering the Inform. `reached` is set on arrival."""

    def __init__(self, name='pause', timeout=120):
        self.name = name
        self.timeout = timeout
        self.reached = threading.Event()
        self.released = threading.Event()
        self.session = None

    def wait_reached(self, timeout=30):
        if not self.reached.wait(timeout):
            raise AssertionError('the ACS did not reach %s within %.1f s' % (self.name, timeout))
        return self.session

    def release(self):
        self.released.set()

    def _arrive(self, session):
        self.session = session
        session.log('pause %s reached' % self.name)
        self.reached.set()
        if not self.released.wait(self.timeout):
            session.log('pause %s never released' % self.name)
        session.log('pause %s released' % self.name)


class Delay:
    """Waits `seconds` before the next message."""

    def __init__(self, seconds):
        self.seconds = seconds


class Close:
    """Closes the TCP connection instead of sending the next message."""


class Script:
    """What the ACS does in one session.

    rpcs          requests played after the CPE's empty POST: Rpc, Pause, Delay, Close, or a
                  callable(session) returning an Rpc, a list of them or None
    version       the ACS's CWMP version for this session (default: the ACS's)
    hold_requests cwmp:HoldRequests=true on the InformResponse and every request
    inform_fault  answer the Inform with this ACS fault code (8005 ...) in a SOAP Fault,
                  inform_fault_status its HTTP status (SOAP 1.1 says 500)
    inform_status answer the Inform with this bare HTTP status (401, 500, 503 ...)
    inform_close  close the connection instead of answering the Inform
    inform_delay  seconds to wait before answering the Inform
    inform_pause  a Pause before answering the Inform
    delay         seconds to wait before every answer of the session
    end_status    204 (the standard), or 200 with an empty body (tolerated by CPEs)
    close_on_end  "Connection: close" on the final answer, as GenieACS does
    cpe_request_faults  {method: ACS fault code}: answer those CPE requests with the fault
                  (GenieACS answers AutonomousTransferComplete with 8000),
                  cpe_request_fault_status its HTTP status (SOAP 1.1 says 500)
    """

    def __init__(self, rpcs=(), version=None, hold_requests=False, inform_fault=None,
                 inform_fault_status=500, inform_status=None, inform_close=False,
                 inform_delay=0, inform_pause=None, delay=0, end_status=204,
                 close_on_end=False, name=None, cpe_request_faults=None,
                 cpe_request_fault_status=500):
        self.rpcs = list(rpcs)
        self.version = version
        self.hold_requests = hold_requests
        self.inform_fault = inform_fault
        self.inform_fault_status = inform_fault_status
        self.inform_status = inform_status
        self.inform_close = inform_close
        self.inform_delay = inform_delay
        self.inform_pause = inform_pause
        self.delay = delay
        self.end_status = end_status
        self.close_on_end = close_on_end
        self.name = name
        self.cpe_request_faults = dict(cpe_request_faults or {})
        self.cpe_request_fault_status = cpe_request_fault_status

    @property
    def fails_inform(self):
        return bool(self.inform_fault or self.inform_status or self.inform_close)


# ---------------------------------------------------------------------------------------
# Sessions


class Exchange:
    def __init__(self, rpc):
        self.rpc = rpc
        self.response = None


class Session:
    """One CWMP session as the ACS saw it."""

    def __init__(self, acs, index, script, peer):
        self.acs = acs
        self.index = index
        self.script = script
        self.peer = peer
        self.cookie = secrets.token_hex(8)
        self.started = time.monotonic()
        self.started_wall = time.time()
        self.inform = None
        self.version = None  # negotiated: '1.0' ... '1.4'
        self.ns = None
        self.use_version = None  # what UseCWMPVersion said, if sent
        self.state = 'inform'  # inform, cpe_requests, acs_requests, ended, failed
        self.outcome = None  # 'ok' or why the session failed
        self.exchanges = []
        self.cpe_requests = []  # Messages: the CPE's own requests (TransferComplete ...)
        self.messages = []  # (time, direction, text): everything in and out
        self.cookie_missing = []  # message numbers (after the first) that lacked our cookie
        self.posts = 0
        self.empty_posts = 0
        self.connections = 0
        self.hold = False
        self.outstanding = None  # the Exchange awaiting the CPE's response
        self.queue = list(script.rpcs)
        self.ended_at = None
        self.done = threading.Event()
        self.cpe_closed = threading.Event()  # the CPE closed the TCP connection
        self.cpe_closed_at = None
        self.authenticated = False
        self.tls_peer_cert = None
        self.detached_state = None  # the state before the CPE closed mid-session
        self.abandoned = False  # the ACS closed the connection and forgot the session
        self.connection = None  # the Connection the session goes on at present
        self.refused_after_close = 0

    # -- results ------------------------------------------------------------------------

    @property
    def ok(self):
        return self.outcome == 'ok'

    @property
    def responses(self):
        return [e.response for e in self.exchanges]

    def response(self, method):
        """The response to the first played request of `method`."""
        for e in self.exchanges:
            if e.rpc.method == method:
                return e.response
        raise KeyError('no %s was played in session %d' % (method, self.index))

    @property
    def events(self):
        return self.inform.events() if self.inform is not None else []

    @property
    def event_codes(self):
        return [c for c, _ in self.events]

    @property
    def params(self):
        return self.inform.value_map() if self.inform is not None else {}

    def __repr__(self):
        return '<Session %d %s events=%r outcome=%s>' % (self.index, self.state,
                                                         self.event_codes, self.outcome)

    def log(self, text):
        self.acs.log('[session %d] %s' % (self.index, text))

    def record(self, direction, text):
        self.messages.append((time.monotonic(), direction, text))
        self.log('%s\n%s' % (direction, text) if text else direction)


# ---------------------------------------------------------------------------------------
# HTTP on one connection


class HttpRequest:
    def __init__(self, method, target, version, headers, body):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers  # {lower-case name: value}
        self.body = body

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)


class BadRequest(Exception):
    pass


def read_http_request(f, write):
    """One request from the file `f`; None at end of stream. Answers Expect: 100-continue
    through `write`."""
    line = f.readline(65537)
    while line in (b'\r\n', b'\n'):
        line = f.readline(65537)
    if not line:
        return None
    try:
        method, target, version = line.decode('latin-1').rstrip('\r\n').split(' ', 2)
    except ValueError:
        raise BadRequest('bad request line %r' % line)
    headers = {}
    while True:
        h = f.readline(65537)
        if not h:
            raise BadRequest('end of stream in the headers')
        if h in (b'\r\n', b'\n'):
            break
        if b':' not in h:
            raise BadRequest('bad header line %r' % h)
        name, value = h.decode('latin-1').split(':', 1)
        name = name.strip().lower()
        value = value.strip()
        if name in headers:
            value = headers[name] + ('; ' if name == 'cookie' else ', ') + value
        headers[name] = value
    if headers.get('expect', '').lower() == '100-continue':
        write(b'HTTP/1.1 100 Continue\r\n\r\n')
    body = b''
    if 'chunked' in headers.get('transfer-encoding', '').lower():
        while True:
            size_line = f.readline(1024)
            if not size_line:
                raise BadRequest('end of stream in a chunk size')
            size = int(size_line.split(b';')[0].strip() or b'0', 16)
            if size == 0:
                while f.readline(65537) not in (b'\r\n', b'\n', b''):
                    pass
                break
            body += f.read(size)
            f.readline(3)
            if len(body) > MAX_BODY:
                raise BadRequest('body too large')
    elif 'content-length' in headers:
        n = int(headers['content-length'])
        if n > MAX_BODY:
            raise BadRequest('body too large')
        body = f.read(n)
        if len(body) != n:
            raise BadRequest('end of stream in the body')
    enc = headers.get('content-encoding', '').lower()
    if enc == 'gzip':
        body = gzip.decompress(body)
    elif enc == 'deflate':
        body = zlib.decompress(body)
    return HttpRequest(method, target, version, headers, body)


def parse_auth_params(s):
    return {k.lower(): v[1:-1].replace('\\"', '"') if v.startswith('"') else v
            for k, v in re.findall(r'([\w-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)', s)}


def md5hex(s):
    return hashlib.md5(s.encode()).hexdigest()


class Connection:
    """One TCP (or TLS) connection from the CPE, served by its own thread."""

    def __init__(self, acs, sock, peer):
        self.acs = acs
        self.sock = sock
        self.peer = peer
        self.session = None
        self.requests = 0
        self.opened = time.monotonic()
        self.closed_at = None
        self.tls_error = None

    def write(self, data):
        self.sock.sendall(data)

    def respond(self, status, body=b'', headers=(), reason=None):
        reasons = {200: 'OK', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized',
                   403: 'Forbidden', 405: 'Method Not Allowed', 500: 'Internal Server Error',
                   503: 'Service Unavailable'}
        lines = ['HTTP/1.1 %d %s' % (status, reason or reasons.get(status, 'Status'))]
        lines += ['%s: %s' % h for h in headers]
        if body:
            lines.append('Content-Type: text/xml; charset="utf-8"')
        if status != 204:
            lines.append('Content-Length: %d' % len(body))
        lines.append('Server: cwmp-test-acs')
        self.write(('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + body)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass

    def serve(self):
        acs = self.acs
        try:
            if acs.tls_context is not None:
                self.sock.settimeout(acs.io_timeout)
                try:
                    self.sock = acs.tls_context.wrap_socket(self.sock, server_side=True)
                except (ssl.SSLError, OSError) as e:
                    self.tls_error = str(e)
                    acs.log('TLS handshake with %s:%d failed: %s' % (self.peer + (e,)))
                    with acs.lock:
                        acs.tls_errors.append(str(e))
                        acs.changed.notify_all()
                    return
            self.sock.settimeout(acs.io_timeout)
            f = self.sock.makefile('rb')
            while not acs.stopping:
                try:
                    req = read_http_request(f, self.write)
                except BadRequest as e:
                    acs.failure('connection %s:%d: malformed HTTP request: %s' % (
                        self.peer + (e,)))
                    self.respond(400, headers=[('Connection', 'close')])
                    break
                except (socket.timeout, TimeoutError):
                    acs.log('connection %s:%d idle for %d s, closing' % (self.peer +
                                                                         (acs.io_timeout,)))
                    break
                if req is None:
                    break
                self.requests += 1
                with acs.lock:
                    acs.http_requests += 1
                if acs.handle(self, req) == 'close':
                    break
        except (ConnectionError, OSError, ssl.SSLError) as e:
            if not acs.stopping:
                acs.log('connection %s:%d: %s' % (self.peer + (e,)))
        except Exception:
            acs.failure('ACS error: %s' % traceback.format_exc())
        finally:
            self.closed_at = time.monotonic()
            self.close()
            s = self.session
            # A session that already goes on over a newer connection (a CPE opening one per
            # request) is not affected by an older one closing.
            if s is not None and s.connection is self:
                with acs.lock:
                    if s.state not in ('ended', 'failed'):
                        # Over, unless the CPE comes back with the cookie.
                        s.detached_state = s.state
                        s.state = 'failed'
                        s.outcome = 'connection closed before the session ended'
                        s.log('connection closed mid-session')
                    if not s.cpe_closed.is_set():
                        s.cpe_closed_at = time.monotonic()
                        s.cpe_closed.set()
                    s.done.set()
                    acs.changed.notify_all()
            with acs.lock:
                if self in acs.open_connections:
                    acs.open_connections.remove(self)


# ---------------------------------------------------------------------------------------
# The server


class ACS:
    """The test ACS. Options:

    address, port     where to listen (port 0: any free port)
    path              the URL path ('/acs')
    version           the highest CWMP version the ACS speaks: '1.0' ... '1.4'
    auth              'none', 'basic' or 'digest' (MD5, qop=auth); user, password
    tls               (certfile, keyfile): HTTPS; client_ca: require a client certificate
    validate          validate every CPE message with the BBF schemas (default True)
    log_path          a file for the session log; log_stream: also write it there
    default_script    the Script of sessions when nothing was queued
    """

    def __init__(self, address='127.0.0.1', port=0, path='/acs', version='1.4', auth='none',
                 user='', password='', tls=None, client_ca=None, validate=True,
                 log_path=None, log_stream=None, default_script=None, io_timeout=60):
        if version not in VERSIONS:
            raise ValueError('version must be one of %s' % ', '.join(VERSIONS))
        if auth not in ('none', 'basic', 'digest'):
            raise ValueError('auth must be none, basic or digest')
        self.address = address
        self.port = port
        self.path = path
        self.version = version
        self.auth = auth
        self.user = user
        self.password = password
        self.tls = tls
        self.client_ca = client_ca
        self.validator = Validator() if validate else None
        self.log_path = log_path
        self.log_stream = log_stream
        self.default_script = default_script or Script()
        self.io_timeout = io_timeout
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.scripts = []
        self.sessions = []
        self.failures = []
        self.tls_errors = []
        self.unauthorized = []  # (time, reason) of requests answered 401
        self.http_requests = 0
        self.connections = []
        self.open_connections = []
        self.nonces = {}  # nonce -> highest nc seen
        self.stopping = False
        self.listener = None
        self.thread = None
        self.tls_context = None
        self._log_file = None

    # -- life cycle ---------------------------------------------------------------------

    @property
    def url(self):
        host = self.address if ':' not in self.address else '[%s]' % self.address
        return '%s://%s:%d%s' % ('https' if self.tls else 'http', host, self.port, self.path)

    def start(self):
        if self.validator is not None and not self.validator.available():
            raise RuntimeError('the BBF schemas are not in %s (set CWMP_SHARED_DIR)' %
                               self.validator.schema_dir)
        if self.log_path:
            self._log_file = open(self.log_path, 'a', buffering=1)
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*self.tls)
            if self.client_ca:
                ctx.verify_mode = ssl.CERT_REQUIRED
                ctx.load_verify_locations(self.client_ca)
            self.tls_context = ctx
        family = socket.AF_INET6 if ':' in self.address else socket.AF_INET
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((self.address, self.port))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept_loop, name='acs-accept',
                                       daemon=True)
        self.thread.start()
        self.log('ACS listening on %s (CWMP %s, auth %s)' % (self.url, self.version,
                                                             self.auth))
        return self

    def stop(self):
        self.stopping = True
        if self.listener is not None:
            try:
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
            except OSError:
                pass
            try:
                self.listener.close()
            except OSError:
                pass
        with self.lock:
            conns = list(self.open_connections)
            for p in self._all_pauses():
                p.release()
        for c in conns:
            c.close()
        if self.thread is not None:
            self.thread.join(5)
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def _all_pauses(self):
        for s in list(self.scripts) + [s.script for s in self.sessions]:
            if s.inform_pause:
                yield s.inform_pause
            for item in s.rpcs:
                if isinstance(item, Pause):
                    yield item

    def _accept_loop(self):
        while not self.stopping:
            try:
                sock, peer = self.listener.accept()
            except OSError:
                break
            conn = Connection(self, sock, peer[:2])
            with self.lock:
                self.connections.append(conn)
                self.open_connections.append(conn)
                self.changed.notify_all()
            self.log('connection from %s:%d' % conn.peer)
            threading.Thread(target=conn.serve, name='acs-conn', daemon=True).start()

    # -- logging and failures -----------------------------------------------------------

    def log(self, text):
        line = '%s %s\n' % (time.strftime('%H:%M:%S') + '.%03d' % (time.time() % 1 * 1000),
                             text)
        with self.lock:
            # A CPE may still open a session while the test tears the ACS down.
            if self._log_file and not self._log_file.closed:
                self._log_file.write(line)
            if self.log_stream:
                self.log_stream.write(line)
                self.log_stream.flush()

    def failure(self, text):
        with self.lock:
            self.failures.append(text)
            self.changed.notify_all()
        self.log('FAILURE: ' + text)

    # -- scripts and waiting ------------------------------------------------------------

    def queue(self, *scripts):
        """Scripts for the next sessions, in order (Script objects or lists of Rpcs)."""
        with self.lock:
            for s in scripts:
                self.scripts.append(s if isinstance(s, Script) else Script(s))

    def clear_queue(self):
        with self.lock:
            self.scripts = []

    def session_count(self):
        with self.lock:
            return len(self.sessions)

    def wait_for(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                r = predicate()
                if r:
                    return r
                left = deadline - time.monotonic()
                if left <= 0:
                    return r
                self.changed.wait(min(left, 0.1))

    def wait_session(self, index, timeout=30, done=True):
        """Session number `index` (0 = the first), once it is over (or only started, with
        done=False). Raises AssertionError on timeout."""
        def have():
            return len(self.sessions) > index and (not done or
                                                   self.sessions[index].done.is_set())
        if not self.wait_for(have, timeout):
            raise AssertionError('ACS: session %d %s within %.1f s (%d sessions: %r)' % (
                index, 'not over' if len(self.sessions) > index else 'did not start', timeout,
                len(self.sessions), self.sessions))
        return self.sessions[index]

    def next_session(self, timeout=30, done=True):
        """The session after those that exist now."""
        return self.wait_session(self.session_count(), timeout, done)

    def wait_idle(self, timeout=30):
        """Until no session is in progress."""
        ok = self.wait_for(lambda: all(s.done.is_set() for s in self.sessions), timeout)
        if not ok:
            raise AssertionError('ACS: a session is still in progress after %.1f s' % timeout)

    # -- authentication -----------------------------------------------------------------

    def _challenge(self):
        nonce = secrets.token_hex(16)
        with self.lock:
            self.nonces[nonce] = 0
        if self.auth == 'basic':
            return 'Basic realm="%s"' % REALM
        return 'Digest realm="%s", qop="auth", nonce="%s", opaque="%s", algorithm=MD5' % (
            REALM, nonce, secrets.token_hex(8))

    def _check_auth(self, req):
        """None if authenticated, else why not."""
        value = req.header('authorization')
        if not value:
            return 'no Authorization header'
        scheme, _, rest = value.partition(' ')
        if self.auth == 'basic':
            if scheme.lower() != 'basic':
                return 'scheme %s, expected Basic' % scheme
            try:
                user, _, pw = base64.b64decode(rest.strip()).decode().partition(':')
            except Exception:
                return 'undecodable Basic credentials'
            if user != self.user or pw != self.password:
                return 'wrong Basic credentials for %r' % user
            return None
        if scheme.lower() != 'digest':
            return 'scheme %s, expected Digest' % scheme
        p = parse_auth_params(rest)
        for k in ('username', 'realm', 'nonce', 'uri', 'response'):
            if k not in p:
                return 'Digest without %s' % k
        if p['username'] != self.user:
            return 'Digest for user %r' % p['username']
        if p['realm'] != REALM:
            return 'Digest for realm %r' % p['realm']
        if p['uri'] != req.target:
            return 'Digest uri %r is not the request target %r' % (p['uri'], req.target)
        algorithm = p.get('algorithm', 'MD5')
        ha1 = md5hex('%s:%s:%s' % (self.user, REALM, self.password))
        if algorithm.upper() == 'MD5-SESS':
            ha1 = md5hex('%s:%s:%s' % (ha1, p['nonce'], p.get('cnonce', '')))
        elif algorithm.upper() != 'MD5':
            return 'Digest algorithm %s' % algorithm
        ha2 = md5hex('%s:%s' % (req.method, p['uri']))
        if p.get('qop'):
            if p['qop'] != 'auth':
                return 'qop %s' % p['qop']
            expected = md5hex('%s:%s:%s:%s:%s:%s' % (ha1, p['nonce'], p.get('nc', ''),
                                                     p.get('cnonce', ''), 'auth', ha2))
        else:
            expected = md5hex('%s:%s:%s' % (ha1, p['nonce'], ha2))
        if expected != p['response']:
            return 'wrong Digest response'
        with self.lock:
            if p['nonce'] not in self.nonces:
                return 'stale or unknown nonce'
            try:
                nc = int(p.get('nc', '0'), 16)
            except ValueError:
                return 'bad nc'
            if p.get('qop') and nc <= self.nonces[p['nonce']]:
                return 'nonce count %s replayed' % p.get('nc')
            self.nonces[p['nonce']] = nc
        return None

    # -- one HTTP request ---------------------------------------------------------------

    def _session_for(self, conn, req):
        """The session of this request: the connection's, or the one named by the cookie."""
        cookies = req.header('cookie', '')
        named = dict(re.findall(r'(?:^|[;,]\s*)([^=;,\s]+)=([^;,]*)', cookies))
        cookie = named.get('session')
        if conn.session is not None:
            return conn.session, cookie
        if cookie:
            with self.lock:
                for s in self.sessions:
                    if s.cookie == cookie and s.detached_state is not None:
                        s.state, s.detached_state = s.detached_state, None
                        s.outcome = None
                        s.done.clear()
                        s.cpe_closed.clear()
                    if s.cookie == cookie and s.state not in ('ended', 'failed'):
                        s.connections += 1
                        conn.session = s
                        s.connection = conn
                        s.log('resumed on a new connection from %s:%d' % conn.peer)
                        return s, cookie
        return None, cookie

    def handle(self, conn, req):
        """Answers one HTTP request; 'close' to close the connection."""
        if req.method != 'POST':
            self.failure('%s %s: the CPE must use POST' % (req.method, req.target))
            conn.respond(405, headers=[('Allow', 'POST')])
            return None
        session, cookie = self._session_for(conn, req)
        if session is None or not session.authenticated:
            if self.auth != 'none':
                why = self._check_auth(req)
                if why is not None:
                    with self.lock:
                        self.unauthorized.append((time.monotonic(), why))
                        self.changed.notify_all()
                    self.log('401 to %s:%d: %s' % (conn.peer + (why,)))
                    hdrs = [('WWW-Authenticate', self._challenge())]
                    if req.header('authorization'):
                        hdrs.append(('Connection', 'close'))  # wrong credentials: GenieACS
                    conn.respond(401, headers=hdrs)
                    return 'close' if req.header('authorization') else None
        if session is None and cookie:
            with self.lock:
                gone = [s for s in self.sessions if s.cookie == cookie and s.abandoned]
            if gone:
                # The CPE (or its HTTP library) resends on a new connection: like GenieACS
                # after losing a session, refuse it, which fails the session for the CPE.
                s = gone[0]
                with self.lock:
                    s.refused_after_close += 1
                    s.ended_at = time.monotonic()
                    self.changed.notify_all()
                s.log('a message after the ACS closed the session: 400')
                conn.respond(400, headers=[('Connection', 'close')])
                return 'close'
        if session is None:
            return self._new_session(conn, req)
        session.posts += 1
        if cookie != session.cookie:
            session.cookie_missing.append(session.posts)
        return self._continue_session(conn, session, req)

    def _parse(self, session_label, req):
        msg = Message(req.body, req.headers)
        if msg.parse_error:
            self.failure('%s: %s\n%s' % (session_label, msg.parse_error,
                                         msg.xml[:2000]))
            return msg
        if self.validator is not None:
            why = self.validator.validate(req.body, msg.ns)
            msg.valid = why is None
            msg.invalid_reason = why
            if why:
                self.failure('%s: %s does not validate: %s\n%s' % (
                    session_label, msg.method, why, msg.xml))
        for p in msg.array_problems():
            self.failure('%s: %s: %s' % (session_label, msg.method, p))
        return msg

    def _new_session(self, conn, req):
        if not req.body.strip():
            self.failure('connection %s:%d: empty POST without a session' % conn.peer)
            conn.respond(400, headers=[('Connection', 'close')])
            return 'close'
        msg = self._parse('connection %s:%d' % conn.peer, req)
        if msg.method != 'Inform':
            self.failure('connection %s:%d: the first message of a session is %s, not Inform'
                         % (conn.peer + (msg.method,)))
            conn.respond(400, headers=[('Connection', 'close')])
            return 'close'
        with self.lock:
            script = self.scripts.pop(0) if self.scripts else self._default_copy()
            session = Session(self, len(self.sessions), script, conn.peer)
            session.connections = 1
            session.authenticated = True
            session.posts = 1
            if isinstance(conn.sock, ssl.SSLSocket):
                session.tls_peer_cert = conn.sock.getpeercert()
            self.sessions.append(session)
            conn.session = session
            session.connection = conn
            self.changed.notify_all()
        session.inform = msg
        session.record('<- Inform (HTTP %s %s)' % (req.method, req.target), msg.xml)
        session.log('events %r, RetryCount %s' % (msg.events(), msg.retry_count))
        return self._answer_inform(conn, session, msg)

    def _default_copy(self):
        d = self.default_script
        return Script([r.copy() if isinstance(r, Rpc) else r for r in d.rpcs],
                      version=d.version, hold_requests=d.hold_requests,
                      inform_fault=d.inform_fault,
                      inform_fault_status=d.inform_fault_status,
                      inform_status=d.inform_status, inform_close=d.inform_close,
                      inform_delay=d.inform_delay, delay=d.delay, end_status=d.end_status,
                      close_on_end=d.close_on_end)

    def _negotiate(self, session, inform):
        acs_version = session.script.version or self.version
        cpe_ns = inform.ns
        cpe_versions = None
        supported = inform.header.get('SupportedCWMPVersions')
        if supported:
            cpe_versions = [v.strip() for v in supported.split(',') if v.strip()]
        if cpe_versions:
            common = [v for v in cpe_versions if v in VERSIONS and
                      _vtuple(v) <= _vtuple(acs_version)]
            version = max(common, key=_vtuple) if common else None
        else:
            cpe_version = NAMESPACE_VERSION.get(cpe_ns, '1.0')
            if cpe_version == '1.2' and 'SessionTimeout' in inform.header:
                cpe_version = '1.3'
            version = min(acs_version, cpe_version, key=_vtuple)
        if version is None:
            return None, None, None
        ns = VERSION_NAMESPACE[version]
        # Never answer in a namespace above the CPE's.
        if cpe_ns in NAMESPACE_VERSION and _vtuple(NAMESPACE_VERSION[cpe_ns]) < \
                _vtuple(NAMESPACE_VERSION[ns]):
            ns = cpe_ns
        use = version if _vtuple(acs_version) >= (1, 4) and cpe_versions else None
        return version, ns, use

    def _answer_inform(self, conn, session, msg):
        script = session.script
        version, ns, use = self._negotiate(session, msg)
        if version is None:
            session.version, session.ns = self.version, msg.ns
            return self._fail_inform(conn, session, msg, fault=8006, status=500)
        session.version, session.ns, session.use_version = version, ns, use
        if script.inform_pause is not None:
            script.inform_pause._arrive(session)
        if script.inform_delay:
            time.sleep(script.inform_delay)
        if script.delay:
            time.sleep(script.delay)
        if script.inform_close:
            return self._fail_inform(conn, session, msg, close=True)
        if script.inform_status:
            return self._fail_inform(conn, session, msg, status=script.inform_status)
        if script.inform_fault:
            return self._fail_inform(conn, session, msg, fault=script.inform_fault,
                                     status=script.inform_fault_status)
        if msg.id is None:
            self.failure('session %d: the Inform has no cwmp:ID' % session.index)
        session.hold = bool(script.hold_requests)
        headers = []
        if use:
            headers.append('<cwmp:UseCWMPVersion soap-env:mustUnderstand="1">%s'
                           '</cwmp:UseCWMPVersion>' % use)
        text = self.envelope(session, '<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes>'
                             '</cwmp:InformResponse>', msg.id, session.hold, headers)
        with self.lock:
            session.state = 'cpe_requests'
            self.changed.notify_all()
        session.record('-> InformResponse', text)
        conn.respond(200, text.encode(), self._cookie_headers(session))
        return None

    def _cookie_headers(self, session):
        return [('Set-Cookie', 'session=%s; Path=/' % session.cookie)]

    def _fail_inform(self, conn, session, msg, fault=None, status=500, close=False):
        with self.lock:
            session.state = 'failed'
            if close:
                session.outcome = 'ACS closed the connection instead of answering the Inform'
            elif fault:
                session.outcome = 'ACS answered the Inform with fault %d' % fault
            else:
                session.outcome = 'ACS answered the Inform with HTTP %d' % status
            session.ended_at = time.monotonic()
            self.changed.notify_all()
        session.log(session.outcome)
        if close:
            session.done.set()
            return 'close'
        if fault:
            text = self.envelope(session, fault_body(fault, ACS_FAULTS.get(fault, 'Fault')),
                                 msg.id)
            session.record('-> Fault %d (HTTP %d)' % (fault, status), text)
            conn.respond(status, text.encode(), [('Connection', 'close')])
        else:
            hdrs = [('Connection', 'close')]
            if status == 401:
                hdrs.append(('WWW-Authenticate', self._challenge()))
            if status == 503:
                hdrs.append(('Retry-After', '1'))
            session.record('-> HTTP %d' % status, '')
            conn.respond(status, b'', hdrs)
        session.done.set()
        return 'close'

    def _continue_session(self, conn, session, req):
        label = 'session %d' % session.index
        if session.script.delay:
            time.sleep(session.script.delay)
        if session.state in ('ended', 'failed'):
            self.failure('%s: a message after the session was over: %r' % (
                label, req.body[:500]))
            conn.respond(400, headers=[('Connection', 'close')])
            return 'close'
        if not req.body.strip():
            session.empty_posts += 1
            session.record('<- empty POST', '')
            if session.state == 'acs_requests' and session.outstanding is not None:
                self.failure('%s: empty POST while the response to %s was awaited' % (
                    label, session.outstanding.rpc.method))
                session.outstanding = None
            with self.lock:
                session.state = 'acs_requests'
            return self._send_next(conn, session)
        msg = self._parse(label, req)
        session.record('<- %s' % msg.method, msg.xml)
        if msg.parse_error:
            conn.respond(400, headers=[('Connection', 'close')])
            return 'close'
        if msg.ns != session.ns:
            self.failure('%s: %s in namespace %s, the session uses %s (CWMP %s)' % (
                label, msg.method, msg.ns, session.ns, session.version))
        if msg.method in CPE_REQUESTS:
            return self._cpe_request(conn, session, msg)
        # A response (or fault) to our request.
        ex = session.outstanding
        if session.state != 'acs_requests' or ex is None:
            self.failure('%s: %s arrived but no request of the ACS was waiting for it' % (
                label, msg.method))
            conn.respond(400, headers=[('Connection', 'close')])
            return 'close'
        ex.response = msg
        ex.rpc.response = msg
        session.outstanding = None
        if msg.method != ex.rpc.expected_response and not msg.is_fault:
            self.failure('%s: %s answered %s (expected %s or a Fault)' % (
                label, msg.method, ex.rpc.method, ex.rpc.expected_response))
        if ex.rpc.check_id and msg.id != ex.rpc.sent_id:
            self.failure('%s: the answer to %s carries cwmp:ID %r, the request had %r' % (
                label, ex.rpc.method, msg.id, ex.rpc.sent_id))
        if msg.is_fault:
            session.log('%s answered with fault %s %s %r' % (
                ex.rpc.method, msg.fault_code, msg.fault_string, msg.spv_faults()))
        with self.lock:
            self.changed.notify_all()
        return self._send_next(conn, session)

    def _cpe_request(self, conn, session, msg):
        label = 'session %d' % session.index
        if msg.method == 'Inform':
            self.failure('%s: a second Inform in the session' % label)
            conn.respond(400, headers=[('Connection', 'close')])
            return 'close'
        if session.state == 'acs_requests':
            self.failure('%s: the CPE sent %s after its empty POST' % (label, msg.method))
        if session.hold:
            self.failure('%s: the CPE sent %s while HoldRequests was true' % (label,
                                                                                msg.method))
        session.cpe_requests.append(msg)
        if msg.id is None:
            self.failure('%s: %s has no cwmp:ID' % (label, msg.method))
        refused = session.script.cpe_request_faults.get(msg.method)
        if refused:
            body = fault_body(refused, ACS_FAULTS.get(refused, 'Refused'))
        elif msg.method == 'GetRPCMethods':
            body = '<cwmp:GetRPCMethodsResponse>%s</cwmp:GetRPCMethodsResponse>' % _strings(
                'MethodList', ACS_METHODS)
        elif msg.method == 'Kicked':
            body = '<cwmp:KickedResponse><NextURL></NextURL></cwmp:KickedResponse>'
        elif msg.method in ACS_METHODS:
            body = '<cwmp:%sResponse/>' % msg.method
        else:
            body = fault_body(8000, 'Method not supported')
        text = self.envelope(session, body, msg.id, session.hold)
        session.record('-> answer to %s' % msg.method, text)
        conn.respond(session.script.cpe_request_fault_status if refused else 200,
                     text.encode())
        with self.lock:
            self.changed.notify_all()
        return None

    def _send_next(self, conn, session):
        while True:
            item = session.queue.pop(0) if session.queue else None
            if isinstance(item, Pause):
                item._arrive(session)
                continue
            if isinstance(item, Delay):
                time.sleep(item.seconds)
                continue
            if isinstance(item, Close):
                with self.lock:
                    session.state = 'failed'
                    session.abandoned = True
                    session.outcome = 'ACS closed the connection mid-session'
                    session.ended_at = time.monotonic()
                    self.changed.notify_all()
                session.log(session.outcome)
                session.done.set()
                return 'close'
            if callable(item) and not isinstance(item, Rpc):
                r = item(session)
                if isinstance(r, (list, tuple)):
                    session.queue[:0] = list(r)
                elif r is not None:
                    session.queue.insert(0, r)
                continue
            break
        if item is None:
            return self._end(conn, session)
        rpc = item
        ex = Exchange(rpc)
        session.exchanges.append(ex)
        session.outstanding = ex
        hold = session.script.hold_requests if rpc.hold_requests is None else rpc.hold_requests
        session.hold = bool(hold)
        if rpc.raw_envelope is not None:
            text = rpc.raw_envelope
        else:
            rpc.sent_id = 'acs-%d-%d' % (session.index, len(session.exchanges))
            text = self.envelope(session, rpc.body, rpc.sent_id, session.hold,
                                 [rpc.extra_headers] if rpc.extra_headers else [])
            if rpc.validate and self.validator is not None:
                why = self.validator.validate(text.encode(), session.ns)
                if why:
                    self.failure('session %d: the ACS built an invalid %s (a bug of the '
                                 'test): %s' % (session.index, rpc.method, why))
        rpc.sent_text = text
        rpc.sent_at = time.monotonic()
        session.record('-> %s' % rpc.method, text)
        conn.respond(200, text.encode('utf-8'))
        return None

    def _end(self, conn, session):
        script = session.script
        hdrs = [('Connection', 'close')] if script.close_on_end else []
        with self.lock:
            session.state = 'ended'
            session.outcome = 'ok'
            session.ended_at = time.monotonic()
            session.hold = False
            self.changed.notify_all()
        session.record('-> HTTP %d (end of session)' % script.end_status, '')
        conn.respond(script.end_status, b'', hdrs)
        session.done.set()
        return 'close' if script.close_on_end else None

    # -- envelopes ----------------------------------------------------------------------

    def envelope(self, session, body, msg_id=None, hold=False, extra_headers=()):
        headers = []
        if msg_id is not None:
            headers.append('<cwmp:ID soap-env:mustUnderstand="1">%s</cwmp:ID>' % escape(msg_id))
        if hold:
            headers.append('<cwmp:HoldRequests soap-env:mustUnderstand="1">1'
                           '</cwmp:HoldRequests>')
        headers += list(extra_headers)
        return envelope(session.ns or VERSION_NAMESPACE[self.version], body, headers)


ACS_FAULTS = {8000: 'Method not supported', 8001: 'Request denied', 8002: 'Internal error',
              8003: 'Invalid arguments', 8004: 'Resources exceeded', 8005: 'Retry request',
              8006: 'ACS version incompatible with CPE'}


def fault_body(code, string):
    return ('<soap-env:Fault><faultcode>Server</faultcode><faultstring>CWMP fault'
            '</faultstring><detail><cwmp:Fault><FaultCode>%d</FaultCode>'
            '<FaultString>%s</FaultString></cwmp:Fault></detail></soap-env:Fault>' % (
                code, escape(string)))


def envelope(ns, body, headers=()):
    head = '<soap-env:Header>%s</soap-env:Header>' % ''.join(headers) if headers else ''
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<soap-env:Envelope xmlns:soap-env="%s" xmlns:soap-enc="%s" xmlns:xsd="%s" '
            'xmlns:xsi="%s" xmlns:cwmp="%s">%s<soap-env:Body>%s</soap-env:Body>'
            '</soap-env:Envelope>' % (SOAP_ENV, SOAP_ENC, XSD, XSI, ns, head, body))


# ---------------------------------------------------------------------------------------
# Connection requests: the ACS as a client of the CPE


class ConnectionRequestResult:
    def __init__(self, status, headers, authorization=None):
        self.status = status
        self.headers = headers
        self.authorization = authorization

    def __repr__(self):
        return '<ConnectionRequestResult %d>' % self.status


def _digest_authorization(method, uri, user, password, challenge, nc=1, cnonce=None):
    p = parse_auth_params(challenge.split(' ', 1)[1] if ' ' in challenge else '')
    realm, nonce = p.get('realm', ''), p.get('nonce', '')
    cnonce = cnonce or secrets.token_hex(8)
    ha1 = md5hex('%s:%s:%s' % (user, realm, password))
    if p.get('algorithm', 'MD5').upper() == 'MD5-SESS':
        ha1 = md5hex('%s:%s:%s' % (ha1, nonce, cnonce))
    ha2 = md5hex('%s:%s' % (method, uri))
    ncs = '%08x' % nc
    qops = [q.strip() for q in p.get('qop', '').split(',') if q.strip()]
    if 'auth' in qops:
        response = md5hex('%s:%s:%s:%s:auth:%s' % (ha1, nonce, ncs, cnonce, ha2))
        value = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", '
                 'algorithm=%s, response="%s", qop=auth, nc=%s, cnonce="%s"' % (
                     user, realm, nonce, uri, p.get('algorithm', 'MD5'), response, ncs,
                     cnonce))
    else:
        response = md5hex('%s:%s:%s' % (ha1, nonce, ha2))
        value = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s"' % (
            user, realm, nonce, uri, response))
    if 'opaque' in p:
        value += ', opaque="%s"' % p['opaque']
    return value


def connection_request(url, user='', password='', timeout=10, authorization=None,
                       method='GET'):
    """An HTTP connection request (TR-069 3.2.2) as an ACS sends it: GET, then on 401 the
    same with Digest credentials, on the same connection. `authorization` sends that exact
    header once (to replay one). Returns the last answer."""
    u = urllib.parse.urlsplit(url)
    target = u.path or '/'
    if u.query:
        target += '?' + u.query
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    try:
        if authorization is not None:
            conn.request(method, target, headers={'Authorization': authorization})
            r = conn.getresponse()
            r.read()
            return ConnectionRequestResult(r.status, dict(r.getheaders()), authorization)
        conn.request(method, target)
        r = conn.getresponse()
        r.read()
        if r.status != 401:
            return ConnectionRequestResult(r.status, dict(r.getheaders()))
        challenge = r.getheader('WWW-Authenticate', '')
        if not challenge.lower().startswith('digest'):
            return ConnectionRequestResult(r.status, dict(r.getheaders()))
        auth = _digest_authorization(method, target, user, password, challenge)
        if r.getheader('Connection', '').lower() == 'close' or r.will_close:
            conn.close()
            conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
        conn.request(method, target, headers={'Authorization': auth})
        r = conn.getresponse()
        r.read()
        return ConnectionRequestResult(r.status, dict(r.getheaders()), auth)
    finally:
        conn.close()


def udp_connection_request_message(host, port, user, password, ts=None, msg_id=None,
                                   cnonce=None, signature=None):
    """The datagram of a UDP connection request (TR-069 Annex G, TR-111): sig =
    HMAC-SHA1(password, ts id un cn) in hex."""
    ts = int(time.time()) if ts is None else ts
    msg_id = random.randint(1, 2**31) if msg_id is None else msg_id
    cnonce = cnonce or secrets.token_hex(8)
    text = '%d%d%s%s' % (ts, msg_id, user, cnonce)
    sig = signature or hmac.new(password.encode(), text.encode(), hashlib.sha1).hexdigest()
    hostport = '%s:%d' % (host, port)
    query = urllib.parse.urlencode([('ts', ts), ('id', msg_id), ('un', user), ('cn', cnonce),
                                    ('sig', sig)])
    return ('GET http://%s?%s HTTP/1.1\r\nHost: %s\r\n\r\n' % (hostport, query,
                                                                hostport)).encode()


def udp_connection_request(address, user, password, copies=1, **kw):
    """Sends a UDP connection request to "host:port"; returns the datagram."""
    host, _, port = address.rpartition(':')
    host = host.strip('[]')
    data = udp_connection_request_message(host, int(port), user, password, **kw)
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        for _ in range(copies):
            s.sendto(data, (host, int(port)))
    return data


# ---------------------------------------------------------------------------------------
# The program


def _script_from_json(path):
    """{"sessions": [[["GetParameterValues", ["Device.DeviceInfo."]], ...], ...]}: each
    session a list of [method, args...] with the builders' arguments."""
    with open(path) as f:
        data = json.load(f)
    scripts = []
    for items in data.get('sessions', []):
        rpcs = []
        for item in items:
            name, args = item[0], item[1:]
            if name not in BUILDERS:
                raise SystemExit('%s: unknown method %s (known: %s)' % (
                    path, name, ', '.join(sorted(BUILDERS))))
            rpcs.append(BUILDERS[name](*args))
        scripts.append(Script(rpcs))
    return scripts


def main(argv=None):
    ap = argparse.ArgumentParser(description='A CWMP test ACS: prints its URL, logs every '
                                 'session, validates every CPE message with the BBF schemas.')
    ap.add_argument('--address', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=0, help='0: any free port')
    ap.add_argument('--path', default='/acs')
    ap.add_argument('--tls', nargs=2, metavar=('CERT', 'KEY'), help='serve HTTPS')
    ap.add_argument('--client-ca', help='require a client certificate issued by this CA')
    ap.add_argument('--auth', choices=('none', 'basic', 'digest'), default='none')
    ap.add_argument('--user', default='')
    ap.add_argument('--password', default='')
    ap.add_argument('--version', choices=VERSIONS, default='1.4')
    ap.add_argument('--hold-requests', action='store_true')
    ap.add_argument('--script', help='JSON file: {"sessions": [[["GetParameterValues", '
                    '["Device."]]]]}')
    ap.add_argument('--no-validate', action='store_true')
    ap.add_argument('--log', help='also write the session log to this file')
    ap.add_argument('-q', '--quiet', action='store_true', help='only the URL and a line per '
                    'session on stdout')
    a = ap.parse_args(argv)
    if a.auth != 'none' and not a.user:
        ap.error('--auth %s needs --user and --password' % a.auth)
    server = ACS(address=a.address, port=a.port, path=a.path, version=a.version, auth=a.auth,
                 user=a.user, password=a.password, tls=tuple(a.tls) if a.tls else None,
                 client_ca=a.client_ca, validate=not a.no_validate, log_path=a.log,
                 log_stream=None if a.quiet else sys.stdout,
                 default_script=Script(hold_requests=a.hold_requests))
    if a.script:
        server.queue(*_script_from_json(a.script))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server.start()
    print(server.url, flush=True)
    reported = 0
    failures = 0
    while not stop.wait(0.2):
        with server.lock:
            done = [s for s in server.sessions[reported:]]
        for s in done:
            if not s.done.is_set():
                break
            print('session %d: %s, events %s, outcome %s' % (
                s.index, s.peer[0], ', '.join(s.event_codes), s.outcome), flush=True)
            reported += 1
        with server.lock:
            new = server.failures[failures:]
            failures = len(server.failures)
        for f in new:
            print('FAILURE: %s' % f.splitlines()[0], flush=True)
    server.stop()
    return 1 if server.failures else 0


if __name__ == '__main__':
    sys.exit(main())
