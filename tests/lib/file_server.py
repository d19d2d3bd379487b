# SPDX-License-Identifier: MIT
"""A loopback HTTP(S) file server for the transfer tests, standard library only, in the test's
own process: files to download (with Basic or Digest authentication, slow or cut bodies,
lying Content-Length), and a receiver for uploads (PUT, or POST where PUT is refused)."""

import http.server
import secrets
import time

from http_loopback import LoopbackHTTPServer, md5, parse_digest, tls_server_context

CHUNK = 64 * 1024


class File:
    """What GET answers at one path."""

    def __init__(self, data, auth=None, chunk_delay=0.0, cut_after=None, content_length=None,
                 status=200):
        self.data = data
        self.auth = auth  # None or ('basic'|'digest', user, password)
        self.chunk_delay = chunk_delay  # seconds between 64 KiB chunks
        self.cut_after = cut_after  # close the connection after this many bytes
        self.content_length = content_length  # announced instead of len(data)
        self.status = status


class Upload:
    def __init__(self, method, path, body, headers):
        self.method, self.path, self.body, self.headers = method, path, body, headers


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):
        pass

    def _reply(self, status, body=b'', headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def _authorized(self, auth):
        if auth is None:
            return True
        kind, user, password = auth
        header = self.headers.get('Authorization', '')
        if kind == 'basic':
            import base64
            expected = 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode()
            if header == expected:
                return True
            self._reply(401, b'authentication required',
                        [('WWW-Authenticate', 'Basic realm="files"')])
            return False
        if header.startswith('Digest '):
            f = parse_digest(header)
            ha1 = md5('%s:files:%s' % (user, password))
            ha2 = md5('%s:%s' % (self.command, f.get('uri', '')))
            want = md5('%s:%s:%s:%s:%s:%s' % (ha1, f.get('nonce'), f.get('nc'), f.get('cnonce'),
                                               f.get('qop'), ha2))
            if (f.get('username') == user and f.get('nonce') in self.server.owner.nonces and
                    f.get('response') == want):
                return True
        nonce = secrets.token_hex(16)
        self.server.owner.nonces.add(nonce)
        self._reply(401, b'authentication required', [
            ('WWW-Authenticate',
             'Digest realm="files", qop="auth", algorithm=MD5, nonce="%s"' % nonce)])
        return False

    def _read_body(self):
        n = int(self.headers.get('Content-Length', '0'))
        data = b''
        while len(data) < n:
            chunk = self.rfile.read(min(CHUNK, n - len(data)))
            if not chunk:
                break
            data += chunk
        return data

    def do_GET(self):
        owner = self.server.owner
        path = self.path.split('?')[0]
        owner.requests.append(('GET', path))
        f = owner.files.get(path)
        if f is None:
            self._reply(404, b'no such file')
            return
        if not self._authorized(f.auth):
            return
        if f.status != 200:
            self._reply(f.status, b'status %d' % f.status)
            return
        self.send_response(200)
        self.send_header('Content-Type', 'application/octet-stream')
        length = f.content_length if f.content_length is not None else len(f.data)
        self.send_header('Content-Length', str(length))
        self.end_headers()
        sent = 0
        limit = len(f.data) if f.cut_after is None else min(f.cut_after, len(f.data))
        try:
            while sent < limit:
                n = min(CHUNK, limit - sent)
                self.wfile.write(f.data[sent:sent + n])
                self.wfile.flush()
                sent += n
                if f.chunk_delay:
                    time.sleep(f.chunk_delay)
        except (BrokenPipeError, ConnectionResetError):
            return
        if sent < length:
            self.close_connection = True

    def _store(self):
        owner = self.server.owner
        path = self.path.split('?')[0]
        owner.requests.append((self.command, path))
        auth = owner.upload_auth.get(path)
        if not self._authorized(auth):
            self._read_body()
            return
        if self.command == 'PUT' and path in owner.post_only:
            self._read_body()
            self._reply(405, b'use POST', [('Allow', 'POST')])
            return
        body = self._read_body()
        owner.uploads.append(Upload(self.command, path, body, dict(self.headers)))
        status = owner.upload_status.get(path, 201 if self.command == 'PUT' else 200)
        self._reply(status, b'stored')

    do_PUT = _store
    do_POST = _store


class FileServer:
    """Serves `files` ({path: File}) on 127.0.0.1; TLS with tls=(cert, key)."""

    def __init__(self, tls=None):
        self.files = {}
        self.upload_auth = {}
        self.upload_status = {}
        self.post_only = set()
        self.uploads = []
        self.requests = []
        self.nonces = set()
        context = tls_server_context(*tls) if tls else None
        self.server = LoopbackHTTPServer(_Handler, tls_context=context)
        self.server.owner = self
        self.scheme, self.port = self.server.scheme, self.server.port
        self.server.start()

    def url(self, path):
        return self.server.url(path)

    def add(self, path, data, **kw):
        self.files[path] = File(data, **kw)
        return self.url(path)

    def wait_uploads(self, n, timeout):
        deadline = time.monotonic() + timeout
        while len(self.uploads) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.uploads

    def stop(self):
        self.server.stop()


def free_port():
    """A loopback TCP port nobody listens on (for "cannot contact the server")."""
    import socket
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port
