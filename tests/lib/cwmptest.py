# SPDX-License-Identifier: MIT
"""End-to-end test harness: every test gets its own dbus-daemon and its own daemons.

A test case derived from CwmpTestCase gets `self.sb`, a Sandbox: a temporary root
(state, runtime and config directories), a private dbus-daemon, a D-Bus connection to it
and a proxy for io.cwmp.DataModel1 (`self.dm`). Daemons are started with
DBUS_SYSTEM_BUS_ADDRESS pointing to the private bus and NOTIFY_SOCKET pointing to a
datagram socket of the harness, so readiness is READY=1, with polling the bus as a
fallback. Whatever happens, teardown kills every process it started; when the test failed
it prints the daemons' logs first.

Binaries are found under CWMP_BUILD_DIR (set by ctest), sources under CWMP_SOURCE_DIR.
"""

import ctypes
import json
import os
import queue
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import unittest

import dbus
import dbus.lowlevel

SOURCE_DIR = os.environ.get('CWMP_SOURCE_DIR') or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD_DIR = os.environ.get('CWMP_BUILD_DIR') or os.path.join(SOURCE_DIR, 'build')
SHARED_DIR = os.environ.get('CWMP_SHARED_DIR') or os.path.join(SOURCE_DIR, '..', 'shared')

DM_BUS_NAME = 'io.cwmp.DataModel'
DM_PATH = '/io/cwmp/DataModel'
DM_IFACE = 'io.cwmp.DataModel1'
PROVIDER_IFACE = 'io.cwmp.Provider1'
FAULT_PREFIX = 'io.cwmp.Fault.'

DMD_SCHEMA_DIR = os.path.join(SOURCE_DIR, 'dmd', 'schema')
TEST_SCHEMA_DIR = os.path.join(SOURCE_DIR, 'tests', 'providers')
CWMPD_SCHEMA_DIR = os.path.join(SOURCE_DIR, 'cwmpd', 'schema')
DIAGD_SCHEMA_DIR = os.path.join(SOURCE_DIR, 'diagd', 'schema')
ACS_DIR = os.path.join(SOURCE_DIR, 'tests', 'acs')
ALPHA = 'Device.X_TEST_Alpha.'
BETA = 'Device.X_TEST_Beta.'
MS = 'Device.ManagementServer.'

AGENT_BUS_NAME = 'io.cwmp.Agent'
AGENT_PATH = '/io/cwmp/Agent'
AGENT_IFACE = 'io.cwmp.Agent1'

DIAG_BUS_NAME = 'io.cwmp.Diagnostics'
FIRMWARE_BUS_NAME = 'io.cwmp.Firmware'
FIRMWARE_PATH = '/io/cwmp/Firmware'
FIRMWARE_IFACE = 'io.cwmp.Firmware1'
FWUPD_BRIDGE_SCHEMA_DIR = os.path.join(SOURCE_DIR, 'fwupd-bridge', 'schema')
IP_DIAG = 'Device.IP.Diagnostics.'
DNS_DIAG = 'Device.DNS.Diagnostics.'

# Sanitizer builds are several times slower: every timeout is multiplied by this.
TIMEOUT_SCALE = float(os.environ.get('CWMP_TIMEOUT_SCALE', '1'))
START_TIMEOUT = 10.0 * TIMEOUT_SCALE
CALL_TIMEOUT = 30.0 * TIMEOUT_SCALE

FAULT_NAMES = {
    9000: 'MethodNotSupported',
    9001: 'RequestDenied',
    9002: 'InternalError',
    9003: 'InvalidArguments',
    9004: 'ResourcesExceeded',
    9005: 'InvalidParameterName',
    9006: 'InvalidParameterType',
    9007: 'InvalidParameterValue',
    9008: 'NonWritableParameter',
    9009: 'NotificationRejected',
}

SANITIZER_PATTERNS = ('ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:',
                      'ERROR: UndefinedBehaviorSanitizer')


def binary(*relpath):
    """A built program, e.g. binary('dmd', 'dmd'). Fails clearly when it was not built."""
    path = os.path.join(BUILD_DIR, *relpath)
    if not os.access(path, os.X_OK):
        raise AssertionError('%s is not built (CWMP_BUILD_DIR=%s)' % (path, BUILD_DIR))
    return path


def scaled(seconds):
    return seconds * TIMEOUT_SCALE


def to_py(v):
    """dbus-python values as plain Python values."""
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (dbus.String, dbus.ObjectPath, dbus.Signature)):
        return str(v)
    if isinstance(v, (dbus.Byte, dbus.Int16, dbus.Int32, dbus.Int64, dbus.UInt16, dbus.UInt32,
                      dbus.UInt64)):
        return int(v)
    if isinstance(v, dbus.Double):
        return float(v)
    if isinstance(v, dbus.Struct) or isinstance(v, tuple):
        return tuple(to_py(x) for x in v)
    if isinstance(v, dbus.Array) or isinstance(v, list):
        return [to_py(x) for x in v]
    if isinstance(v, dbus.Dictionary) or isinstance(v, dict):
        return {to_py(k): to_py(x) for k, x in v.items()}
    return v


# ---------------------------------------------------------------------------------------
# Faults


class Fault:
    """An io.cwmp.Fault.* error: name, code, message and per-parameter faults."""

    def __init__(self, exc):
        self.exc = exc
        self.dbus_name = exc.get_dbus_name() or ''
        args = to_py(tuple(exc.args))
        self.message = args[0] if len(args) > 0 and isinstance(args[0], str) else ''
        self.code = args[1] if len(args) > 1 and isinstance(args[1], int) else None
        self.params = args[2] if len(args) > 2 and isinstance(args[2], list) else []
        self.args = args

    @property
    def param_codes(self):
        """{name: code} of the per-parameter faults."""
        return {p[0]: p[1] for p in self.params}

    def __repr__(self):
        return 'Fault(%s, %r, %r, %r)' % (self.dbus_name, self.code, self.message, self.params)


def fault_name(code):
    return FAULT_PREFIX + FAULT_NAMES[code] if code in FAULT_NAMES else None


# ---------------------------------------------------------------------------------------
# The data model proxy


def call_method(conn, dest, path, iface, method, signature, args, timeout):
    """A blocking method call that keeps the whole body of an error reply: dbus-python's
    call_blocking() keeps only the first string of it. Raises DBusException whose args are
    the error's body (for a fault: message, code, parameter faults). Returns the answer's
    values as plain Python: None, one value, or a tuple of several."""
    msg = dbus.lowlevel.MethodCallMessage(dest, path, iface, method)
    if signature:
        msg.append(*args, signature=signature)
    replies = []
    pending = conn.send_message_with_reply(msg, replies.append, timeout,
                                           require_main_loop=False)
    pending.block()
    if not replies:
        raise dbus.exceptions.DBusException('no reply to %s' % method,
                                            name='org.freedesktop.DBus.Error.NoReply')
    reply = replies[0]
    body = to_py(tuple(reply.get_args_list()))
    if isinstance(reply, dbus.lowlevel.ErrorMessage):
        raise dbus.exceptions.DBusException(*body, name=reply.get_error_name())
    if len(body) == 0:
        return None
    if len(body) == 1:
        return body[0]
    return body


