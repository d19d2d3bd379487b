# SPDX-License-Identifier: MIT
"""What the tests' loopback HTTP(S) servers share, standard library only: a threaded server
on 127.0.0.1 (or ::1) run in a thread of the test's own process, optionally TLS, and the
pieces of HTTP their handlers need (chunked bodies, Digest authentication)."""

import hashlib
import http.server
import socket
import socketserver
import ssl
import threading


class LoopbackHTTPServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """HANDLER on HOST, port 0; TLS where TLS_CONTEXT is given. start() serves it from a
    thread of its own; url(path) names a path on it."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler, host='127.0.0.1', tls_context=None):
        self.address_family = socket.AF_INET6 if ':' in host else socket.AF_INET
        self.host = '[%s]' % host if ':' in host else host
        self.tls_context = tls_context
        self.scheme = 'https' if tls_context else 'http'
        super().__init__((host, 0), handler)
        self.port = self.server_address[1]

    def start(self):
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()
        return self

    def url(self, path):
        return '%s://%s:%d%s' % (self.scheme, self.host, self.port, path)

    def stop(self):
        self.shutdown()
        self.server_close()

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the connection's own thread, not in the accept loop.
        if self.tls_context:
            try:
                request = self.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass  # clients that hang up mid-answer are part of the tests


def tls_server_context(cert, key, client_ca=None):
    """A server's TLS context with CERT and KEY; requires a client certificate signed by
    CLIENT_CA where given."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    if client_ca:
        context.load_verify_locations(client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def start_body(handler, size, chunked):
    """200 and the headers of an octet stream of SIZE bytes: chunked, or with its
    Content-Length."""
    handler.send_response(200)
    handler.send_header('Content-Type', 'application/octet-stream')
    if chunked:
        handler.send_header('Transfer-Encoding', 'chunked')
    else:
        handler.send_header('Content-Length', str(size))
    handler.end_headers()


def write_piece(wfile, data, chunked):
    """DATA, as one chunk where CHUNKED."""
    wfile.write(b'%x\r\n%s\r\n' % (len(data), data) if chunked else data)


def end_body(wfile, chunked):
    """The last chunk of a chunked body; nothing otherwise."""
    if chunked:
        wfile.write(b'0\r\n\r\n')


def read_chunked(rfile):
    """The body of a chunked request, trailers skipped."""
    body = b''
    while True:
        size = int(rfile.readline().split(b';')[0], 16)
        if size == 0:
            while rfile.readline() not in (b'\r\n', b'\n', b''):
                pass
            return body
        body += rfile.read(size)
        rfile.readline()


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def parse_digest(header):
    """Parses the fields of 'Digest a=b, c="d, e"' into a dict (names in lower case)."""
    fields = {}
    rest = header[len('Digest'):].strip()
    while rest:
        key, sep, rest = rest.partition('=')
        if not sep:
            break
        key = key.strip().lower()
        rest = rest.lstrip()
        if rest.startswith('"'):
            end = rest.find('"', 1)
            if end < 0:
                break
            value, rest = rest[1:end], rest[end + 1:]
        else:
            value, _, rest = rest.partition(',')
            value = value.strip()
            rest = ',' + rest if _ else ''
        fields[key] = value
        rest = rest.lstrip()
        if rest.startswith(','):
            rest = rest[1:].lstrip()
    return fields
