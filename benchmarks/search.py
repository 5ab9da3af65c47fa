"""Search latency on a large archive: p50 / p95 of 20 typical analyst searches.

    .venv/bin/python benchmarks/search.py [--posts 1000000] [--keep PATH]

Builds the archive with the real schema (migrations, FTS5 triggers), then runs each
search the way ``monitor search`` does (newest first, limit 20), with and without
the inflection-aware expansion (also without a place name's other names). Target: p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_texts  # noqa: E402

from monitor.storage import Archive  # noqa: E402
from monitor.storage.queries import Filters, search_posts  # noqa: E402

SEARCHES = [
    ("Суджа", None), ("Судже", None), ("Sudzha", None), ("Курске", None), ("Шебекино", None),
    ('"воздушная тревога"', None), ("беспилотников", None), ("drones", None), ("евакуювали", None),
    ("Вовчанську", None), ("Kharkiv", None), ("эвакуированы AND Суджей", None), ("Tyotkino OR Тёткино", None),
    ("пострадали", Filters(lang="ru")), ("shelling", Filters(since="2024-08-20T00:00:00+00:00")),
    ("Сумах", Filters(channel="Канал 3")), ("обстрел*", None), ("бібліотеку", None),
    ("курс доллара", None), ("Глушково NOT Коренево", None),
]



def time_searches(conn, expand) -> tuple[float, float, float]:
    """p50, p95 and the slowest of SEARCHES in milliseconds, each run once warm as `monitor search` runs it."""
    times = []
    for query, filters in SEARCHES:
        search_posts(conn, query, filters, limit=20, expand=expand)  # warm
        started = time.perf_counter()
        search_posts(conn, query, filters, limit=20, expand=expand)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(round(0.95 * (len(times) - 1)))], times[-1]

def build(path: Path, count: int) -> None:
    texts = make_texts(count, seed=11)
    start = datetime(2024, 8, 1, tzinfo=timezone.utc)
    with Archive(path) as archive:
        conn = archive.conn
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO posts (source, channel, message_id, channel_title, date, text, lang, deleted, ingested_at)"
            " VALUES ('telegram', ?, ?, ?, ?, ?, ?, 0, ?)",
            (
                (str(i % 50), i, f"Канал {i % 50}", (start + timedelta(seconds=3 * i)).isoformat(), text, lang,
                 start.isoformat())
                for i, (lang, text) in enumerate(texts)
            ),
        )
        conn.execute("COMMIT")
        conn.execute("INSERT INTO posts_fts (posts_fts) VALUES ('optimize')")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the archive at this path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "archive.db"
        if not path.exists():
            started = time.perf_counter()
            build(path, args.posts)
            print(f"built {args.posts:,} posts in {time.perf_counter() - started:.0f} s")
        try:
            from monitor.matching import expand_query
        except Exception:  # noqa: BLE001 - matching not available: raw FTS only
            expand_query = None
        with Archive(path, readonly=True) as archive:
            inflections = (lambda query: expand_query(query, places=False)) if expand_query else None
            for label, expand in (("raw FTS5", None), ("inflections only", inflections),
                                  ("inflections and place names (monitor search default)", expand_query)):
                if label.startswith("expanded") and expand is None:
                    continue
                p50, p95, slowest = time_searches(archive.conn, expand)
                print(f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {slowest:.1f} ms"
                      f" over {len(SEARCHES)} searches (target p95 < 50 ms)")


if __name__ == "__main__":
    main()