class _Proxy:
    """Blocking calls to one interface of a daemon through its well-known name, so they keep
    working across restarts of the daemon."""

    BUS_NAME = PATH = IFACE = None

    def __init__(self, conn, timeout=None):
        self.conn = conn
        self.timeout = timeout or CALL_TIMEOUT

    def call(self, method, signature='', *args, timeout=None):
        return call_method(self.conn, self.BUS_NAME, self.PATH, self.IFACE, method, signature,
                           args, timeout or self.timeout)

    def prop(self, name):
        return call_method(self.conn, self.BUS_NAME, self.PATH,
                           'org.freedesktop.DBus.Properties', 'Get', 'ss', (self.IFACE, name),
                           self.timeout)


class DataModel(_Proxy):
    """io.cwmp.DataModel1 through blocking calls to the well-known name, so it keeps working
    across restarts of dmd."""

    BUS_NAME, PATH, IFACE = DM_BUS_NAME, DM_PATH, DM_IFACE

    def gpv(self, names):
        """GetParameterValues: [(name, type, value)]."""
        if isinstance(names, str):
            names = [names]
        return self.call('GetParameterValues', 'as', dbus.Array(names, signature='s'))

    def values(self, names):
        """{name: value} of GetParameterValues."""
        return {n: v for n, t, v in self.gpv(names)}

    def value(self, name):
        r = self.gpv([name])
        if len(r) != 1 or r[0][0] != name:
            raise AssertionError('GetParameterValues(%r) answered %r' % (name, r))
        return r[0][2]

    def spv(self, values, key=''):
        """SetParameterValues of [(name, type, value)] or {name: value} (own type)."""
        if isinstance(values, dict):
            values = [(n, '', v) for n, v in values.items()]
        arr = dbus.Array([dbus.Struct(v, signature='sss') for v in values], signature='(sss)')
        return self.call('SetParameterValues', 'a(sss)s', arr, key)

    def gpn(self, path, next_level):
        return self.call('GetParameterNames', 'sb', path, next_level)

    def gpa(self, names):
        if isinstance(names, str):
            names = [names]
        return self.call('GetParameterAttributes', 'as', dbus.Array(names, signature='s'))

    def attributes(self, names):
        """{name: (notification, access_list)}."""
        return {n: (notif, acl) for n, notif, acl in self.gpa(names)}

    def spa(self, attrs):
        """attrs: [(name, notification_change, notification, access_list_change, acl)]."""
        arr = dbus.Array([
            dbus.Struct((n, nc, dbus.UInt32(no), ac, dbus.Array(acl, signature='s')),
                        signature='sbubas') for n, nc, no, ac, acl in attrs
        ], signature='(sbubas)')
        return self.call('SetParameterAttributes', 'a(sbubas)', arr)

    def add(self, obj, key=''):
        """AddObject: (instance, status)."""
        return tuple(self.call('AddObject', 'ss', obj, key))

    def delete(self, obj, key=''):
        return self.call('DeleteObject', 'ss', obj, key)

    def register(self, obj, subtrees):
        return self.call('RegisterProvider', 'oas', dbus.ObjectPath(obj),
                         dbus.Array(subtrees, signature='s'))

    def unregister(self, subtrees):
        return self.call('UnregisterProvider', 'as', dbus.Array(subtrees, signature='s'))

    def providers(self):
        """[(subtree, bus_name, object, online)]."""
        return self.call('ListProviders')

    def notify_changes(self, values):
        arr = dbus.Array([dbus.Struct(v, signature='ss') for v in values], signature='(ss)')
        return self.call('NotifyValueChanges', 'a(ss)', arr)

    @property
    def parameter_key(self):
        return self.prop('ParameterKey')

    @property
    def root_data_model_version(self):
        return self.prop('RootDataModelVersion')


# ---------------------------------------------------------------------------------------
# Processes


