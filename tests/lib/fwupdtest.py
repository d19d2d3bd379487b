"""The real fwupd daemon with its built-in test plugin, on a private system-style bus.

    with fwupdtest.Fwupd(root, only_trusted=False) as fw:
        fw.make_cab('1.2.5', path)          # a cabinet for the fake device
        fw.device_version()                 # '1.2.2' after each start
        fw.modify_config('test', 'WriteSupported', 'false')

fwupd runs as root in the foreground, with no systemd, udev or polkit: without polkit on
the bus it allows uid 0. Everything it writes stays under `root`.
"""
import os
import re
import shutil
import subprocess
import time

FWUPD_BIN = '/usr/libexec/fwupd/fwupd'
TEST_DEVICE = '08d460be0f1f9f128413f816022a6439e0078018'
TEST_GUID = 'b585990a-003e-5270-89d5-3705a17f9a43'

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""

METAINFO = """<?xml version="1.0" encoding="UTF-8"?>
<component type="firmware">
  <id>org.example.fwupdbridge.fakedevice.firmware</id>
  <name>FakeDevice</name>
  <summary>Test firmware for the fwupd test plugin fake device</summary>
  <description><p>Test payload for fwupd-bridge.</p></description>
  <provides>
    <firmware type="flashed">%(guid)s</firmware>
  </provides>
  <metadata_license>CC0-1.0</metadata_license>
  <project_license>GPL-2.0+</project_license>
  <developer_name>fwupd-bridge tests</developer_name>
  <custom>
    <value key="LVFS::VersionFormat">triplet</value>
    <value key="LVFS::UpdateProtocol">com.acme.test</value>
  </custom>
  <releases>
    <release version="%(version)s" date="2025-01-01" urgency="medium">
      <checksum type="sha256" filename="firmware.bin" target="content">%(sha256)s</checksum>
      <description><p>Test release %(version)s.</p></description>
    </release>
  </releases>
</component>
"""


def missing_tools(signed=False):
    """What this machine lacks to run fwupd's test device (empty when all is there)."""
    missing = []
    if os.geteuid() != 0:
        missing.append('root')
    if not os.access(FWUPD_BIN, os.X_OK):
        missing.append('fwupd')
    for tool, package in (('gcab', 'gcab'), ('gdbus', 'libglib2.0-bin'),
                          ('dbus-daemon', 'dbus-daemon')):
        if not shutil.which(tool):
            missing.append(package)
    if signed:
        for tool, package in (('openssl', 'openssl'), ('jcat-tool', 'jcat')):
            if not shutil.which(tool):
                missing.append(package)
    return missing


def _run(argv, **kw):
    return subprocess.run(argv, check=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, **kw)


