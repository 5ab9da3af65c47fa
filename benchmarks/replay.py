"""Story detection throughput as the archive grows: replay 10,000 and 100,000 posts.

    .venv/bin/python benchmarks/replay.py [--sizes 10000,100000] [--no-meaning]

Builds one archive of synthetic multilingual border-region posts (30 s apart, so 100,000 posts
span five weeks) and runs ``monitor replay``'s code path (matching, stories, alert decisions,
in a scratch database) over the first N posts. Posts/s should stay roughly flat: every lookup is
a bounded index read and only stories inside the window are candidates. With meaning on (the
default, as configured), each matching post is also encoded to a sentence vector; ``--no-meaning``
measures the claim frame alone. Also prints the peak resident memory after each run.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_texts  # noqa: E402

from monitor.config import load_config  # noqa: E402
from monitor.language import detect  # noqa: E402
from monitor.storage import Archive, iso  # noqa: E402
from monitor.storage.queries import Filters  # noqa: E402
from monitor.stories import replay  # noqa: E402

START = datetime(2024, 8, 1, tzinfo=timezone.utc)


def build(archive: Archive, count: int) -> None:
    texts = make_texts(count, seed=13)
    conn = archive.conn
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO posts (source, channel, message_id, channel_title, date, text, lang, deleted, ingested_at)"
        " VALUES ('telegram', ?, ?, ?, ?, ?, ?, 0, ?)",
        ((str(i % 40), i, f"Канал {i % 40}", iso(START + timedelta(seconds=30 * i)), text, detect(text).code, iso(START))
         for i, (_, text) in enumerate(texts)),
    )
    conn.execute("COMMIT")


def rss_mb() -> float:
    """Resident memory now (Linux /proc), in MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--no-meaning", action="store_true", help="the claim frame alone, no sentence vectors")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "monitor.toml").write_text(
            '[storage]\npath = "archive.db"\n'
            '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\n'
            '[[watchlist]]\nname = "sumy"\nregions = ["UA-59"]\n'
            '[[watchlist]]\nname = "drones"\nkeywords = ["беспилотник", "безпілотник", "drone", "дрон"]\n'
            + (f"[stories]\nmeaning = {'false' if args.no_meaning else 'true'}\n"),
            encoding="utf-8",
        )
        config = load_config(folder / "monitor.toml")
        with Archive.of(config.storage) as archive:
            started = time.perf_counter()
            build(archive, max(sizes))
            print(f"built {max(sizes):,} posts in {time.perf_counter() - started:.0f} s")
            for size in sizes:
                until = iso(START + timedelta(seconds=30 * size))
                before = rss_mb()
                highest = before
                started = time.perf_counter()
                alerts = 0
                for _ in replay(archive, config, filters=Filters(until=until)):
                    alerts += 1
                    if alerts % 2000 == 0:
                        highest = max(highest, rss_mb())
                elapsed = time.perf_counter() - started
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"replay {size:>7,} posts (meaning {'off' if args.no_meaning else 'on'}):"
                      f" {size / elapsed:6,.0f} posts/s, {alerts:,} alerts,"
                      f" RSS {before:.0f} MB before, at most {highest:.0f} MB during (process peak {peak:.0f} MB)")


if __name__ == "__main__":
    main()