def _die_with_parent():
    """Runs in the child: a harness that dies (ctest timeout) takes its daemons along."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class DaemonDied(AssertionError):
    pass


def sanitizer_env():
    env = {}
    env['ASAN_OPTIONS'] = os.environ.get(
        'ASAN_OPTIONS', 'halt_on_error=1:abort_on_error=0:fast_unwind_on_malloc=0')
    env['UBSAN_OPTIONS'] = os.environ.get('UBSAN_OPTIONS',
                                          'halt_on_error=1:print_stacktrace=1')
    return env


class Daemon:
    """One daemon of the test: started, stopped, SIGKILLed and restarted on demand, its
    stdout and stderr appended to one log file across restarts."""

    def __init__(self, sandbox, label, argv, bus_name=None, ready_check=None, env=None,
                 notify=True):
        self.sb = sandbox
        self.label = label
        self.argv = list(argv)
        self.bus_name = bus_name
        self.ready_check = ready_check
        self.extra_env = dict(env or {})
        self.log_path = os.path.join(sandbox.root, 'log', label + '.log')
        self.proc = None
        self.starts = 0
        self.ready_via = None
        self.notified = []  # every datagram received on the notify socket
        self.expected_exit = True
        self.exit_codes = []  # (how it ended, returncode) per run
        self.notify_path = None
        self.notify_sock = None
        if notify:
            self.notify_path = os.path.join(sandbox.root, 'run', 'notify-%s' % label)
            self.notify_sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.notify_sock.bind(self.notify_path)
            self.notify_sock.setblocking(False)

    # -- life cycle ---------------------------------------------------------------------

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, wait=True, timeout=None):
        if self.alive:
            raise AssertionError('%s is already running' % self.label)
        if self.proc is not None:
            self._reap('gone')
        self._drain_notify()
        self.notified = []
        self.ready_via = None
        env = dict(os.environ)
        env.update(sanitizer_env())
        env['DBUS_SYSTEM_BUS_ADDRESS'] = self.sb.bus.address
        env.pop('DBUS_SESSION_BUS_ADDRESS', None)
        if self.notify_path:
            env['NOTIFY_SOCKET'] = self.notify_path
        else:
            env.pop('NOTIFY_SOCKET', None)
        env.update(self.extra_env)
        self.starts += 1
        with open(self.log_path, 'a') as log:
            log.write('=== %s start #%d: %s\n' % (self.label, self.starts, ' '.join(self.argv)))
            log.flush()
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=log, env=env, preexec_fn=_die_with_parent,
                                         cwd=self.sb.root)
        if wait:
            self.wait_ready(timeout)
        return self

    def _drain_notify(self):
        if not self.notify_sock:
            return
        while True:
            try:
                data = self.notify_sock.recv(4096)
            except (BlockingIOError, InterruptedError):
                return
            self.notified.append(data.decode(errors='replace'))

    def got_ready_notification(self):
        self._drain_notify()
        return any('READY=1' in m.split('\n') for m in self.notified)

    def wait_ready(self, timeout=None):
        """Until READY=1 arrives on NOTIFY_SOCKET, or (fallback) the readiness check or the
        bus name answers for this very process."""
        deadline = time.monotonic() + (timeout or START_TIMEOUT)
        while True:
            if self.got_ready_notification():
                self.ready_via = 'notify'
                return
            if self.proc.poll() is not None:
                raise DaemonDied('%s exited with %s before it was ready\n%s' %
                                 (self.label, self.proc.returncode, self.log_tail()))
            if self.bus_name and self.sb.name_owner_pid(self.bus_name) == self.proc.pid:
                self.ready_via = 'bus name'
                return
            if self.ready_check and self.ready_check():
                self.ready_via = 'check'
                return
            if time.monotonic() > deadline:
                raise AssertionError('%s was not ready within %.1f s\n%s' %
                                     (self.label, timeout or START_TIMEOUT, self.log_tail()))
            if self.notify_sock:
                select.select([self.notify_sock], [], [], 0.02)
            else:
                time.sleep(0.02)

    def wait_notified_ready(self, timeout=5.0):
        """True once READY=1 arrived (dmd must send it, not only own its name)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.got_ready_notification():
                return True
            select.select([self.notify_sock], [], [], 0.05)
        return False

    def stop(self, timeout=None):
        """SIGTERM and wait; SIGKILL after the timeout. Returns the exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self._reap('gone')
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout or scaled(10))
            return self._reap('SIGTERM')
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return self._reap('SIGTERM timed out, SIGKILLed')

    def kill(self):
        """SIGKILL and reap."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            return self._reap('SIGKILL')
        return self._reap('gone')

    def _reap(self, how):
        if self.proc is None:
            return None
        rc = self.proc.returncode
        if not self.exit_codes or self.exit_codes[-1][2] is not self.proc:
            self.exit_codes.append((how, rc, self.proc))
        return rc

    def restart(self, kill=False, wait=True):
        if kill:
            self.kill()
        else:
            self.stop()
        return self.start(wait=wait)

    # -- logs ---------------------------------------------------------------------------

    def log(self):
        try:
            with open(self.log_path, errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def log_tail(self, lines=150):
        text = self.log().splitlines()
        head = '--- %s log (%s) ---' % (self.label, self.log_path)
        if len(text) > lines:
            head += ' last %d of %d lines' % (lines, len(text))
        return '\n'.join([head] + text[-lines:] + ['--- end of %s log ---' % self.label])

    def close(self):
        if self.notify_sock:
            self.notify_sock.close()
            self.notify_sock = None


# ---------------------------------------------------------------------------------------
# The private bus

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>cwmp-test</type>
  <listen>unix:dir=%(dir)s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
  <limit name="max_message_size">268435456</limit>
  <limit name="max_incoming_bytes">1073741824</limit>
  <limit name="max_outgoing_bytes">1073741824</limit>
  <limit name="reply_timeout">300000</limit>
</busconfig>
"""


class Bus:
    """A dbus-daemon of our own, listening on a socket with a random name in `root`."""

    def __init__(self, root):
        self.root = root
        self.config = os.path.join(root, 'bus.conf')
        self.log_path = os.path.join(root, 'log', 'dbus-daemon.log')
        sockdir = os.path.join(root, 'bus')
        os.makedirs(sockdir, exist_ok=True)
        with open(self.config, 'w') as f:
            f.write(BUS_CONFIG % {'dir': sockdir})
        rfd, wfd = os.pipe()
        with open(self.log_path, 'a') as log:
            self.proc = subprocess.Popen(
                ['dbus-daemon', '--config-file=' + self.config, '--nofork',
                 '--print-address=%d' % wfd], pass_fds=(wfd,), stdin=subprocess.DEVNULL,
                stdout=log, stderr=log, preexec_fn=_die_with_parent)
        os.close(wfd)
        data = b''
        deadline = time.monotonic() + scaled(10)
        while not data.endswith(b'\n'):
            r, _, _ = select.select([rfd], [], [], max(0, deadline - time.monotonic()))
            if not r:
                break
            chunk = os.read(rfd, 4096)
            if not chunk:
                break
            data += chunk
        os.close(rfd)
        self.address = data.decode().strip()
        if not self.address:
            self.stop()
            raise AssertionError('dbus-daemon printed no address:\n' + self.log())

    def connect(self):
        return dbus.bus.BusConnection(self.address)

    def log(self):
        try:
            with open(self.log_path, errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------------------------------
# Signals, through busctl monitor (a blocking client cannot dispatch signals itself)


class SignalMonitor:
    """Collects signals matching `matches` (D-Bus match rules) as busctl's JSON messages:
    dicts with "sender", "path", "interface", "member", "payload": {"type", "data"}."""

    SYNC_IFACE = 'io.cwmp.Test'

    def __init__(self, sandbox, matches):
        self.sb = sandbox
        self.messages = queue.Queue()
        self.seen = []
        argv = ['busctl', '--address=' + sandbox.bus.address, 'monitor', '--json=short']
        for m in list(matches) + ["type='signal',interface='%s'" % self.SYNC_IFACE]:
            argv += ['--match', m]
        self.log_path = os.path.join(sandbox.root, 'log', 'busctl-monitor-%d.log' %
                                     len(sandbox.monitors))
        self.log = open(self.log_path, 'a')
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.log, preexec_fn=_die_with_parent)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        sandbox.monitors.append(self)
        self.sync()

    def _read(self):
        for line in self.proc.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                self.messages.put(json.loads(line))
            except ValueError:
                continue

    def sync(self, timeout=None):
        """Emits a marker signal and waits until the monitor saw it: everything sent before
        has been seen too."""
        token = 'sync-%d-%f' % (os.getpid(), random.random())
        deadline = time.monotonic() + (timeout or scaled(10))
        while True:
            msg = dbus.lowlevel.SignalMessage('/io/cwmp/Test', self.SYNC_IFACE, 'Sync')
            msg.append(token, signature='s')
            self.sb.conn.send_message(msg)
            self.sb.conn.flush()
            try:
                while True:
                    m = self.messages.get(timeout=0.2)
                    if m.get('interface') == self.SYNC_IFACE:
                        if m['payload']['data'] == [token]:
                            return
                    else:
                        self.seen.append(m)
            except queue.Empty:
                pass
            if time.monotonic() > deadline:
                raise AssertionError('busctl monitor did not see our marker signal')

    def collected(self):
        """Every matching signal seen so far (after a sync)."""
        self.sync()
        return list(self.seen)

    def wait_for(self, predicate, timeout=None):
        deadline = time.monotonic() + (timeout or scaled(10))
        for m in self.seen:
            if predicate(m):
                return m
        while time.monotonic() < deadline:
            try:
                m = self.messages.get(timeout=0.1)
            except queue.Empty:
                continue
            if m.get('interface') == self.SYNC_IFACE:
                continue
            self.seen.append(m)
            if predicate(m):
                return m
        return None

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# ---------------------------------------------------------------------------------------
# cwmpd: its D-Bus interface, the test ACS, certificates


def acs_module():
    """tests/acs/acs.py, the test ACS."""
    if ACS_DIR not in sys.path:
        sys.path.insert(0, ACS_DIR)
    import acs
    return acs


def _file_tail(path, label, lines):
    try:
        with open(path, errors='replace') as f:
            text = f.read().splitlines()
    except (FileNotFoundError, TypeError):
        text = []
    head = '--- %s log (%s) ---' % (label, path)
    if len(text) > lines:
        head += ' last %d of %d lines' % (lines, len(text))
    return '\n'.join([head] + text[-lines:] + ['--- end of %s log ---' % label])


class Agent(_Proxy):
    """io.cwmp.Agent1 of cwmpd, through blocking calls to the well-known name."""

    BUS_NAME, PATH, IFACE = AGENT_BUS_NAME, AGENT_PATH, AGENT_IFACE

    def queue_event(self, code, command_key='', producer_key=''):
        return self.call('QueueEvent', 'sss', code, command_key, producer_key)

    def inform(self):
        return self.call('Inform')

    def props(self):
        return call_method(self.conn, AGENT_BUS_NAME, AGENT_PATH,
                           'org.freedesktop.DBus.Properties', 'GetAll', 's', (AGENT_IFACE,),
                           self.timeout)


class Firmware(_Proxy):
    """io.cwmp.Firmware1 of fwupd-bridge, by its well-known name."""

    BUS_NAME, PATH, IFACE = FIRMWARE_BUS_NAME, FIRMWARE_PATH, FIRMWARE_IFACE

    def download(self, key, file_type, url, username='', password='', file_size=0,
                 target='', delay=0):
        return self.call('Download', 'sssssusu', key, file_type, url, username, password,
                         file_size, target, delay)

    def upload(self, key, file_type, url, username='', password='', delay=0):
        return self.call('Upload', 'sssssu', key, file_type, url, username, password, delay)

    def schedule_download(self, key, file_type, url, windows, username='', password='',
                          file_size=0, target=''):
        """windows: [(start, end, mode, message, max_retries)]"""
        return self.call('ScheduleDownload', 'sssssusa(uussi)', key, file_type, url, username,
                         password, file_size, target, windows)

    def cancel(self, key):
        return self.call('CancelTransfer', 's', key)

    def queued(self):
        return self.call('GetAllQueuedTransfers')


def _openssl(*args, cwd):
    r = subprocess.run(['openssl'] + list(args), cwd=cwd, capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise AssertionError('openssl %s failed: %s' % (' '.join(args), r.stderr))


class Certificates:
    """Test PKI made with the openssl command in `directory`: a CA (ca.pem), a server
    certificate for 127.0.0.1 signed by it (server), one for another host name signed by it
    (wrong_host), a self-signed one for 127.0.0.1 (untrusted) and a client certificate
    signed by the CA (client). Each of the four is (certificate file, key file)."""

    EC = ('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes')

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.ca = self.path('ca.pem')
        self.ca_key = self.path('ca.key')
        _openssl('req', '-x509', *self.EC, '-keyout', self.ca_key, '-out', self.ca,
                 '-days', '30', '-subj', '/CN=CWMP Test CA',
                 '-addext', 'basicConstraints=critical,CA:TRUE',
                 '-addext', 'keyUsage=critical,keyCertSign,cRLSign', cwd=directory)
        self.server = self._issue('server', '127.0.0.1', 'IP:127.0.0.1', 'serverAuth')
        self.wrong_host = self._issue('wrong-host', 'acs.example.net',
                                      'DNS:acs.example.net,IP:192.0.2.1', 'serverAuth')
        self.client = self._issue('client', 'cpe-client', 'DNS:cpe.example.net', 'clientAuth')
        cert, key = self.path('untrusted.pem'), self.path('untrusted.key')
        _openssl('req', '-x509', *self.EC, '-keyout', key, '-out', cert, '-days', '30',
                 '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
                 cwd=directory)
        self.untrusted = (cert, key)

    def path(self, name):
        return os.path.join(self.dir, name)

    def _issue(self, name, cn, san, usage):
        cert, key, csr, ext = (self.path(name + x) for x in ('.pem', '.key', '.csr', '.ext'))
        with open(ext, 'w') as f:
            f.write('basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n'
                    'extendedKeyUsage=%s\nsubjectAltName=%s\n' % (usage, san))
        _openssl('req', *self.EC, '-keyout', key, '-out', csr, '-subj', '/CN=' + cn,
                 cwd=self.dir)
        _openssl('x509', '-req', '-in', csr, '-CA', self.ca, '-CAkey', self.ca_key,
                 '-CAcreateserial', '-out', cert, '-days', '30', '-extfile', ext,
                 cwd=self.dir)
        return cert, key


def cwmpd_default_sections(root):
    """cwmpd.conf of the tests: short intervals, loopback listeners, reboot and factory
    reset commands that only leave a file behind."""
    return {
        'ACS': {},
        'Session': {'Timeout': '30', 'Version': '1.4'},
        'Inform': {'PeriodicInterval': '86400', 'RetryMinimumWait': '1'},
        'ConnectionRequest': {'Address': '127.0.0.1', 'Port': '0', 'Path': '/cr'},
        'UDPConnectionRequest': {'Address': '127.0.0.1', 'Port': '0'},
        # One line per run, so a test can count them.
        'Device': {'RebootCommand': 'echo reboot >> %s' % os.path.join(root, 'rebooted'),
                   'FactoryResetCommand': 'echo reset >> %s' % os.path.join(root,
                                                                          'factory-reset')},
    }


# ---------------------------------------------------------------------------------------
# The sandbox


def write_ini(path, sections):
    with open(path, 'w') as f:
        for section, items in sections.items():
            f.write('[%s]\n' % section)
            for k, v in items.items():
                f.write('%s=%s\n' % (k, v))
            f.write('\n')


def table_rows(values, table):
    """{instance: {field: value}} of the rows of TABLE ('Device.X.Y.') among VALUES
    ({name: value}): their direct parameters only."""
    out = {}
    pattern = re.compile(re.escape(table) + r'(\d+)\.(\w+)$')
    for name, value in values.items():
        m = pattern.match(name)
        if m:
            out.setdefault(int(m.group(1)), {})[m.group(2)] = value
    return out


def merge_sections(conf, sections):
    """Applies SECTIONS ({section: {key: value}}, None removes a key) to the ini dict CONF."""
    for section, items in (sections or {}).items():
        target = conf.setdefault(section, {})
        for k, v in items.items():
            if v is None:
                target.pop(k, None)
            else:
                target[k] = str(v)


class Sandbox:
    """Everything one test needs, under one temporary directory."""

    def __init__(self, label='test'):
        safe = re.sub(r'[^A-Za-z0-9_]+', '_', label)[-40:]
        # Short paths: sockets live here and sun_path holds 108 bytes.
        self.root = tempfile.mkdtemp(prefix='cwmp-%s-' % safe[-20:], dir='/tmp')
        for d in ('log', 'run', 'state', 'etc'):
            os.makedirs(os.path.join(self.root, d))
        self.daemons = {}
        self.monitors = []
        self.acs_servers = {}
        self._certificates = None
        self.bus = None
        self.conn = None
        self.closed = False
        try:
            self.bus = Bus(self.root)
            self.conn = self.bus.connect()
            self.dm = DataModel(self.conn)
        except BaseException:
            self.close(print_logs=True)
            raise
        self.serial = 'SN-%s' % os.path.basename(self.root)[-8:]
        self.device_info = {
            'Manufacturer': 'Example Devices Ltd',
            'ManufacturerOUI': '00D09E',
            'ModelName': 'TestBox 1000',
            'SerialNumber': self.serial,
        }

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    # -- the bus ------------------------------------------------------------------------

    def name_owner_pid(self, name):
        """PID of the owner of `name`, or None."""
        try:
            owner = self.conn.call_blocking('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                            'org.freedesktop.DBus', 'GetNameOwner', 's',
                                            (name,), timeout=5)
            return int(self.conn.call_blocking('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                               'org.freedesktop.DBus',
                                               'GetConnectionUnixProcessID', 's', (owner,),
                                               timeout=5))
        except dbus.exceptions.DBusException:
            return None

    def name_has_owner(self, name):
        return bool(self.conn.call_blocking('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                            'org.freedesktop.DBus', 'NameHasOwner', 's',
                                            (name,), timeout=5))

    def new_connection(self):
        return self.bus.connect()

    def monitor(self, matches):
        return SignalMonitor(self, matches)

    # -- daemons ------------------------------------------------------------------------

    def add_daemon(self, daemon):
        if daemon.label in self.daemons:
            raise AssertionError('two daemons named %s' % daemon.label)
        self.daemons[daemon.label] = daemon
        return daemon

    def dmd_config(self, extra=None):
        path = self.path('etc', 'dmd.conf')
        sections = {'DeviceInfo': dict(self.device_info)}
        for section, items in (extra or {}).items():
            sections.setdefault(section, {}).update(items)
        write_ini(path, sections)
        return path

    def start_dmd(self, schema_dirs=None, config=None, extra_args=(), wait=True,
                  label='dmd'):
        """dmd with its own schema, the test providers' schemas, a config with DeviceInfo,
        and state and runtime directories in the sandbox."""
        if schema_dirs is None:
            schema_dirs = [DMD_SCHEMA_DIR, TEST_SCHEMA_DIR]
        cfg = config if config is not None else self.dmd_config()
        argv = [binary('dmd', 'dmd'), '--config', cfg]
        for d in schema_dirs:
            argv += ['--schema-dir', d]
        os.makedirs(self.path('state', label), exist_ok=True)
        os.makedirs(self.path('run', label), exist_ok=True)
        argv += ['--state-dir', self.path('state', label), '--runtime-dir',
                 self.path('run', label)]
        if os.environ.get('CWMP_DEBUG'):
            argv.append('--debug')
        argv += list(extra_args)
        d = self.add_daemon(Daemon(self, label, argv, bus_name=DM_BUS_NAME))
        return d.start(wait=wait)

    @property
    def dmd(self):
        return self.daemons['dmd']

    def start_provider(self, label, subtree, schema, reject_value=None, refuse_apply=None,
                       live_counter=False, extra_args=(), wait=True, object_path=None):
        """test-provider serving `subtree` from `schema`, its state file in the sandbox.
        With wait, returns once READY=1 came and, if dmd runs, once its subtree is online."""
        state = self.path('state', label + '.state')
        object_path = object_path or '/io/cwmp/test/%s' % re.sub(r'[^A-Za-z0-9_]', '_', label)
        argv = [binary('tests', 'providers', 'test-provider'), '--subtree', subtree,
                '--schema', schema, '--state', state, '--object-path', object_path]
        if reject_value is not None:
            argv += ['--reject-value', reject_value]
        if refuse_apply is not None:
            argv += ['--refuse-apply', refuse_apply]
        if live_counter:
            argv.append('--live-counter')
        argv += list(extra_args)
        d = Daemon(self, label, argv)
        d.subtree = subtree
        d.object_path = object_path
        d.state_path = state
        d.ready_check = lambda: self.provider_online(subtree, d.pid)
        self.add_daemon(d)
        d.start(wait=False)
        if wait:
            self.wait_provider_ready(d)
        return d

    def wait_provider_ready(self, d, timeout=None):
        d.wait_ready(timeout)
        if 'dmd' in self.daemons and self.dmd.alive:
            self.wait_provider_online(d.subtree, d.pid, timeout)

    def start_alpha(self, label='alpha', **kw):
        return self.start_provider(label, ALPHA, os.path.join(TEST_SCHEMA_DIR, 'alpha.schema'),
                                   **kw)

    def start_beta(self, label='beta', **kw):
        return self.start_provider(label, BETA, os.path.join(TEST_SCHEMA_DIR, 'beta.schema'),
                                   **kw)

    def restart_provider(self, d, kill=False):
        if kill:
            d.kill()
        else:
            d.stop()
        d.start(wait=False)
        self.wait_provider_ready(d)
        return d

    def restart_dmd(self, kill=False, wait_providers=True):
        """Restarts dmd; then waits until every running provider is online again."""
        self.dmd.restart(kill=kill)
        if wait_providers:
            for d in self.daemons.values():
                if hasattr(d, 'subtree') and d.alive:
                    self.wait_provider_online(d.subtree, d.pid)
        return self.dmd

    def provider_entry(self, subtree):
        for entry in self.dm.providers():
            if entry[0] == subtree:
                return entry
        return None

    def provider_online(self, subtree, pid=None):
        try:
            entry = self.provider_entry(subtree)
        except dbus.exceptions.DBusException:
            return False
        if not entry or not entry[3]:
            return False
        if pid is None:
            return True
        return self.name_owner_pid(entry[1]) == pid

    def wait_provider_online(self, subtree, pid=None, timeout=None):
        """Until ListProviders shows `subtree` online (served by process `pid`, if given)."""
        timeout = timeout or START_TIMEOUT
        if not wait_until(lambda: self.provider_online(subtree, pid), timeout):
            try:
                listing = self.dm.providers()
            except dbus.exceptions.DBusException as e:
                listing = 'ListProviders failed: %s' % e
            raise AssertionError('%s not online within %.1f s; ListProviders: %r\n%s' %
                                 (subtree, timeout, listing, self.logs()))

    # -- cwmpd and the ACS --------------------------------------------------------------

    @property
    def certificates(self):
        """The test PKI (Certificates), made on first use."""
        if self._certificates is None:
            self._certificates = Certificates(self.path('certs'))
        return self._certificates

    def start_acs(self, label='acs', **options):
        """A test ACS on loopback (acs.ACS options), its log in the sandbox; stopped at
        teardown, where every failure it recorded fails the test."""
        if label in self.acs_servers:
            raise AssertionError('two ACSs named %s' % label)
        acs = acs_module()
        options.setdefault('log_path', self.path('log', label + '.log'))
        server = acs.ACS(**options)
        self.acs_servers[label] = server
        server.start()
        return server

    def cwmpd_config(self, acs=None, sections=None, label='cwmpd'):
        """Writes cwmpd.conf: the test defaults, the ACS's URL (and credentials, and the
        test CA for HTTPS), then `sections` ({section: {key: value}}, None removes a key)."""
        conf = cwmpd_default_sections(self.root)
        if acs is not None:
            conf['ACS']['URL'] = acs.url
            if acs.auth != 'none':
                conf['ACS']['Username'] = acs.user
                conf['ACS']['Password'] = acs.password
            if acs.tls:
                conf['ACS']['CAFile'] = self.certificates.ca
        merge_sections(conf, sections)
        path = self.path('etc', label + '.conf')
        write_ini(path, conf)
        return path

    def start_cwmpd(self, acs=None, config=None, sections=None, extra_args=(), wait=True,
                    label='cwmpd', schema_dirs=None):
        """cwmpd with a config for `acs`, the schema directories of dmd, state and runtime
        directories in the sandbox. With wait, returns once it sent READY=1 and
        Device.ManagementServer. is online in dmd."""
        cfg = config if config is not None else self.cwmpd_config(acs, sections, label)
        state, run = self.path('state', label), self.path('run', label)
        os.makedirs(state, exist_ok=True)
        os.makedirs(run, exist_ok=True)
        argv = [binary('cwmpd', 'cwmpd'), '--config', cfg]
        for d in schema_dirs or [DMD_SCHEMA_DIR, CWMPD_SCHEMA_DIR, TEST_SCHEMA_DIR]:
            argv += ['--schema-dir', d]
        argv += ['--state-dir', state, '--runtime-dir', run]
        if os.environ.get('CWMP_DEBUG'):
            argv.append('--debug')
        argv += list(extra_args)
        d = Daemon(self, label, argv, bus_name=AGENT_BUS_NAME)
        d.subtree = MS
        d.config_path = cfg
        d.state_dir = state
        self.add_daemon(d)
        d.start(wait=False)
        if wait:
            self.wait_cwmpd_ready(d)
        return d

    def wait_cwmpd_ready(self, d=None, timeout=None):
        d = d or self.cwmpd
        deadline = time.monotonic() + (timeout or START_TIMEOUT)
        while not d.got_ready_notification():
            if not d.alive:
                raise DaemonDied('%s exited with %s before READY=1\n%s' % (
                    d.label, d.proc.returncode, d.log_tail()))
            if time.monotonic() > deadline:
                raise AssertionError('%s sent no READY=1 within %.1f s\n%s' % (
                    d.label, timeout or START_TIMEOUT, d.log_tail()))
            select.select([d.notify_sock], [], [], 0.05)
        d.ready_via = 'notify'
        if 'dmd' in self.daemons and self.dmd.alive:
            self.wait_provider_online(MS, d.pid, max(1.0, deadline - time.monotonic()))
        return d

    def restart_cwmpd(self, kill=False, wait=True):
        """A restart of cwmpd alone (the box keeps running)."""
        d = self.cwmpd
        if kill:
            d.kill()
        else:
            d.stop()
        d.start(wait=False)
        if wait:
            self.wait_cwmpd_ready(d)
        return d

    def reboot(self, kill=False):
        """What a reboot of the box does to the daemons: all stop, the runtime directories
        (a tmpfs on the box) are emptied, all start again, dmd first."""
        daemons = [d for d in self.daemons.values() if d.label != 'dmd']
        for d in daemons + ([self.dmd] if 'dmd' in self.daemons else []):
            d.kill() if kill else d.stop()
        run = self.path('run')
        for entry in os.listdir(run):
            if entry.startswith('notify-'):
                continue  # the harness's own sockets
            p = os.path.join(run, entry)
            if os.path.isdir(p):
                shutil.rmtree(p)
                os.makedirs(p)
            else:
                os.unlink(p)
        if 'dmd' in self.daemons:
            self.dmd.start()
        for d in daemons:
            d.start(wait=False)
        for d in daemons:
            if d.label == 'cwmpd':
                self.wait_cwmpd_ready(d)
            elif hasattr(d, 'subtree'):
                self.wait_provider_ready(d)
            else:
                d.wait_ready()

    def file_lines(self, name):
        """The lines of a file of the sandbox's root ([] if it does not exist)."""
        try:
            with open(self.path(name)) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    @property
    def cwmpd(self):
        return self.daemons['cwmpd']

    def start_diagd(self, extra_args=(), env=None, wait=True, label='diagd', wrapper=()):
        """diagd with its schema, its state directory in the sandbox. With wait, returns once
        it sent READY=1 and, if dmd runs, its subtrees are online. wrapper: a command that
        execs diagd's command line (it must keep the process)."""
        state = self.path('state', label)
        os.makedirs(state, exist_ok=True)
        argv = [binary('diagd', 'diagd'), '--schema-dir', DIAGD_SCHEMA_DIR, '--state-dir',
                state]
        if os.environ.get('CWMP_DEBUG'):
            argv.append('--debug')
        argv = list(wrapper) + argv + list(extra_args)
        d = Daemon(self, label, argv, bus_name=DIAG_BUS_NAME, env=env)
        d.subtree = IP_DIAG
        d.state_dir = state
        d.ready_check = lambda: (self.provider_online(IP_DIAG, d.pid) and
                                 self.provider_online(DNS_DIAG, d.pid))
        self.add_daemon(d)
        d.start(wait=False)
        if wait:
            d.wait_ready()
            if 'dmd' in self.daemons and self.dmd.alive:
                self.wait_provider_online(IP_DIAG, d.pid)
                self.wait_provider_online(DNS_DIAG, d.pid)
        return d

    def start_fwupd_bridge(self, sections=None, extra_args=(), env=None, wait=True,
                           label='fwupd-bridge', schema_dirs=None):
        """fwupd-bridge with a config in the sandbox (`sections`: {section: {key: value}},
        written to etc/LABEL.conf; its download directory defaults to the state directory),
        its state directory in the sandbox. With wait, returns once it sent READY=1."""
        state = self.path('state', label)
        os.makedirs(state, exist_ok=True)
        conf = {'Transfers': {'DownloadDirectory': self.path('state', label, 'downloads')}}
        merge_sections(conf, sections)
        cfg = self.path('etc', label + '.conf')
        write_ini(cfg, conf)
        argv = [binary('fwupd-bridge', 'fwupd-bridge'), '--config', cfg, '--state-dir', state]
        for d in schema_dirs or [FWUPD_BRIDGE_SCHEMA_DIR]:
            argv += ['--schema-dir', d]
        if os.environ.get('CWMP_DEBUG'):
            argv.append('--debug')
        argv += list(extra_args)
        d = Daemon(self, label, argv, bus_name=FIRMWARE_BUS_NAME, env=env)
        d.state_dir = state
        d.config_path = cfg
        self.add_daemon(d)
        d.start(wait=wait)
        return d

    @property
    def firmware(self):
        return Firmware(self.conn)

    @property
    def agent(self):
        return Agent(self.conn)

    def start_cwmp(self, acs_options=None, sections=None, alpha=None, beta=None,
                   wait=True):
        """The whole stack: dmd (with cwmpd's schema), the Alpha and Beta providers, a test
        ACS (acs_options) and cwmpd configured for it. Returns (acs, cwmpd)."""
        self.start_dmd(schema_dirs=[DMD_SCHEMA_DIR, CWMPD_SCHEMA_DIR, TEST_SCHEMA_DIR])
        self.start_alpha(**(alpha or {}))
        self.start_beta(**(beta or {}))
        server = self.start_acs(**(acs_options or {}))
        d = self.start_cwmpd(server, sections=sections, wait=wait)
        return server, d

    # -- teardown -----------------------------------------------------------------------

    def logs(self, lines=150):
        parts = [d.log_tail(lines) for d in self.daemons.values()]
        for label, server in self.acs_servers.items():
            parts.append(_file_tail(server.log_path, label, lines * 4))
        if self.bus:
            parts.append('--- dbus-daemon log ---\n' + self.bus.log())
        return '\n'.join(parts)

    def sanitizer_reports(self):
        found = []
        for d in self.daemons.values():
            text = d.log()
            for pattern in SANITIZER_PATTERNS:
                if pattern in text:
                    found.append('%s: %s' % (d.label, pattern))
        return found

    def close(self, print_logs=False, keep=False):
        """Stops everything (SIGTERM, then SIGKILL), returns a list of problems found:
        sanitizer reports, daemons that failed on SIGTERM."""
        if self.closed:
            return []
        self.closed = True
        problems = []
        for m in self.monitors:
            try:
                m.close()
            except Exception:
                pass
        # Providers first, dmd last, so that nothing is left half registered.
        for d in sorted(self.daemons.values(), key=lambda d: d.label == 'dmd'):
            try:
                d.stop(timeout=scaled(5))
            except Exception:
                traceback.print_exc()
            for how, rc, _ in d.exit_codes:
                if how == 'SIGTERM timed out, SIGKILLed':
                    problems.append('%s did not exit within 5 s of SIGTERM' % d.label)
                elif how == 'SIGTERM' and rc not in (0, -signal.SIGTERM):
                    problems.append('%s exited with %s on SIGTERM' % (d.label, rc))
                elif how == 'gone' and rc not in (0, None):
                    problems.append('%s exited on its own with %s' % (d.label, rc))
            d.close()
        # The ACSs last: what the daemons sent until the end was checked too.
        for label, server in self.acs_servers.items():
            try:
                server.stop()
            except Exception:
                traceback.print_exc()
            for f in server.failures:
                problems.append('%s: %s' % (label, f))
        if self.bus:
            self.bus.stop()
        try:
            self.conn and self.conn.close()
        except Exception:
            pass
        problems += self.sanitizer_reports()
        if print_logs or problems:
            sys.stderr.write('\n' + self.logs() + '\n')
        if keep or os.environ.get('CWMP_KEEP'):
            sys.stderr.write('test files kept in %s\n' % self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)
        return problems


