"""A LibreTranslate-compatible server (/languages, /translate) on 127.0.0.1, for tests.

It "translates" with a small word list, so tests can tell what was sent and
what came back. ``mode`` switches behaviour: "ok", "429", "500", "hang" (until
``release`` is set or ``hang_seconds`` pass), and ``api_key`` (when set) makes it refuse
other keys with 403, as LibreTranslate does. ``languages`` is what ``GET /languages``
lists; a /translate from or to another language gets LibreTranslate's 400 answer.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

WORDS = {
    "атака": "attack", "отражена": "repelled", "в": "in", "районе": "area", "под": "near", "обстрел": "shelling",
    "пострадали": "injured", "человек": "people", "режим": "regime", "чс": "emergency", "введён": "introduced",
    "эвакуация": "evacuation", "жителей": "residents", "николаево-дарьино": "Nikolaev-Darino",
    "суджа": "Sudja", "судже": "Sudja", "суджи": "Sudja",
}
WORDS_UK = {"атаку": "attack", "відбито": "repelled", "у": "in", "обстріл": "shelling", "під": "near",
            "постраждали": "injured", "людей": "people", "суджею": "Sudja"}
LANGUAGES = ("en", "ru", "uk", "de", "fr")


def fake_translate(text: str) -> str:
    def word(m):
        w = m.group(0)
        return WORDS.get(w.lower(), WORDS_UK.get(w.lower(), w))

    return re.sub(r"[\w-]+", word, text)


class LibreServer:
    def __init__(self, api_key: str | None = None):
        self.mode = "ok"
        self.api_key = api_key
        self.requests: list[dict] = []
        self.paths: list[str] = []  # every request line's path, query included, as sent
        self.hang_seconds = 5.0
        self.release = threading.Event()
        self.languages = list(LANGUAGES)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.paths.append(self.path)
                if urlparse(self.path).path != "/languages":
                    return self._reply(404, {"error": "Not Found"})
                return self._reply(200, [{"code": c, "name": c, "targets": [t for t in server.languages if t != c]}
                                         for c in server.languages])

            def do_POST(self):
                server.paths.append(self.path)
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
                    server.release.wait(server.hang_seconds)
                    return self._reply(200, {"translatedText": "too late"})
                if server.mode == "429":
                    return self._reply(429, {"error": "Too many request limits violation"})
                if server.mode == "500":
                    return self._reply(500, {"error": "Internal Server Error"})
                if server.api_key is not None and params.get("api_key") != server.api_key:
                    return self._reply(403, {"error": "Invalid API key"})
                for key in ("source", "target"):
                    if params.get(key) not in server.languages:
                        return self._reply(400, {"error": f"{params.get(key)} is not supported"})
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
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
