"""The archive's write path alone: storing N synthetic posts, and finding a forward's original.

    .venv/bin/python benchmarks/store.py [--posts 100000] [--forwards 2000]

Stores the posts in batches of 500 inside one transaction (as an import does), twice: with each
batch's new posts inserted by one statement (what ``Archive.store_posts`` does) and with one
statement per post (``executemany``); the insert trigger feeds the full-text index either way.
Prints µs per post for each and checks that both indexes answer the same searches. Then builds stories
over the archive (the first batches' posts matched as one watchlist's story posts) and times a
story detector's lookup of forwards' originals, by channel id and by username.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_texts  # noqa: E402

import monitor.storage.archive as archive_module  # noqa: E402
from monitor.storage import Archive, Post  # noqa: E402
from monitor.storage.queries import search_posts  # noqa: E402
from monitor.stories.detector import StoryDetector  # noqa: E402


def posts(count: int) -> list[Post]:
    start = datetime(2024, 8, 1, tzinfo=timezone.utc)
    return [Post(source="telegram", channel=str(2_000_000_000 + i % 20), channel_username=f"channel_{i % 20}",
                 message_id=i // 20 + 1, date=start + timedelta(seconds=30 * i), text=text, lang=lang)
            for i, (lang, text) in enumerate(make_texts(count))]


def store(path: Path, items: list[Post], *, rows_per_insert: int) -> float:
    archive_module.ROWS_PER_INSERT = rows_per_insert
    with Archive(path) as archive:
        started = time.perf_counter()
        with archive.transaction():
            for start in range(0, len(items), 500):
                archive.store_posts(items[start:start + 500])
        return 1e6 * (time.perf_counter() - started) / len(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--forwards", type=int, default=2_000)
    args = parser.parse_args()
    default = archive_module.ROWS_PER_INSERT
    items = posts(args.posts)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bulk = store(folder / "bulk.db", items, rows_per_insert=default)
        rows = store(folder / "rows.db", items, rows_per_insert=1)
        archive_module.ROWS_PER_INSERT = default
        print(f"posts:                       {args.posts:,}")
        print(f"store, a batch per statement:  {bulk:5.1f} µs per post")
        print(f"store, a post per statement:   {rows:5.1f} µs per post")
        with Archive(folder / "bulk.db") as one, Archive(folder / "rows.db") as other:
            for query in ("Суджа", "Сумах", "drones", '"воздушная тревога"', "евакуювали"):
                assert ([r["id"] for r in search_posts(one.conn, query, limit=200)]
                        == [r["id"] for r in search_posts(other.conn, query, limit=200)]), query
            print("searches:                    the same answers from both indexes")

            # story posts: a third of the posts, all of one watchlist (as matched posts would be)
            conn = one.conn
            conn.execute("INSERT INTO stories (watchlist, first_post_id, first_seen, last_seen, posts, sources, channels,"
                         " languages, regions, places, figures, kinds, title) VALUES"
                         " ('kursk', 1, '', '', 1, 1, '[]', '[]', '[]', '[]', '{}', '[]', '')")
            conn.execute("INSERT INTO story_posts (story_id, post_id, watchlist, decision, reason, date)"
                         " SELECT 1, id, 'kursk', 'repeat', '', date FROM posts WHERE id % 3 = 0")
            story_posts = conn.execute("SELECT count(*) FROM story_posts").fetchone()[0]
            detector = StoryDetector(conn)
            rnd = random.Random(1)
            originals = [rnd.randrange(1, args.posts + 1) for _ in range(args.forwards)]
            keys = {post_id: conn.execute("SELECT channel, channel_username, message_id FROM posts WHERE id = ?",
                                          (post_id,)).fetchone() for post_id in originals}
            for label, by in (("by channel id", 0), ("by username", 1)):
                started = time.perf_counter()
                found = 0
                for post_id in originals:
                    channel, username, message_id = keys[post_id]
                    hit = detector._forwarded_story("kursk", {"fwd_from_channel": (channel, username)[by],
                                                              "fwd_from_id": message_id})
                    found += hit is not None and hit[1] == post_id
                elapsed = 1e6 * (time.perf_counter() - started) / len(originals)
                expected = sum(1 for post_id in originals if post_id % 3 == 0)
                assert found == expected, (found, expected)
                print(f"forward lookup {label:13s}  {elapsed:7.1f} µs each ({story_posts:,} story posts)")
            # what the detector did before: one join reading every story post of the watchlist
            started = time.perf_counter()
            for post_id in originals[:50]:
                channel, username, message_id = keys[post_id]
                conn.execute("SELECT sp.story_id, p.id FROM posts p JOIN story_posts sp ON sp.post_id = p.id"
                             " AND sp.watchlist = ? WHERE (p.channel = ? OR lower(p.channel_username) = lower(?))"
                             " AND p.message_id = ? LIMIT 1", ("kursk", channel, channel, message_id)).fetchone()
            elapsed = 1e6 * (time.perf_counter() - started) / 50
            print(f"forward lookup as one join     {elapsed:7.1f} µs each (the earlier query, for comparison)")


if __name__ == "__main__":
    main()