def wait_until(predicate, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


# ---------------------------------------------------------------------------------------
# The schema files, read the way dmd reads them: for model order and access checks


class SchemaNode:
    def __init__(self, path, kind, access, attrs, flags):
        self.path = path
        self.kind = kind  # 'object' or a type name
        self.access = access
        self.attrs = attrs
        self.flags = flags
        self.children = []
        self.is_object = kind == 'object'
        self.multi = path.endswith('.{i}.')

    @property
    def writable(self):
        return self.access == 'rw'

    def __repr__(self):
        return 'SchemaNode(%s)' % self.path


class Schema:
    """The project's line format: PATH TYPE ACCESS [key=value | flag]..."""

    def __init__(self, files):
        self.nodes = {}
        self.order = []
        for f in files:
            self._load(f)

    @classmethod
    def from_dirs(cls, dirs):
        files = []
        for d in dirs:
            files += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith('.schema'))
        return cls(files)

    @staticmethod
    def parent_template(path):
        body = path[:-1] if path.endswith('.') else path
        if body.endswith('.{i}'):
            body = body[:-4]
        cut = body.rfind('.')
        if cut < 0:
            return None
        parent = body[:cut + 1]
        return parent

    def _load(self, file):
        with open(file) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith('#'):
                    continue
                tok = line.split()
                path, kind, access = tok[0], tok[1], tok[2]
                attrs, flags = {}, set()
                for t in tok[3:]:
                    if '=' in t:
                        k, v = t.split('=', 1)
                        attrs[k] = v
                    else:
                        flags.add(t)
                if path in self.nodes:
                    continue
                node = SchemaNode(path, kind, access, attrs, flags)
                self.nodes[path] = node
                self.order.append(node)
                parent = self.parent_template(path)
                if parent is not None:
                    # A table "X.Item.{i}." hangs under "X."; its parameters under it.
                    p = self.nodes.get(parent)
                    if p is not None:
                        p.children.append(node)

    def find(self, template):
        return self.nodes.get(template)

    def parameters_under(self, prefix):
        return [n for n in self.order if not n.is_object and n.path.startswith(prefix)]

    @staticmethod
    def template_of(name):
        """'Device.X.Item.3.Name' -> 'Device.X.Item.{i}.Name'; aliases too."""
        return re.sub(r'\.(\d+|\[[^\]]*\])(?=\.)', '.{i}', name)

    def node_of(self, name):
        return self.nodes.get(self.template_of(name))

    def order_key(self, name):
        """Sort key of a concrete name in model order: depth first, children in declaration
        order, instances by number."""
        segs = name.split('.')
        partial = name.endswith('.')
        if partial:
            segs = segs[:-1]
        node = self.nodes.get(segs[0] + '.')
        if node is None:
            raise KeyError(name)
        key = []
        i = 1
        cur = node
        while i < len(segs):
            seg = segs[i]
            child = None
            for idx, c in enumerate(cur.children):
                cname = c.path[len(cur.path):].split('.')[0]
                if cname == seg:
                    child = c
                    key.append(idx)
                    break
            if child is None:
                raise KeyError(name)
            cur = child
            i += 1
            if cur.multi and i < len(segs):
                key.append(int(segs[i]))
                i += 1
        return tuple(key)


