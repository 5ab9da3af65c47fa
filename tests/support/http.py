"""A real HTTP server on 127.0.0.1 for tests: routes with queued responses, a log of requests, and
hostile answers (a body trickled byte by byte, a body of unannounced length)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Stream:
    """A body sent in ``size``-byte pieces, ``delay`` seconds apart, ``total`` bytes in all (None: endless)."""

    def __init__(self, data: bytes, *, size: int = 65536, delay: float = 0.0, total: int | None = None):
        self.data, self.size, self.delay, self.total = data, size, delay, total

    def chunks(self):
        sent = 0
        while self.total is None or sent < self.total:
            offset = sent % len(self.data)
            piece = self.data[offset:offset + self.size]
            if self.total is not None:
                piece = piece[:self.total - sent]
            sent += len(piece)
            yield piece
            if self.total is None and not self.data:
                return


class HttpServer:
    def __init__(self):
        self.routes: dict[str, tuple[int, bytes, dict]] = {}
        self.queues: dict[str, deque] = defaultdict(deque)
        self.requests: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                with server.lock:
                    server.requests.append((self.path, dict(self.headers)))
                    queued = server.queues.get(self.path)
                    answer = queued.popleft() if queued else server.routes.get(self.path)
                if answer is None:
                    answer = (404, b"not found", {})
                status, body, headers = answer
                if callable(body):
                    status, body, headers = body(self)
                if isinstance(body, Stream):
                    self._stream(status, body, headers)
                    return
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _stream(self, status, stream, headers):
                """No Content-Length: the body ends when the connection closes (HTTP/1.0)."""
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    for chunk in stream.chunks():
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        if stream.delay:
                            time.sleep(stream.delay)
                except OSError:  # the client gave up: what the hostile answers are for
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)  # stop() waits one interval

    def route(self, path: str, status: int = 200, body: bytes | str | Stream = b"", headers: dict | None = None) -> None:
        """The standing answer for ``path`` (path plus query string)."""
        self.routes[path] = (status, body.encode() if isinstance(body, str) else body, headers or {})

    def queue(self, path: str, status: int, body: bytes | str = b"", headers: dict | None = None) -> None:
        """A one-off answer for ``path``, given before the standing one."""
        self.queues[path].append((status, body.encode() if isinstance(body, str) else body, headers or {}))

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def start(self) -> HttpServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