class Fwupd:
    """A private bus and fwupd on it. `address` is the bus to give clients. With
    `bus_address`, fwupd joins that bus (a test sandbox's) instead of a bus of its own."""

    def __init__(self, root, only_trusted=False, test_config=None, bus_address=None):
        self.root = root
        self.only_trusted = only_trusted
        self.test_config = dict(test_config or {})
        for d in ('bus', 'etc/fwupd', 'etc/pki/fwupd', 'var', 'run', 'lock', 'cab', 'pki'):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        self.socket = os.path.join(root, 'bus', 'system_bus_socket')
        self.own_bus = bus_address is None
        self.address = bus_address or 'unix:path=' + self.socket
        self.dbus = None
        self.fwupd = None
        self.log_path = os.path.join(root, 'fwupd.log')
        self.env = dict(os.environ)
        for k in ('CONFIGURATION_DIRECTORY', 'STATE_DIRECTORY', 'CACHE_DIRECTORY',
                  'LOCALCONF_DIRECTORY', 'NOTIFY_SOCKET'):
            self.env.pop(k, None)
        self.env.update(DBUS_SYSTEM_BUS_ADDRESS=self.address,
                        FWUPD_SYSCONFDIR=os.path.join(root, 'etc'),
                        FWUPD_LOCALSTATEDIR=os.path.join(root, 'var'),
                        FWUPD_RUNDIR=os.path.join(root, 'run'),
                        FWUPD_LOCKDIR=os.path.join(root, 'lock'),
                        NO_COLOR='1', LANG='C.UTF-8')
        if only_trusted:
            self._make_ca()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- life cycle ------------------------------------------------------------------------

    def start(self, timeout=30.0):
        if not self.own_bus:
            self.start_fwupd(timeout)
            return
        conf = os.path.join(self.root, 'bus', 'system.conf')
        with open(conf, 'w') as f:
            f.write(BUS_CONFIG % self.socket)
        self.dbus = subprocess.Popen(['dbus-daemon', '--config-file=' + conf, '--nofork',
                                      '--nopidfile'], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self._wait(lambda: os.path.exists(self.socket), 10, 'dbus-daemon did not start')
        self.start_fwupd(timeout)

    def start_fwupd(self, timeout=30.0):
        test = {'WriteDelay': '20'}
        test.update(self.test_config)
        with open(os.path.join(self.root, 'etc', 'fwupd', 'fwupd.conf'), 'w') as f:
            f.write('[fwupd]\nTestDevices=true\nOnlyTrusted=%s\nIdleTimeout=0\n'
                    'UpdateMotd=false\n[test]\n' % ('true' if self.only_trusted else 'false'))
            for k, v in test.items():
                f.write('%s=%s\n' % (k, v))
        os.chmod(os.path.join(self.root, 'etc', 'fwupd', 'fwupd.conf'), 0o640)
        log = open(self.log_path, 'a')
        self.fwupd = subprocess.Popen([FWUPD_BIN, '--verbose'], env=self.env, stdout=log,
                                      stderr=subprocess.STDOUT)
        log.close()
        self._wait(lambda: self.device_version() is not None, timeout,
                   'fwupd did not show its test device')

    def stop_fwupd(self):
        if self.fwupd and self.fwupd.poll() is None:
            self.fwupd.terminate()
            try:
                self.fwupd.wait(5)
            except subprocess.TimeoutExpired:
                self.fwupd.kill()
                self.fwupd.wait()
        self.fwupd = None

    def stop(self):
        self.stop_fwupd()
        if self.dbus and self.dbus.poll() is None:
            self.dbus.terminate()
            self.dbus.wait()
        self.dbus = None

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors='replace') as f:
                return ''.join(f.readlines()[-lines:])
        except OSError:
            return ''

    @staticmethod
    def _wait(predicate, timeout, message):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return
            time.sleep(0.05)
        raise RuntimeError(message)

    # -- talking to it (gdbus: it passes file descriptors) ---------------------------------

    def call(self, method, *args, stdin=None):
        p = subprocess.run(['gdbus', 'call', '--system', '--timeout', '120', '--dest',
                            'org.freedesktop.fwupd', '--object-path', '/', '--method',
                            'org.freedesktop.fwupd.' + method] + list(args), env=self.env,
                           stdin=stdin, capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr

    def device_version(self, device=TEST_DEVICE):
        rc, out = self.call('GetDevices')
        if rc != 0:
            return None
        for entry in out.split('}, {'):
            if "'DeviceId': <'%s'>" % device in entry:
                m = re.search(r"'Version': <'([^']+)'>", entry)
                return m.group(1) if m else None
        return None

    def modify_config(self, section, key, value):
        rc, out = self.call('ModifyConfig', section, key, value)
        if rc != 0:
            raise RuntimeError('ModifyConfig %s %s: %s' % (section, key, out))

    def install(self, cab, device=TEST_DEVICE, flags=0):
        """Installs as another client would (fwupdmgr): returns (rc, output)."""
        with open(cab, 'rb') as f:
            return self.call('Install', device, 'handle 0',
                             "{'install-flags': <uint64 %d>}" % flags, stdin=f)

    # -- cabinets --------------------------------------------------------------------------

    def _make_ca(self):
        p = os.path.join(self.root, 'pki')
        _run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key',
              '-out', 'ca.pem', '-days', '3650', '-subj', '/CN=fwupd-bridge test CA',
              '-addext', 'basicConstraints=critical,CA:TRUE', '-addext',
              'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'], cwd=p)
        _run(['openssl', 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'signer.key',
              '-out', 'signer.csr', '-subj', '/CN=fwupd-bridge test signer'], cwd=p)
        with open(os.path.join(p, 'signer.ext'), 'w') as f:
            f.write('basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n'
                    'extendedKeyUsage=codeSigning\n')
        _run(['openssl', 'x509', '-req', '-in', 'signer.csr', '-CA', 'ca.pem', '-CAkey',
              'ca.key', '-CAcreateserial', '-out', 'signer.pem', '-days', '3650', '-extfile',
              'signer.ext'], cwd=p)
        shutil.copy(os.path.join(p, 'ca.pem'),
                    os.path.join(self.root, 'etc', 'pki', 'fwupd', 'fwupd-bridge-test-CA.pem'))

    def make_cab(self, version, out, sign=False, guid=TEST_GUID):
        """A cabinet for the fake device: its plugin reads the first 9 bytes of the payload as
        an integer and makes the version (v>>24).((v>>16)&0xff).(v&0xffff) from it."""
        import hashlib
        import tempfile
        major, minor, micro = (int(x) for x in version.split('.'))
        d = tempfile.mkdtemp(dir=os.path.join(self.root, 'cab'))
        payload = b'%d' % ((major << 24) | (minor << 16) | micro)
        with open(os.path.join(d, 'firmware.bin'), 'wb') as f:
            f.write(payload)
        with open(os.path.join(d, 'firmware.metainfo.xml'), 'w') as f:
            f.write(METAINFO % {'guid': guid, 'version': version,
                                'sha256': hashlib.sha256(payload).hexdigest()})
        files = ['firmware.bin', 'firmware.metainfo.xml']
        if sign:
            p = os.path.join(self.root, 'pki')
            with open(os.path.join(d, 'firmware.bin.sha256'), 'w') as f:
                f.write(hashlib.sha256(payload).hexdigest())
            _run(['jcat-tool', '--kind', 'sha256', 'import', 'firmware.jcat', 'firmware.bin',
                  'firmware.bin.sha256'], cwd=d)
            _run(['jcat-tool', 'sign', 'firmware.jcat', 'firmware.bin',
                  os.path.join(p, 'signer.pem'), os.path.join(p, 'signer.key')], cwd=d)
            files.append('firmware.jcat')
        _run(['gcab', '--create', '--nopath', os.path.abspath(out)] + files, cwd=d)
        shutil.rmtree(d, ignore_errors=True)
        return out