def default_schema():
    return Schema.from_dirs([DMD_SCHEMA_DIR, TEST_SCHEMA_DIR])


# ---------------------------------------------------------------------------------------
# unittest glue


class CwmpTestCase(unittest.TestCase):
    """Gives each test a Sandbox (self.sb) and its DataModel proxy (self.dm)."""

    maxDiff = None

    def setUp(self):
        self.sb = Sandbox(self.id().split('.', 1)[-1])
        self.addCleanup(self._close_sandbox)
        self.dm = self.sb.dm

    def _failed(self):
        outcome = getattr(self, '_outcome', None)
        if outcome is None:
            return True
        return not getattr(outcome, 'success', False)

    def _close_sandbox(self):
        failed = self._failed()
        problems = self.sb.close(print_logs=failed, keep=failed)
        if problems:
            raise AssertionError('daemon problems at teardown: ' + '; '.join(problems))

    # -- common setups ------------------------------------------------------------------

    def start_all(self, alpha=None, beta=None, dmd_args=()):
        """dmd, then the Alpha and Beta providers (keyword options for each)."""
        self.sb.start_dmd(extra_args=dmd_args)
        a = self.sb.start_alpha(**(alpha or {}))
        b = self.sb.start_beta(**(beta or {}))
        return a, b

    # -- assertions ---------------------------------------------------------------------

    def assertFault(self, code, fn, *args, params=None, message_contains=None, **kw):
        """fn(*args) must fail with io.cwmp.Fault.<Name> of `code`, body (s, u code, a(sus)).
        params: {name: code} the per-parameter faults must be exactly (None: not checked).
        message_contains: strings the message must contain. Returns the Fault."""
        try:
            r = fn(*args, **kw)
        except dbus.exceptions.DBusException as e:
            f = Fault(e)
        else:
            self.fail('expected fault %d, the call answered %r' % (code, r))
        self.assertEqual(f.code, code, 'fault code (%r)' % f)
        expected_name = fault_name(code)
        if expected_name:
            self.assertEqual(f.dbus_name, expected_name, 'D-Bus error name (%r)' % f)
        self.assertTrue(f.dbus_name.startswith(FAULT_PREFIX), 'D-Bus error name (%r)' % f)
        self.assertEqual(len(f.args), 3, 'fault body is (s, u, a(sus)): %r' % (f.args,))
        if params is not None:
            self.assertEqual(f.param_codes, params, 'per-parameter faults (%r)' % f)
            self.assertEqual(len(f.params), len(params), 'one fault per parameter (%r)' % f)
        for s in ([message_contains] if isinstance(message_contains, str)
                  else message_contains or []):
            self.assertIn(s, f.message, 'fault message (%r)' % f)
        return f

    def assertAnyFault(self, fn, *args, **kw):
        """fn(*args) must fail with some io.cwmp.Fault.* error. Returns the Fault."""
        try:
            r = fn(*args, **kw)
        except dbus.exceptions.DBusException as e:
            f = Fault(e)
        else:
            self.fail('expected a fault, the call answered %r' % (r,))
        self.assertTrue(f.dbus_name.startswith(FAULT_PREFIX), 'D-Bus error name (%r)' % f)
        self.assertEqual(len(f.args), 3, 'fault body is (s, u, a(sus)): %r' % (f.args,))
        return f


