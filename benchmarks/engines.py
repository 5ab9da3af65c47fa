"""SQLite and PostgreSQL side by side at 1 million posts: import posts/s and search p95.

    .venv/bin/python benchmarks/engines.py [--posts 1000000] [--import 20000] [--engine sqlite postgresql]
                                           [--url postgresql://user@host/db]

Importing a million posts through the whole pipeline takes hours on a small machine, so each archive is
first filled to ``--posts`` by a bulk loader (plain INSERTs into SQLite, whose FTS5 triggers index them;
COPY into PostgreSQL with the search vectors the archive writes, the GIN index built after). Then
``--import`` more posts, a Telegram export, go through the real importer (language, storing, matching,
stories) into that archive, and 20 typical analyst searches run as ``monitor search`` runs them (newest
first, limit 20, inflections and place names expanded). Without ``--url`` a PostgreSQL server is
started in a temporary folder (tests/support/postgres.py; Debian's binaries, ``make postgres``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from search import SEARCHES, time_searches  # noqa: E402
from synthetic import make_export, make_texts  # noqa: E402

from monitor.storage import Archive  # noqa: E402
from monitor.storage.engine import search_vector  # noqa: E402

WATCHLISTS = (
    '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nkeywords = ["эвакуация", "evacuation"]\n'
    'recipients = ["desk@example.org"]\n'
    '[[watchlist]]\nname = "sumy"\nregions = ["UA-59", "UA-63"]\nrecipients = ["desk@example.org"]\n'
)
START = datetime(2024, 6, 1, tzinfo=timezone.utc)
CHUNK = 50_000


def _rows(count: int):
    """(id, channel, message_id, title, date, text, lang) of the bulk posts, in chunks."""
    for first in range(0, count, CHUNK):
        texts = make_texts(min(CHUNK, count - first), seed=11 + first)
        yield [(first + i + 1, str((first + i) % 200), first + i + 1, f"Канал {(first + i) % 200}",
                (START + timedelta(seconds=2 * (first + i))).isoformat(), text, lang)
               for i, (lang, text) in enumerate(texts)]


def fill_sqlite(archive: Archive, count: int) -> None:
    conn = archive.conn
    for rows in _rows(count):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO posts (id, source, channel, message_id, channel_title, date, text, lang, deleted,"
                         " ingested_at) VALUES (?, 'telegram', ?, ?, ?, ?, ?, ?, 0, ?)",
                         [(*row, START.isoformat()) for row in rows])
        conn.execute("COMMIT")
    conn.execute("INSERT INTO posts_fts (posts_fts) VALUES ('optimize')")


def fill_postgres(archive: Archive, count: int) -> None:
    raw = archive.conn.raw
    raw.execute("DROP INDEX IF EXISTS posts_search")  # built once at the end: far faster than row by row
    for rows in _rows(count):
        with raw.transaction(), raw.cursor() as cursor:
            with cursor.copy("COPY posts (id, source, channel, message_id, channel_title, date, text, lang, deleted,"
                             " ingested_at, search) FROM STDIN") as copy:
                for post_id, channel, message_id, title, date, text, lang in rows:
                    copy.write_row((post_id, "telegram", channel, message_id, title, date, text, lang, 0,
                                    START.isoformat(), search_vector(text, None)))
    raw.execute("CREATE INDEX IF NOT EXISTS posts_search ON posts USING GIN (search)")
    raw.execute("VACUUM ANALYZE posts")


def import_more(folder: Path, storage: str, count: int) -> float:
    """Posts/s of ``count`` posts imported through the real importer into the filled archive."""
    from monitor.config import load_config
    from monitor.importer import import_exports
    from monitor.pipeline import Pipeline

    export = make_export(count, channels=20, seed=5)
    (folder / "result.json").write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    (folder / "monitor.toml").write_text(storage + WATCHLISTS, encoding="utf-8")
    config = load_config(folder / "monitor.toml")
    with Archive.of(config.storage) as archive:
        pipeline = Pipeline(archive, config)
        started = time.perf_counter()
        report = import_exports(archive, pipeline, [folder / "result.json"])
        elapsed = time.perf_counter() - started
    assert not report.failed, report.failed[0].error
    return report.totals().new / elapsed


def search_p95(archive: Archive) -> tuple[float, float, float]:
    from monitor.matching import expand_query

    return time_searches(archive.conn, expand_query)


def run(engine: str, folder: Path, posts: int, more: int, url: str | None) -> None:
    storage = f'[storage]\nurl = "{url}"\n' if engine == "postgresql" else '[storage]\npath = "archive.db"\n'
    archive = Archive(url=url) if engine == "postgresql" else Archive(folder / "archive.db")
    started = time.perf_counter()
    with archive:
        (fill_postgres if engine == "postgresql" else fill_sqlite)(archive, posts)
    print(f"{engine}: bulk-loaded {posts:,} posts in {time.perf_counter() - started:.0f} s (a bulk loader, not the"
          " importer)", flush=True)
    rate = import_more(folder, storage, more)
    print(f"{engine}: imported {more:,} more posts through the real importer into the {posts:,}-post archive:"
          f" {rate:,.0f} posts/s", flush=True)
    with Archive(url=url) if engine == "postgresql" else Archive(folder / "archive.db") as archive:
        p50, p95, worst = search_p95(archive)
        size = (archive.conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
                if engine == "postgresql" else sum(p.stat().st_size for p in folder.glob("archive.db*")))
    print(f"{engine}: search over {posts + more:,} posts (monitor search default, limit 20): p50 {p50:.1f} ms,"
          f" p95 {p95:.1f} ms, max {worst:.1f} ms over {len(SEARCHES)} searches; archive {size / 1e9:.2f} GB",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--import", dest="more", type=int, default=20_000)
    parser.add_argument("--engine", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument("--url", help="an empty PostgreSQL database; default: a server started for the run")
    args = parser.parse_args()
    server = None
    url = args.url
    if "postgresql" in args.engine and not url:
        from tests.support.postgres import PgServer

        server = PgServer(durable=True)  # fsync on, as a production server
        server.start()
        url = server.database()
    try:
        for engine in args.engine:
            with tempfile.TemporaryDirectory() as tmp:
                run(engine, Path(tmp), args.posts, args.more, url)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
