"""Peak memory and time of fetching a gzip bomb and a trickling server: an unbounded httpx GET against
monitor's bounded fetch. Each case runs in its own process so its peak RSS is its own.

    .venv/bin/python benchmarks/hostile_fetch.py [--megabytes 256]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def bomb(megabytes: int) -> bytes:
    """Zeros compressed as gzip, in one stream."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    return b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()


def serve(body: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            if self.path == "/bomb":
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.end_headers()  # /trickle: one byte every second, for ever
            try:
                while True:
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(1.0)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def measure(case: str, url: str) -> None:
    import httpx

    from monitor.sources.fetch import fetch
    from monitor.sources.health import TransientSourceError

    async def run() -> str:
        async with httpx.AsyncClient(timeout=20) as client:
            if case == "httpx":
                response = await client.get(url)
                return f"read {len(response.content):,} bytes"
            try:
                await fetch(client, url, what="bench", deadline=5.0)
            except TransientSourceError as exc:
                return str(exc).split(": ", 1)[1][:90]
            return "read"

    start = time.perf_counter()
    outcome = asyncio.run(run())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{case:8} {url.rsplit('/', 1)[1]:8} {time.perf_counter() - start:6.2f} s  peak RSS {peak:7.0f} MB  {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=256, help="decompressed size of the bomb")
    parser.add_argument("--case")
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.case:
        measure(args.case, args.url)
        return
    body = bomb(args.megabytes)
    httpd = serve(body)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    print(f"gzip bomb: {len(body):,} bytes compressed, {args.megabytes} MB decompressed; trickle: 1 byte/s")
    for case, path in (("httpx", "/bomb"), ("bounded", "/bomb"), ("bounded", "/trickle")):
        subprocess.run([sys.executable, __file__, "--case", case, "--url", base + path], check=True)
    httpd.shutdown()


if __name__ == "__main__":
    main()