class CwmpAgentTestCase(CwmpTestCase):
    """Tests of cwmpd: dmd, the test providers, cwmpd and a test ACS (self.acs), with the
    io.cwmp.Agent1 proxy (self.agent). The ACS's module is `self.A` (tests/acs/acs.py)."""

    A = None

    def setUp(self):
        super().setUp()
        type(self).A = acs_module()

    def start_cwmp(self, acs_options=None, sections=None, alpha=None, beta=None,
                   bootstrap=True, first_script=None, scripts=(), extra_schema_dirs=()):
        """Starts the stack; with bootstrap, waits until the first session (the BOOTSTRAP
        one) is over and checks it succeeded. first_script: the Script of that session;
        scripts: those of the first sessions (queued before cwmpd starts); extra_schema_dirs:
        other daemons' schemas, for dmd and cwmpd."""
        self.sb.device_info.setdefault('ProductClass', 'TestBox')
        schema_dirs = [DMD_SCHEMA_DIR, CWMPD_SCHEMA_DIR] + list(extra_schema_dirs) + [
            TEST_SCHEMA_DIR]
        self.sb.start_dmd(schema_dirs=schema_dirs)
        self.alpha = self.sb.start_alpha(**(alpha or {}))
        self.beta = self.sb.start_beta(**(beta or {}))
        self.acs = self.sb.start_acs(**(acs_options or {}))
        if first_script is not None:
            self.acs.queue(first_script)
        self.acs.queue(*scripts)
        self.cwmpd = self.sb.start_cwmpd(self.acs, sections=sections, schema_dirs=schema_dirs)
        self.agent = self.sb.agent
        if bootstrap:
            s = self.acs.wait_session(0, scaled(20))
            self.assertSessionOk(s)
        return self.acs

    def run_session(self, script=None, trigger=None, timeout=None, acs=None):
        """Queues `script` (a Script or a list of requests), asks cwmpd for a session
        (Agent.Inform(), or trigger()) and returns the session once it is over."""
        acs = acs or self.acs
        acs.wait_idle(scaled(20))
        n = acs.session_count()
        if script is not None:
            acs.queue(script)
        (trigger or self.agent.inform)()
        return acs.wait_session(n, timeout or scaled(20))

    def assertSessionOk(self, s):
        self.assertTrue(s.ok, 'session %d failed: %s' % (s.index, s.outcome))

    def assertNoNewSession(self, count, seconds, acs=None, why=''):
        """No session beyond the first `count` starts within `seconds`."""
        acs = acs or self.acs
        time.sleep(scaled(seconds))
        self.assertEqual(acs.session_count(), count,
                         'unexpected session(s) %r %s' % (acs.sessions[count:], why))

    def assertEvents(self, s, expected):
        """The session's Inform carries exactly these events ([(code, key)] or [code]),
        in any order, each once."""
        got = s.events
        if expected and isinstance(expected[0], str):
            got = [c for c, _ in got]
        self.assertEqual(sorted(got), sorted(expected),
                         'events of session %d: %r' % (s.index, s.events))

    def assertFaultResponse(self, msg, code, params=None):
        """`msg` (a CPE response) is a CWMP fault `code`; params: {name: code} of the
        SetParameterValuesFault entries, exactly."""
        self.assertIsNotNone(msg, 'no response')
        self.assertTrue(msg.is_fault, 'expected fault %d, got %s:\n%s' % (code, msg.method,
                                                                         msg.xml))
        self.assertEqual(msg.fault_code, code, 'fault code:\n%s' % msg.xml)
        self.assertIn(msg.soap_faultcode.split(':')[-1], ('Client', 'Server'),
                      'SOAP faultcode:\n%s' % msg.xml)
        if params is not None:
            self.assertEqual(msg.spv_faults(), params, 'SetParameterValuesFault entries')

    def assertResponse(self, msg, method):
        self.assertIsNotNone(msg, 'no response to the request')
        self.assertEqual(msg.method, method, 'response:\n%s' % msg.xml)


