"""The SQLite archive: keys, revisions, full-text search kept in sync, WAL, migrations of older archives."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone

import pytest
import sqlite_utils

from monitor.storage import NEW, UNCHANGED, UPDATED, Archive, Post
from monitor.storage.migrations import all_sets
from monitor.storage.migrations import migrations as core_migrations
from monitor.storage.queries import Filters, QueryError, iter_posts, search_posts

T0 = datetime(2024, 8, 6, 11, 5, tzinfo=timezone.utc)


def post(message_id=1, text="Обстрел Суджи", **extra) -> Post:
    return Post(source="telegram", channel="100", message_id=message_id, date=T0, text=text,
                channel_title="Канал", **extra)


def test_storing_the_same_post_twice_changes_nothing(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        first = archive.store_posts([post()])
        second = archive.store_posts([post()])
        assert [s.status for s in first] == [NEW] and [s.status for s in second] == [UNCHANGED]
        assert archive.conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 1


def test_the_same_message_id_in_another_channel_is_another_post(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        other = Post(source="telegram", channel="200", message_id=1, date=T0, text="x")
        archive.store_posts([post(), other])
        assert archive.conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 2


def test_an_edit_keeps_the_earlier_text_as_a_revision_and_search_follows(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_posts([post(text="Пострадали пять человек")])
        [stored] = archive.store_posts([post(text="Пострадали двадцать четыре человека")])
        assert stored.status == UPDATED and stored.previous_text == "Пострадали пять человек"
        assert [r["text"] for r in archive.revisions(stored.id)] == ["Пострадали пять человек"]
        assert search_posts(archive.conn, "пять") == []
        assert [r["message_id"] for r in search_posts(archive.conn, "двадцать")] == [1]


def test_views_and_titles_refresh_without_counting_as_an_edit(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_posts([post(views=10)])
        [stored] = archive.store_posts([post(views=99, channel_username="kursk_gov")])
        assert stored.status == UNCHANGED
        row = archive.get_post(stored.id)
        assert row["views"] == 99 and row["channel_username"] == "kursk_gov"
        assert archive.revisions(stored.id) == []


def test_translation_is_searchable(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        [stored] = archive.store_posts([post()])
        archive.set_translation(stored.id, "Shelling of Sudzha", "en", "done")
        assert [r["id"] for r in search_posts(archive.conn, "Sudzha")] == [stored.id]


def test_the_archive_is_in_wal_mode_so_readers_do_not_wait_for_the_writer(tmp_path):
    path = tmp_path / "a.db"
    with Archive(path) as archive:
        archive.store_posts([post()])
        assert archive.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        with archive.transaction():  # a write transaction held open
            archive.store_posts([post(2, "второй")])
            seen = []
            reader = threading.Thread(target=lambda: seen.append(
                sqlite3.connect(path, timeout=0.5).execute("SELECT count(*) FROM posts").fetchone()[0]))
            reader.start()
            reader.join()
            assert seen == [1]  # the reader sees the last commit, without waiting
        assert archive.conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 2


def test_a_failed_batch_leaves_nothing_behind(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_posts([post()])
        with pytest.raises(RuntimeError):
            with archive.transaction():
                archive.store_posts([post(2, "два"), post(3, "три")])
                raise RuntimeError("crash in a later stage")
        assert archive.conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 1
        assert search_posts(archive.conn, "два") == []


def test_an_archive_made_by_an_older_version_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    core_migrations.apply(db, stop_before="m002_post_state")  # the first release's schema
    db["posts"].insert({"source": "telegram", "channel": "100", "message_id": 5, "date": "2024-08-06T11:05:00+00:00",
                        "text": "Старый пост про Суджу", "ingested_at": "2024-08-06T11:06:00+00:00"})
    db.close()
    with Archive(path) as archive:
        columns = {c.name for c in archive.db["posts"].columns}
        assert {"deleted", "external_id", "translation_status", "updated_at"} <= columns
        indexes = {i.name for i in archive.db["posts"].indexes}
        assert {"posts_key", "posts_date", "posts_translation_pending"} <= indexes
        assert "posts_channel_date" not in indexes  # made by m002, dropped by m004
        applied = {m["name"] for m in archive.db["_sqlite_migrations"].rows}
        assert all(name in applied for s in all_sets() for name in [m.name for m in s._migrations])
        old = archive.conn.execute("SELECT id, text, deleted FROM posts").fetchone()
        assert old[1:] == ("Старый пост про Суджу", 0)
        assert [r["id"] for r in search_posts(archive.conn, "Старый")] == [old[0]]
        [stored] = archive.store_posts([post(5, "Старый пост про Суджу")])
        assert stored.status == UNCHANGED and stored.id == old[0]
        [fresh] = archive.store_posts([post(6, "Новый пост")])
        assert fresh.status == NEW and fresh.id == old[0] + 1
        assert archive.get_post(fresh.id)["text"] == "Новый пост"


def test_a_stored_post_gives_the_row_it_was_stored_as(tmp_path):
    from monitor.storage.queries import posts_by_id

    with Archive(tmp_path / "a.db") as archive:
        posts = [
            post(1, "Обстрел Суджи", lang="ru", channel_username="kursk_gov", views=10, url="https://t.me/kursk_gov/1",
                 entities=[{"type": "bold", "offset": 0, "length": 6}], fwd_from_channel="rybar", fwd_from_id=7),
            post(2, "", edit_date=T0.replace(hour=12)),
        ]
        stored = archive.store_posts(posts)
        read = posts_by_id(archive.conn, [s.id for s in stored])
        for s in stored:
            assert s.status == NEW and s.row() == read[s.id]
        again = archive.store_posts([post(1, "Обстрел Суджи, уточнение")])
        assert again[0].status == UPDATED and again[0].row() is None  # not inserted: read it back


BATCH = 20  # posts stored by one store_posts call in the tests of the write path


def _fts_check(archive) -> None:
    archive.conn.execute("INSERT INTO posts_fts (posts_fts, rank) VALUES ('integrity-check', 1)")


def _insert_trigger(archive) -> str:
    return archive.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'posts_ai'").fetchone()[0]


def test_a_large_batch_is_indexed_as_storing_post_by_post_indexes_it(tmp_path):
    words = ["Суджа", "Курск", "Sumy", "обстрел", "евакуація", "drone"]
    posts = [post(i, f"{words[i % 6]} {words[(i * 5) % 6]} сообщение {i}", translation=f"message {i}" if i % 3 else None)
             for i in range(1, 3 * BATCH)]
    with Archive(tmp_path / "one.db") as one, Archive(tmp_path / "bulk.db") as bulk:
        trigger = _insert_trigger(bulk)
        for p in posts:
            one.store_posts([p])
        bulk.store_posts(posts)
        for query in [*words, "message", "сообщение 7", '"Курск обстрел"', "Sud*"]:
            assert ([r["message_id"] for r in search_posts(bulk.conn, query, limit=None)]
                    == [r["message_id"] for r in search_posts(one.conn, query, limit=None)]), query
        _fts_check(bulk)
        assert _insert_trigger(bulk) == trigger  # the trigger that indexes other writers' posts
    # and it still indexes what any other writer inserts
    other = sqlite3.connect(tmp_path / "bulk.db")
    other.execute("INSERT INTO posts (source, channel, message_id, date, text, ingested_at) VALUES"
                  " ('telegram', '9', 1, '2024-08-06T12:00:00+00:00', 'Тёткино', '2024-08-06T12:00:00+00:00')")
    other.commit()
    other.close()
    with Archive(tmp_path / "bulk.db") as bulk:
        assert [r["channel"] for r in search_posts(bulk.conn, "Тёткино")] == ["9"]


def test_a_batch_failing_half_way_leaves_the_archive_and_its_index_as_they_were(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_posts([post(i, f"Суджа {i}") for i in range(1, BATCH + 5)])
        trigger = _insert_trigger(archive)
        batch = [post(i, f"Курск {i}") for i in range(100, 100 + 2 * BATCH)]
        batch[BATCH].channel = None  # NOT NULL: the batch's insert fails part-way
        with pytest.raises(sqlite3.IntegrityError):
            archive.store_posts(batch)
        assert archive.conn.execute("SELECT count(*) FROM posts").fetchone()[0] == BATCH + 4
        assert search_posts(archive.conn, "Курск") == []
        assert len(search_posts(archive.conn, "Суджа", limit=None)) == BATCH + 4
        assert _insert_trigger(archive) == trigger
        _fts_check(archive)
        archive.store_posts(batch[:BATCH])  # and storing goes on
        assert len(search_posts(archive.conn, "Курск", limit=None)) == BATCH


def test_opening_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path):
    from monitor.storage import ArchiveError

    bad = tmp_path / "bad.db"
    bad.write_text("this is not a database" * 100)
    with pytest.raises(ArchiveError, match="not a usable SQLite archive"):
        Archive(bad)
    assert bad.read_text().startswith("this is not a database")


def test_a_query_syntax_error_is_a_query_error(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_posts([post()])
        for bad in ['"unclosed', "(a OR b", "AND", "a NOT"]:
            with pytest.raises(QueryError, match="cannot search for"):
                search_posts(archive.conn, bad)


def test_filters_narrow_by_channel_language_and_time(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_posts([
            post(1, "дрон над Суджей", lang="ru", channel_username="kursk_gov"),
            Post(source="telegram", channel="200", message_id=1, date=T0.replace(day=8), text="дрон над Сумами", lang="uk"),
        ])
        assert [r["channel"] for r in search_posts(archive.conn, "дрон", Filters(channel="@kursk_gov"))] == ["100"]
        assert [r["channel"] for r in search_posts(archive.conn, "дрон", Filters(lang="uk"))] == ["200"]
        assert [r["channel"] for r in search_posts(archive.conn, "дрон", Filters(since="2024-08-07T00:00:00+00:00"))] == ["200"]
        assert [r["channel"] for r in iter_posts(archive.conn, Filters(until="2024-08-07T00:00:00+00:00"))] == ["100"]


def test_newest_first_is_exact_when_rowids_do_not_follow_dates(tmp_path):
    from datetime import timedelta

    with Archive(tmp_path / "a.db") as archive:
        live = [Post(source="telegram", channel="1", message_id=i, date=T0 + timedelta(minutes=i), text=f"дрон {i}")
                for i in range(600)]
        history = [Post(source="telegram", channel="2", message_id=i, date=T0 - timedelta(days=1, minutes=i),
                        text=f"дрон архив {i}") for i in range(600)]
        late_but_new = [Post(source="telegram", channel="3", message_id=1, date=T0 + timedelta(days=3), text="дрон поздний")]
        archive.store_posts(live)
        archive.store_posts(history)  # older posts, higher rowids
        archive.store_posts(late_but_new)
        archive.store_posts([Post(source="telegram", channel="4", message_id=i, date=T0 + timedelta(days=5), text="кот")
                             for i in range(300)])
        expected = [r[0] for r in archive.conn.execute(
            "SELECT id FROM posts WHERE text LIKE 'дрон%' ORDER BY date DESC, id DESC LIMIT 7")]
        assert [r["id"] for r in search_posts(archive.conn, "дрон", limit=7)] == expected
        assert search_posts(archive.conn, "дрон", limit=7)[0]["text"] == "дрон поздний"
        until = (T0 - timedelta(days=1, hours=9)).isoformat()  # history posts 541..599 are older than this
        older = search_posts(archive.conn, "архив", Filters(until=until), limit=3)
        assert [r["message_id"] for r in older] == [541, 542, 543]


def test_the_same_post_twice_in_one_batch_is_stored_once_and_the_edit_kept(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        results = archive.store_posts([post(text="первая версия"), post(text="первая версия"), post(text="вторая версия")])
        assert [s.status for s in results] == [NEW, UNCHANGED, UPDATED]
        assert archive.conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 1
        assert [r["text"] for r in archive.revisions(results[0].id)] == ["первая версия"]


OLD_STORY_KEYS = """
CREATE TABLE IF NOT EXISTS {p}story_keys (
    watchlist TEXT NOT NULL, key INTEGER NOT NULL, story_id INTEGER NOT NULL, post_id INTEGER NOT NULL, date TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS {p}story_keys_lookup ON story_keys (watchlist, key, date);
"""


def test_story_keys_of_an_older_archive_move_to_the_keyed_table_without_duplicates(tmp_path, monkeypatch):
    from monitor.storage import schema_stories

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    for migration_set in all_sets():
        if migration_set.name != "stories":
            migration_set.apply(db)
    first_release = schema_stories.STORY_TABLES.split("CREATE TABLE IF NOT EXISTS {p}story_keys")[0] + OLD_STORY_KEYS
    monkeypatch.setattr(schema_stories, "STORY_TABLES", first_release)
    schema_stories.migrations.apply(db, stop_before="m002_story_keys_unique")
    rows = [("kursk", 11, 1, 7, "2024-08-06T11:00:00+00:00"), ("kursk", 11, 1, 7, "2024-08-06T11:00:00+00:00"),
            ("kursk", 12, 1, 0, "2024-08-06T12:00:00+00:00"), ("sumy", 11, 2, 8, "2024-08-07T09:00:00+00:00")]
    db.conn.executemany("INSERT INTO story_keys VALUES (?, ?, ?, ?, ?)", rows)
    db.conn.commit()
    db.close()
    monkeypatch.undo()
    with Archive(path) as archive:
        ddl = archive.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'story_keys'").fetchone()[0]
        assert "WITHOUT ROWID" in ddl
        # one row per key; band rows (post_id != 0) go: bands are computed from story_posts now
        assert sorted(archive.conn.execute("SELECT * FROM story_keys")) == sorted({r for r in rows if r[3] == 0})
        plan = " ".join(r[3] for r in archive.conn.execute(
            "EXPLAIN QUERY PLAN SELECT post_id, story_id FROM story_keys WHERE watchlist = ? AND key = ?"
            " AND date >= ? ORDER BY date DESC LIMIT 10", ("kursk", 11, "2024")))
        assert "COVERING INDEX story_keys_lookup" in plan


def test_the_full_text_index_follows_text_edits_but_not_metadata_updates(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        [stored] = archive.store_posts([post(1, "дрон над Суджей")])
        fts_writes = []
        archive.conn.set_trace_callback(lambda sql: fts_writes.append(sql) if "posts_fts" in sql else None)
        archive.conn.execute("UPDATE posts SET views = 100, deleted = 1, translation_status = 'pending' WHERE id = ?",
                             (stored.id,))
        assert fts_writes == []
        archive.conn.execute("UPDATE posts SET translation = 'drone over Sudzha' WHERE id = ?", (stored.id,))
        assert fts_writes
        archive.conn.set_trace_callback(None)
        assert [r["id"] for r in search_posts(archive.conn, "Sudzha")] == [stored.id]
        [edited] = archive.store_posts([post(1, "обстрел Суджи")])
        assert edited.status == UPDATED
        assert [r["id"] for r in search_posts(archive.conn, "обстрел")] == [stored.id]
        assert search_posts(archive.conn, "дрон") == []
        assert search_posts(archive.conn, "Sudzha") == []  # an edit clears the old translation


def test_searches_from_another_connection_go_on_while_large_batches_are_stored(tmp_path):
    # large batches are inserted many rows per statement, in their own transactions: readers must
    # neither fail nor see part of a batch
    path = tmp_path / "a.db"
    Archive(path).close()
    errors, seen, done = [], [], threading.Event()

    def read():
        with Archive(path, readonly=True) as reader:
            while not done.is_set():
                try:
                    seen.append(len(search_posts(reader.conn, "Суджа", limit=None)))
                except Exception as exc:  # pragma: no cover - what the test looks for
                    errors.append(repr(exc))

    thread = threading.Thread(target=read)
    thread.start()
    try:
        with Archive(path) as archive:
            for batch in range(15):
                archive.store_posts([post(batch * 100 + i, f"Обстрел, Суджа {batch}") for i in range(2 * BATCH)])
    finally:
        done.set()
        thread.join()
    assert errors == []
    assert seen and seen == sorted(seen) and all(n % (2 * BATCH) == 0 for n in seen)
    with Archive(path) as archive:
        assert len(search_posts(archive.conn, "Суджа", limit=None)) == 15 * 2 * BATCH
        _fts_check(archive)
