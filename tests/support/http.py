"""A real HTTP server on 127.0.0.1 for tests: routes with queued responses, and a log of requests."""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def route(self, path: str, status: int = 200, body: bytes | str = b"", headers: dict | None = None) -> None:
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
