"""Stop: seconds from SIGTERM to exit of an idle ``monitor run`` (target: under 2 s).

    .venv/bin/python benchmarks/stop.py [--runs 5]

Starts the daemon as systemd would (a notify socket), waits for READY=1 and a second more, sends
SIGTERM and times the exit; prints each run, the exit code and the daemon's summary line.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """[storage]
path = "archive.db"

[[watchlist]]
name = "kursk"
regions = ["RU-KRS"]
recipients = ["desk@example.org"]
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    (folder / "monitor.toml").write_text(CONFIG, encoding="utf-8")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(folder / "notify.sock"))
    env = dict(os.environ, NOTIFY_SOCKET=str(folder / "notify.sock"))
    times = []
    for run in range(args.runs):
        daemon = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(folder / "monitor.toml"),
                                   "--log-level", "info", "run"], env=env, stderr=subprocess.PIPE, text=True)
        while b"READY=1" not in notify.recv(4096):
            pass
        time.sleep(1)
        start = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        _, stderr = daemon.communicate()
        times.append(time.monotonic() - start)
        print(f"run {run + 1}: {times[-1]:.2f} s, exit {daemon.returncode}: {stderr.strip().splitlines()[-1]}")
    print(f"slowest stop: {max(times):.2f} s over {len(times)} runs")


if __name__ == "__main__":
    main()
