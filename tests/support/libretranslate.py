"""A LibreTranslate-compatible /translate server on 127.0.0.1, for tests.

It "translates" with a small word list, so tests can tell what was sent and
what came back. ``mode`` switches behaviour: "ok", "429", "500", "hang", and
``api_key`` (when set) makes it refuse other keys with 403, as LibreTranslate does.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

WORDS = {
    "атака": "attack", "отражена": "repelled", "в": "in", "районе": "area", "под": "near", "обстрел": "shelling",
    "пострадали": "injured", "человек": "people", "режим": "regime", "чс": "emergency", "введён": "introduced",
    "эвакуация": "evacuation", "жителей": "residents", "николаево-дарьино": "Nikolaev-Darino",
    "суджа": "Sudja", "судже": "Sudja", "суджи": "Sudja",
}


def fake_translate(text: str) -> str:
    def word(m):
        w = m.group(0)
        return WORDS.get(w.lower(), w)

    return re.sub(r"[\w-]+", word, text)


class LibreServer:
    def __init__(self, api_key: str | None = None):
        self.mode = "ok"
        self.api_key = api_key
        self.requests: list[dict] = []
        self.hang_seconds = 5.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                if body:
                    try:
                        params.update(json.loads(body))
                    except ValueError:
                        params.update({k: v[0] for k, v in parse_qs(body).items()})
                if url.path != "/translate":
                    return self._reply(404, {"error": "Not Found"})
                server.requests.append(params)
                if server.mode == "hang":
                    time.sleep(server.hang_seconds)
                    return self._reply(200, {"translatedText": "too late"})
                if server.mode == "429":
                    return self._reply(429, {"error": "Too many request limits violation"})
                if server.mode == "500":
                    return self._reply(500, {"error": "Internal Server Error"})
                if server.api_key is not None and params.get("api_key") != server.api_key:
                    return self._reply(403, {"error": "Invalid API key"})
                return self._reply(200, {"translatedText": fake_translate(params.get("q", ""))})

            def _reply(self, status, data):
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except OSError:
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> LibreServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
