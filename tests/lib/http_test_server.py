#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A small HTTP(S) server for the HTTP client's tests, on loopback, standard library only.

    http_test_server.py [--user U] [--password P]
                        --listen NAME [--cert PEM --key PEM [--client-ca PEM]] ...

Each --listen opens one listener on 127.0.0.1, port 0, plain HTTP unless --cert/--key
follow it (then TLS; --client-ca makes it require a client certificate signed by that CA).
Once every listener is up it prints "listen NAME PORT" per listener, then "ready".

Commands on stdin, one answer line each on stdout:
    stats   ->  "connections=N open=M requests=R"  (TCP connections accepted, still open)
    reset   ->  "ok"                               (zeroes connections and requests)
EOF on stdin stops the server.

Endpoints (any method unless told):
    /echo           200, text/plain: "method=M\\nconn=ID\\ncookie=C\\nsoapaction=S\\n"
                    "length=N\\n\\n" followed by the request body
    /session        sets a session cookie on the first call and checks it on the next:
                    200 "new" (Set-Cookie sent), 200 "known" or 403 "unknown cookie"
    /basic          like /echo, behind Basic authentication
    /digest         like /echo, behind Digest authentication (MD5, qop=auth)
    /redirect?code=307&to=/echo     a redirect to `to` with status `code`
    /loop           a redirect to itself, for ever
    /slow?ms=N      waits N ms, then answers like /echo
    /huge?size=N[&chunked=1]        N bytes of 'x', with Content-Length or chunked
    /status?code=N  answers status N with the body "status N"