class _CountingResult(unittest.TextTestResult):
    """Counts tests, not failed subtests: a test fails once however many of its parts do."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.failed_ids = set()

    def addFailure(self, test, err):
        self.failed_ids.add(test.id())
        super().addFailure(test, err)

    def addError(self, test, err):
        # An error in setUpClass and the like comes with a placeholder "test".
        self.failed_ids.add(getattr(test, 'id', lambda: str(test))())
        super().addError(test, err)

    def addSubTest(self, test, subtest, err):
        if err is not None:
            self.failed_ids.add(test.id())
        super().addSubTest(test, subtest, err)

    def addUnexpectedSuccess(self, test):
        self.failed_ids.add(test.id())
        super().addUnexpectedSuccess(test)


def main():
    """Runs the test cases of __main__ (or the names given), prints "N passed, N failed"."""
    module = sys.modules['__main__']
    names = [a for a in sys.argv[1:] if not a.startswith('-')]
    loader = unittest.TestLoader()
    if names:
        suite = loader.loadTestsFromNames(names, module)
    else:
        suite = loader.loadTestsFromModule(module)
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2,
                                     resultclass=_CountingResult)
    result = runner.run(suite)
    failed = len(result.failed_ids)
    skipped = len(set(t.id() for t, _ in result.skipped) - result.failed_ids)
    passed = result.testsRun - failed - skipped
    line = '%d passed, %d failed' % (passed, failed)
    if skipped:
        line += ', %d skipped' % skipped
    sys.stdout.flush()
    print(line)
    sys.exit(1 if failed or result.testsRun == 0 else 0)
