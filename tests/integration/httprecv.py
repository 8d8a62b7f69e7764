"""httprecv: a case system for the hand-off tests: an HTTP server on
loopback (http.server in a thread) that parses each POST's
multipart/form-data body with the email package and records it.

Its behaviour can be switched while it runs, to play the faults of the
contract's section 4:
  "ok"     answer 200 after reading and parsing the body
  "500"    read the body, answer 500
  "hang"   read nothing and answer nothing until the mode changes
  "reset"  read part of the body, then reset the connection (RST)
  "slow"   read the body, wait `slow_s`, then answer 200
and `down()` / `up()` close and reopen the listening socket on the same
port (connection refused in between).
"""

import email.parser
import io
import email.policy
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Delivery:
    def __init__(self, key, parts, order, t):
        self.key = key          # Idempotency-Key
        self.parts = parts      # {name: bytes}
        self.order = order      # part names in the order received
        self.t = t


def parse_multipart(ctype, body):
    """[(name, filename, content type, bytes)] of a multipart body."""
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
    if not msg.is_multipart():
        raise ValueError("not multipart: %s" % ctype)
    out = []
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        out.append((name, part.get_filename(), part.get_content_type(),
                    part.get_payload(decode=True)))
    return out


class Receiver:
    def __init__(self):
        self.mode = "ok"
        self.slow_s = 1.0
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.deliveries = []    # answered 2xx
        self.attempts = []      # (key, mode) of every request seen
        self.errors = []
        self.port = 0
        self.server = None
        self.up()

    # -- control
    @property
    def url(self):
        return "http://127.0.0.1:%d/bundles" % self.port

    def set_mode(self, mode):
        with self.changed:
            self.mode = mode
            self.changed.notify_all()

    def up(self):
        recv = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                recv.handle(self)

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass        # a client gone mid-answer is the test's point

        self.server = Server(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def down(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def close(self):
        self.set_mode("ok")         # releases hanging handlers
        self.down()

    def keys(self):
        with self.lock:
            return {d.key for d in self.deliveries}

    def count(self, mode=None):
        with self.lock:
            return sum(1 for a in self.attempts if mode in (None, a[1]))

    # -- the handler
    def read_body(self, h, limit=None):
        if h.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                n = int(h.rfile.readline().split(b";")[0], 16)
                if n == 0:
                    h.rfile.readline()
                    return bytes(body)
                body += h.rfile.read(n)
                h.rfile.readline()
                if limit and len(body) >= limit:
                    return bytes(body)
        n = int(h.headers.get("Content-Length", "0"))
        return h.rfile.read(min(n, limit) if limit else n)

    def answer(self, h, code):
        text = b"ok\n" if code < 300 else b"no\n"
        h.send_response(code)
        h.send_header("Content-Length", str(len(text)))
        h.end_headers()
        h.wfile.write(text)

    def handle(self, h):
        key = h.headers.get("Idempotency-Key")
        with self.lock:
            mode = self.mode
            self.attempts.append((key, mode))
        if mode == "hang":
            with self.changed:
                self.changed.wait_for(lambda: self.mode != "hang", 60)
            h.close_connection = True
            return
        if mode == "reset":
            self.read_body(h, limit=4096)
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    struct.pack("ii", 1, 0))
            h.connection.close()
            h.wfile = io.BytesIO()      # nothing more goes out
            h.close_connection = True
            return
        body = self.read_body(h)
        if mode == "500":
            self.answer(h, 500)
            return
        if mode == "slow":
            time.sleep(self.slow_s)
        try:
            parts = parse_multipart(h.headers.get("Content-Type", ""), body)
        except Exception as e:      # noqa: BLE001 -- recorded for the test
            with self.lock:
                self.errors.append("%s: %s" % (key, e))
            self.answer(h, 400)
            return
        for name, filename, _, _ in parts:
            if name != filename:
                with self.lock:
                    self.errors.append("%s: part name %r, filename %r"
                                       % (key, name, filename))
        d = Delivery(key, {p[0]: p[3] for p in parts},
                     [p[0] for p in parts], time.monotonic())
        with self.lock:
            self.deliveries.append(d)
        self.answer(h, 200)
