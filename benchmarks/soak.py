"""Soak: the daemon under a steady feed, for memory over time and alert latency.

    .venv/bin/python benchmarks/soak.py [--rate 20] [--minutes 10]

A feed on 127.0.0.1 publishes ``rate`` posts a second (the feed shows its latest 400
entries, as real feeds do); the daemon polls it every second and mails alerts to an SMTP
server (aiosmtpd) on 127.0.0.1. Prints the daemon's resident memory every 30 s (flat after
warm-up) and the latency from an entry's publication to its alert mail being accepted,
p50 and p95 (target: p95 under 2 s plus the poll interval). Stories run as configured by default,
meaning on: each matching post is encoded to a sentence vector before its alert is decided.
"""

from __future__ import annotations

import argparse
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.http import HttpServer  # noqa: E402
from tests.support.smtp import SmtpServer  # noqa: E402

PLACES = ["Суджа", "Глушково", "Коренево", "Рыльск", "Льгов", "Тёткино", "Олешня", "Гуево", "Курчатов", "Обоянь"]
EVENTS = ["обстрел", "атака беспилотника", "пожар после атаки", "эвакуация жителей", "повреждение ЛЭП"]


def rss_of(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="posts per second")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--log", help="write the daemon's info log to this file")
    args = parser.parse_args()
    rnd = random.Random(1)
    entries: list[tuple[str, str, float]] = []
    lock = threading.Lock()
    published: dict[str, float] = {}
    base = datetime(2024, 8, 6, tzinfo=timezone.utc)

    def render(handler):
        with lock:
            latest = entries[-400:]
        items = "".join(f"<item><title>{text}</title><guid>{guid}</guid><link>https://news.example.org/{guid}</link>"
                        f"<pubDate>{format_datetime(base + timedelta(seconds=i))}</pubDate></item>"
                        for i, (guid, text, _) in enumerate(latest, start=len(entries) - len(latest)))
        return 200, f'<?xml version="1.0"?><rss version="2.0"><channel><title>soak</title>{items}</channel></rss>'.encode(), \
            {"Content-Type": "application/rss+xml; charset=utf-8"}

    http = HttpServer().start()
    http.route("/feed.xml", body=render)
    smtp = SmtpServer().start()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "monitor.toml"
        config.write_text(f"""[storage]\npath = "archive.db"\n[email]\nhost = "127.0.0.1"\nport = {smtp.port}
sender = "monitor@example.org"\nstarttls = false\nrate_limit = 100000\n
[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nrecipients = ["desk@example.org"]\n
[[feed]]\nname = "soak"\nurl = "{http.url}/feed.xml"\ninterval_seconds = 1\n""", encoding="utf-8")
        log = open(args.log, "wb") if args.log else subprocess.DEVNULL
        proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "--log-level",
                                 "info" if args.log else "warning", "run"], cwd=str(ROOT),
                                stdout=subprocess.DEVNULL, stderr=log)
        started = time.monotonic()
        wall_start = time.time()
        end = started + args.minutes * 60
        next_sample = started
        n = 0
        print(f"publishing {args.rate:g} posts/s for {args.minutes:g} min")
        while time.monotonic() < end:
            now = time.monotonic()
            due = int((now - started) * args.rate)
            with lock:
                while n < due:
                    guid = f"soak-{n}"
                    text = (f"{rnd.choice(EVENTS).capitalize()}: {rnd.choice(PLACES)} Курской области,"
                            f" пострадали {rnd.randint(1, 400)} человек, сводка {n}")
                    entries.append((guid, text, time.time()))
                    published[guid] = time.time()
                    n += 1
            if now >= next_sample:
                wal = Path(tmp) / "archive.db-wal"
                print(f"  t={now - started:5.0f} s  posts published {n:6d}  daemon RSS {rss_of(proc.pid):6.1f} MB"
                      f"  WAL {wal.stat().st_size / 1e6 if wal.exists() else 0:6.1f} MB", flush=True)
                next_sample += 30
            time.sleep(0.05)
        time.sleep(5)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    latencies = []
    by_minute: dict[int, list[float]] = {}
    for _, message in smtp.messages:
        body = message.get_body(("plain",)).get_content()
        found = re.search(r"https://news\.example\.org/(soak-\d+)", body)
        if found and found.group(1) in published:
            latencies.append(float(message["X-Received-At"]) - published[found.group(1)] if message["X-Received-At"]
                             else None)
            by_minute.setdefault(int((published[found.group(1)] - wall_start) // 60), []).append(latencies[-1])
    http.stop()
    smtp.stop()
    latencies = sorted(x for x in latencies if x is not None)
    if not latencies:
        print("no alert mails received")
        return
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"alerts mailed: {len(latencies)} of {n} posts published")
    for minute, values in sorted(by_minute.items()):
        values.sort()
        print(f"  minute {minute:2d}: {len(values):5d} alerts, latency p50 {statistics.median(values):6.2f} s,"
              f" p95 {values[int(0.95 * (len(values) - 1))]:6.2f} s")
    print(f"alert latency: p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s (target p95 < 2 s + 1 s poll)")


if __name__ == "__main__":
    main()