"""

import argparse
import base64
import http.server
import os
import secrets
import sys
import threading
import time
import urllib.parse

from http_loopback import LoopbackHTTPServer, end_body, md5, parse_digest, read_chunked, \
    start_body, tls_server_context, write_piece

REALM = 'cwmp-test'


class State:
    """Shared by every listener: counters, issued cookies and nonces."""

    def __init__(self, user, password):
        self.lock = threading.Lock()
        self.user = user
        self.password = password
        self.connections = 0
        self.open = 0
        self.requests = 0
        self.cookies = set()
        self.nonces = set()

    def connection_opened(self):
        with self.lock:
            self.connections += 1
            self.open += 1
            return self.connections

    def connection_closed(self):
        with self.lock:
            self.open -= 1

    def stats(self):
        with self.lock:
            return 'connections=%d open=%d requests=%d' % (self.connections, self.open,
                                                          self.requests)

    def reset(self):
        with self.lock:
            self.connections = 0  # `open` counts live connections: it stays
            self.requests = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    timeout = 30  # an idle keep-alive connection is dropped after this

    def setup(self):
        super().setup()
        self.conn_id = self.server.state.connection_opened()

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.state.connection_closed()

    def log_message(self, format, *args):
        pass

    # ---- helpers ----

    def read_body(self):
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            return read_chunked(self.rfile)
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length > 0 else b''

    def reply(self, status, body, content_type='text/plain', headers=()):
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def echo(self, body):
        text = 'method=%s\nconn=%d\ncookie=%s\nsoapaction=%s\nlength=%d\n\n' % (
            self.command, self.conn_id, self.headers.get('Cookie', ''),
            self.headers.get('SOAPAction', ''), len(body))
        self.reply(200, text.encode() + body)

    def check_basic(self):
        auth = self.headers.get('Authorization', '')
        if auth.startswith('Basic '):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(':')
            except ValueError:
                return False
            return user == self.server.state.user and password == self.server.state.password
        return False

    def check_digest(self):
        auth = self.headers.get('Authorization', '')
        if not auth.startswith('Digest '):
            return False
        f = parse_digest(auth)
        state = self.server.state
        with state.lock:
            known_nonce = f.get('nonce') in state.nonces
        if (not known_nonce or f.get('username') != state.user or f.get('realm') != REALM
                or f.get('qop') != 'auth' or f.get('uri') != self.path
                or f.get('algorithm', 'MD5').upper() != 'MD5'):
            return False
        ha1 = md5('%s:%s:%s' % (state.user, REALM, state.password))
        ha2 = md5('%s:%s' % (self.command, f['uri']))
        expected = md5('%s:%s:%s:%s:auth:%s' % (ha1, f['nonce'], f.get('nc', ''),
                                                f.get('cnonce', ''), ha2))
        return secrets.compare_digest(expected, f.get('response', ''))

    def challenge_digest(self):
        nonce = secrets.token_hex(16)
        with self.server.state.lock:
            self.server.state.nonces.add(nonce)
        value = 'Digest realm="%s", qop="auth", algorithm=MD5, nonce="%s", opaque="%s"' % (
            REALM, nonce, secrets.token_hex(8))
        self.reply(401, b'unauthorized', headers=[('WWW-Authenticate', value)])

    # ---- dispatch ----

    def handle_any(self):
        with self.server.state.lock:
            self.server.state.requests += 1
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        body = self.read_body()  # always, so the connection stays usable

        if url.path == '/echo':
            self.echo(body)
        elif url.path == '/session':
            self.session()
        elif url.path == '/basic':
            if self.check_basic():
                self.echo(body)
            else:
                self.reply(401, b'unauthorized',
                           headers=[('WWW-Authenticate', 'Basic realm="%s"' % REALM)])
        elif url.path == '/digest':
            if self.check_digest():
                self.echo(body)
            else:
                self.challenge_digest()
        elif url.path == '/redirect':
            code = int(query.get('code', '307'))
            self.reply(code, b'moved', headers=[('Location', query.get('to', '/echo'))])
        elif url.path == '/loop':
            self.reply(302, b'again', headers=[('Location', '/loop')])
        elif url.path == '/slow':
            time.sleep(int(query.get('ms', '1000')) / 1000)
            self.echo(body)
        elif url.path == '/huge':
            self.huge(int(query.get('size', '0')), query.get('chunked') == '1')
        elif url.path == '/status':
            code = int(query.get('code', '500'))
            self.reply(code, ('status %d' % code).encode())
        else:
            self.reply(404, b'not found')

    def session(self):
        cookie = self.headers.get('Cookie', '')
        value = None
        for part in cookie.split(';'):
            name, _, v = part.strip().partition('=')
            if name == 'session':
                value = v
        state = self.server.state
        if value is None:
            token = secrets.token_hex(8)
            with state.lock:
                state.cookies.add(token)
            self.reply(200, b'new', headers=[('Set-Cookie', 'session=%s; Path=/' % token)])
            return
        with state.lock:
            known = value in state.cookies
        if known:
            self.reply(200, b'known')
        else:
            self.reply(403, b'unknown cookie')

    def huge(self, size, chunked):
        start_body(self, size, chunked)
        block = b'x' * 65536
        left = size
        while left > 0:
            piece = block[:min(left, len(block))]
            write_piece(self.wfile, piece, chunked)
            left -= len(piece)
        end_body(self.wfile, chunked)

    do_GET = do_POST = do_PUT = do_HEAD = handle_any


class Server(LoopbackHTTPServer):
    def __init__(self, state, tls_context):
        self.state = state
        super().__init__(Handler, tls_context=tls_context)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--user', default='cpe')
    parser.add_argument('--password', default='secret')
    args, rest = parser.parse_known_args()

    listeners = []  # [name, cert, key, client_ca]
    it = iter(rest)
    for arg in it:
        if arg == '--listen':
            listeners.append([next(it), None, None, None])
        elif arg in ('--cert', '--key', '--client-ca') and listeners:
            listeners[-1][('--cert', '--key', '--client-ca').index(arg) + 1] = next(it)
        else:
            parser.error('unexpected argument %r' % arg)
    if not listeners:
        parser.error('no --listen given')

    state = State(args.user, args.password)
    servers = []
    for name, cert, key, client_ca in listeners:
        context = tls_server_context(cert, key, client_ca) if cert else None
        servers.append((name, Server(state, context).start()))

    for name, server in servers:
        print('listen %s %d' % (name, server.server_address[1]))
    print('ready', flush=True)

    for line in sys.stdin:
        command = line.strip()
        if command == 'stats':
            print(state.stats(), flush=True)
        elif command == 'reset':
            state.reset()
            print('ok', flush=True)
        else:
            print('unknown command', flush=True)
    os._exit(0)


if __name__ == '__main__':
    main()
