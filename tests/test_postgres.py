"""The archive on PostgreSQL: a real server (tests/support/postgres.py), the same commands and answers as on SQLite,
and ``monitor archive copy`` from SQLite, interrupted and resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timezone

import psycopg
import pytest

from monitor.config import load_config
from monitor.mail.outbox import outbox_for
from monitor.pipeline import Pipeline
from monitor.storage import Archive, Post
from monitor.storage.engine import search_vector, translate, tsquery

from .conftest import EXAMPLES, ROOT, invoke, run_cli, storage_section, write_config
from .support.smtp import SmtpServer

EXPORTS = [str(p) for p in sorted(EXAMPLES.glob("*/result.json"))]
KURSK = '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nrecipients = ["desk@example.org"]\n'
T0 = datetime(2024, 8, 6, 6, 41, tzinfo=timezone.utc)


def governor(message_id: int, hour: int, text: str) -> Post:
    return Post(source="telegram", channel="1000000102", message_id=message_id, date=T0.replace(hour=hour),
                text=text, channel_title="Губернатор Курской области", channel_username="gubernator_46",
                url=f"https://t.me/gubernator_46/{message_id}")


def lines(result) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def both(tmp_path_factory, pg_server):
    """The example exports imported into a SQLite archive and into a PostgreSQL one."""
    configs = {}
    for engine in ("sqlite", "postgresql"):
        path = write_config(tmp_path_factory.mktemp(engine), storage_section(engine, pg_server) + KURSK)
        result = invoke("import", *EXPORTS, config=path)
        assert result.returncode == 0, result.stderr
        configs[engine] = path
    return configs


@pytest.mark.parametrize("query", ["Суджа", "Курская область", "обстрел*", "Kursk OR Курщина", "Суджа -Олешня",
                                   '"мирных жителей"', "пострадавших"])
def test_a_search_finds_the_same_posts_on_both_engines_inflections_included(both, query):
    found = {engine: [(p["channel"], p["message_id"]) for p in lines(invoke("search", query, "--json", "--limit", "100",
                                                                            config=path))]
             for engine, path in both.items()}
    assert found["sqlite"], f"{query}: nothing found on SQLite"
    assert found["postgresql"] == found["sqlite"]


def test_the_inflected_form_finds_the_dictionary_form_on_postgresql(both):
    in_sudzha = {p["message_id"] for p in lines(invoke("search", "Суджа", "--json", config=both["postgresql"]))}
    exact = {p["message_id"] for p in lines(invoke("search", "Суджа", "--exact", "--json", config=both["postgresql"]))}
    assert exact < in_sudzha  # «в Судже», «Суджу» found through the expansion, not only «Суджа»


def test_export_stats_and_stories_read_the_same_on_both_engines(both):
    for args in (["export", "--format", "ndjson"], ["stats", "--by", "channel", "--json"],
                 ["stats", "--by", "day", "--json"], ["stories", "--json"]):
        outputs = {engine: invoke(*args, config=path) for engine, path in both.items()}
        read = {engine: [{k: v for k, v in row.items() if k != "ingested_at"} for row in lines(result)]
                for engine, result in outputs.items()}  # the time of storing is each import's own
        assert read["postgresql"] == read["sqlite"], args
    assert lines(invoke("stories", "--json", config=both["postgresql"]))


def test_replay_on_postgresql_decides_as_on_sqlite_and_changes_nothing(both):
    replays = {engine: lines(invoke("replay", "--dry-run", "--json", config=path)) for engine, path in both.items()}
    assert replays["sqlite"] and replays["postgresql"] == replays["sqlite"]
    with Archive.of(load_config(both["postgresql"]).storage) as archive:  # the scratch tables were temporary
        assert archive.conn.execute("SELECT to_regclass('pg_temp.stories')").fetchone()[0] is None


def test_alerts_decided_and_mailed_once_from_a_postgresql_archive(tmp_path, pg_server):
    smtp = SmtpServer().start()
    try:
        path = write_config(tmp_path, storage_section("postgresql", pg_server) + f"""
[email]
host = "127.0.0.1"
port = {smtp.port}
sender = "monitor@example.org"
starttls = false
timezone = "Europe/Moscow"
""" + KURSK)
        config = load_config(path)
        with Archive.of(config.storage) as archive:
            pipeline = Pipeline(archive, config)
            pipeline.ingest([governor(2101, 6, "Противник обстрелял Суджу, пострадали 5 мирных жителей.")])
            pipeline.ingest([governor(2102, 15, "Число пострадавших в Судже выросло до 24 человек.")])
            outbox = outbox_for(archive, config)
            outbox.deliver_due()
            outbox.deliver_due()
        (_, new), (_, update) = smtp.wait_for(2)
        assert len(smtp.messages) == 2
        assert new["Subject"].startswith("[kursk] NEW: Противник обстрелял Суджу")
        assert update["Subject"].startswith("[kursk] UPDATE injured 5 -> 24")
        alerts = lines(invoke("alerts", "--json", config=path))
        assert [a["kind"] for a in sorted(alerts, key=lambda a: a["id"])] == ["new", "update"]
        status = json.loads(invoke("status", "--json", config=path).stdout)
        assert status["posts"] == 2 and status["archive"].startswith("postgresql://")
        assert status["outbox"]["sent"] == 2
        resent = invoke("alerts", "resend", str(min(a["id"] for a in alerts)), config=path)
        assert resent.returncode == 0, resent.stderr
        assert len(smtp.wait_for(3)) == 3 and smtp.messages[2][1]["Subject"] == new["Subject"]
    finally:
        smtp.stop()


def test_an_edit_is_searchable_by_its_new_words_on_postgresql(tmp_path, pg_server):
    config = load_config(write_config(tmp_path, storage_section("postgresql", pg_server)))
    with Archive.of(config.storage) as archive:
        archive.store_posts([governor(1, 6, "Первый текст про Белгород")])
        archive.store_posts([governor(1, 6, "Исправленный текст про Курск")])
        archive.set_translation(1, "Corrected text about Kursk", "en", "done")
    assert [p["message_id"] for p in lines(invoke("search", "Corrected", "--exact", "--json", config=tmp_path / "monitor.toml"))] == [1]
    assert lines(invoke("search", "Белгород", "--exact", "--json", config=tmp_path / "monitor.toml")) == []


def test_storage_url_and_path_together_is_an_error_naming_the_key(tmp_path):
    path = write_config(tmp_path, '[storage]\npath = "a.db"\nurl = "postgresql://monitor@db.example.org/monitor"\n')
    result = invoke("check", config=path)
    assert result.returncode != 0 and "storage.url: give path (a SQLite archive) or url" in result.stderr
    secret = write_config(tmp_path, '[storage]\nurl = "postgresql://monitor:hunter2@db/monitor"\n', name="b.toml")
    result = invoke("check", config=secret)
    assert "storage.url: must not hold the password" in result.stderr and "hunter2" not in result.stderr
    wrong = write_config(tmp_path, '[storage]\nurl = "mysql://db/monitor"\n', name="c.toml")
    assert "is not a PostgreSQL URL" in invoke("check", config=wrong).stderr


def test_the_password_comes_from_password_env(tmp_path, pg_server):
    url = pg_server.database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE ROLE desk LOGIN PASSWORD 'desk-secret'")
    desk_url = url.replace("monitor@", "desk@")
    path = write_config(tmp_path, f'[storage]\nurl = "{desk_url}"\npassword_env = "DESK_DB_PASSWORD"\n')
    # trust authentication accepts any password: the check is that it reaches the server unlogged
    result = invoke("stats", "--json", config=path, env={"DESK_DB_PASSWORD": "desk-secret"})
    assert "desk-secret" not in result.stdout + result.stderr


def test_the_engine_translates_the_projects_sql():
    assert translate("INSERT OR IGNORE INTO alerts (watchlist) VALUES (?)") == (
        "INSERT INTO alerts (watchlist) VALUES (%s) ON CONFLICT DO NOTHING RETURNING id", True)
    assert translate("SELECT 1 FROM posts WHERE text LIKE '50%' AND id = ?")[0] == (
        "SELECT 1 FROM posts WHERE text LIKE '50%%' AND id = %s")
    assert "GREATEST(story_keys.date, excluded.date)" in translate(
        "INSERT INTO main.story_keys (watchlist, key, story_id, post_id, date) VALUES (?, ?, ?, 0, ?)"
        " ON CONFLICT (watchlist, key, story_id, post_id) DO UPDATE SET date = max(date, excluded.date)")[0]
    assert tsquery('("суджа" OR "судж"*) NOT "Олешня" "мирных жителей"') == (
        "( 'суджа' | 'судж':* ) & ! 'олешня' & ('мирных' <-> 'жителей')")
    assert search_vector("Café «Суджа»", "Sudzha") == "'cafe':1 'суджа':2 'sudzha':4"


# -- monitor archive copy ---------------------------------------------------------------------------

def _filled_sqlite(folder, posts: int) -> tuple:
    config_path = write_config(folder, KURSK)
    result = invoke("import", *EXPORTS, config=config_path)  # real posts, matches and stories
    assert result.returncode == 0, result.stderr
    config = load_config(config_path)
    with Archive(config.storage.path) as archive:
        archive.store_posts([Post(source="feed", channel="bulk", message_id=i, date=T0, text=f"сводка номер {i} Курск")
                             for i in range(1, posts + 1)])
    return config_path, config


def _table_rows(conn, table: str, key: str) -> list:
    return [tuple(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()]


def _same_content(sqlite_path, url) -> None:
    with Archive(sqlite_path, readonly=True) as source, Archive(url=url) as target:
        for table, key in (("posts", "id"), ("stories", "id"), ("story_posts", "watchlist, post_id"),
                           ("post_matches", "post_id, watchlist"), ("story_keys", "watchlist, key, story_id, post_id")):
            src = _table_rows(source.conn, table, key)
            dst = [row[:len(src[0])] for row in _table_rows(target.conn, table, key)] if src else []
            assert dst == src, table
        assert target.conn.execute("SELECT count(*) FROM posts WHERE search IS NULL").fetchone()[0] == 0


def test_archive_copy_moves_every_post_and_story_and_a_second_run_writes_nothing(tmp_path, pg_server):
    config_path, config = _filled_sqlite(tmp_path, 300)
    url = pg_server.database()
    first = invoke("archive", "copy", "--to", url, "--batch", "100", config=config_path)
    assert first.returncode == 0, first.stderr
    _same_content(config.storage.path, url)
    again = invoke("archive", "copy", "--to", url, config=config_path)
    assert again.returncode == 0 and ": 0 rows written" in again.stdout
    # the copy is a working archive: searched, and new posts numbered after the copied ones
    pg_config = write_config(tmp_path, f'[storage]\nurl = "{url}"\n' + KURSK, name="pg.toml")
    assert [p["message_id"] for p in lines(invoke("search", "Олешня", "--exact", "--json", config=pg_config))] == [501, 40001]
    with Archive(url=url) as archive:
        summary = Pipeline(archive, load_config(pg_config)).ingest(
            [governor(9001, 9, "Противник обстрелял Суджу, пострадали 3 человека.")])
        assert summary.new == 1
        new_post = archive.conn.execute("SELECT max(id) FROM posts").fetchone()[0]
        assert archive.conn.execute("SELECT count(*) FROM story_posts WHERE post_id = ?", (new_post,)).fetchone()[0] == 1
        highest_story = archive.conn.execute("SELECT max(id) FROM stories").fetchone()[0]
        cursor = archive.conn.execute(
            "INSERT INTO stories (watchlist, first_post_id, first_seen, last_seen, channels, languages, regions, places,"
            " figures, kinds) VALUES ('kursk', ?, 'a', 'a', '[]', '[]', '[]', '[]', '{}', '[]')", (new_post,))
        assert cursor.lastrowid == highest_story + 1
    # written to after the copy: copying again would mix two archives under one numbering
    refused = invoke("archive", "copy", "--to", url, config=config_path)
    assert refused.returncode == 1 and "not an earlier copy" in refused.stderr and "Traceback" not in refused.stderr
    with Archive(url=url) as archive:
        assert archive.conn.execute("SELECT max(id) FROM posts").fetchone()[0] == new_post


def test_a_copy_into_a_database_holding_another_archive_is_refused_and_writes_nothing(tmp_path, pg_server):
    config_path, config = _filled_sqlite(tmp_path, 0)
    url = pg_server.database()
    with Archive(url=url) as other:
        other.store_posts([Post(source="feed", channel="elsewhere", message_id=7, date=T0, text="чужая лента")])
    refused = invoke("archive", "copy", "--to", url, config=config_path)
    assert refused.returncode == 1, refused.stdout
    assert "already holds 1 posts that are not an earlier copy" in refused.stderr
    assert "feed/elsewhere/7" in refused.stderr and "Traceback" not in refused.stderr
    with Archive(url=url) as other:
        assert other.conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 1
        assert other.conn.execute("SELECT count(*) FROM stories").fetchone()[0] == 0


def test_a_database_error_part_way_is_one_clear_error_and_a_second_run_completes_the_copy(tmp_path, pg_server):
    config_path, config = _filled_sqlite(tmp_path, 300)
    url = pg_server.database()
    with Archive(url=url) as target:  # the server refuses one post of the third batch
        target.conn.execute("ALTER TABLE posts ADD CONSTRAINT refuse_one CHECK (channel <> 'bulk' OR message_id <> 250)")
    stopped = invoke("archive", "copy", "--to", url, "--batch", "100", config=config_path)
    assert stopped.returncode == 1, stopped.stdout
    assert "the copy stopped in table posts" in stopped.stderr and "run the copy again" in stopped.stderr
    assert "refuse_one" in stopped.stderr and "Traceback" not in stopped.stderr
    with Archive(config.storage.path, readonly=True) as source:
        total = source.conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    with Archive(url=url) as target:
        partial = target.conn.execute("SELECT count(*) FROM posts").fetchone()[0]
        assert 0 < partial < total and partial % 100 == 0  # the batches before the refused one stay
        target.conn.execute("ALTER TABLE posts DROP CONSTRAINT refuse_one")
    resumed = invoke("archive", "copy", "--to", url, "--batch", "100", config=config_path)
    assert resumed.returncode == 0, resumed.stderr
    _same_content(config.storage.path, url)


def test_an_interrupted_copy_resumes_without_losing_or_doubling_anything(tmp_path, pg_server):
    config_path, config = _filled_sqlite(tmp_path, 6000)
    url = pg_server.database()
    command = [sys.executable, "-m", "monitor", "--config", str(config_path), "archive", "copy", "--to", url,
               "--batch", "200"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT,
                               env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("posts: ") and int(line.split()[1]) >= 1000:
            os.kill(process.pid, signal.SIGKILL)  # in the middle of the posts
            break
    process.wait(timeout=60)
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    with psycopg.connect(url) as conn:
        partial = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    with Archive(config.storage.path, readonly=True) as source:
        total = source.conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    assert 1000 <= partial < total
    resumed = invoke("archive", "copy", "--to", url, "--batch", "200", config=config_path)
    assert resumed.returncode == 0, resumed.stderr
    progress = [int(line.split()[1]) for line in resumed.stderr.splitlines() if line.startswith("posts: ")]
    assert progress[0] == partial + 200  # it went on after the copied posts, not from the start
    _same_content(config.storage.path, url)


def test_story_decisions_wait_for_the_same_watchlist_only(pg_server):
    import psycopg

    from monitor.nodes import lock_story_decisions

    url = pg_server.database()
    with Archive(url=url) as first, Archive(url=url) as second:
        second.conn.execute("SET lock_timeout = '300ms'")
        with first.transaction():
            lock_story_decisions(first, ["kursk", "belgorod"])
            with second.transaction():
                lock_story_decisions(second, ["sumy"])  # another watchlist: decided at the same time
            with pytest.raises(psycopg.errors.LockNotAvailable), second.transaction():
                lock_story_decisions(second, ["sumy", "kursk"])
        with second.transaction():
            lock_story_decisions(second, ["kursk"])  # free once the first batch committed


def test_a_nodes_own_files_stay_in_storage_beside_its_configuration(tmp_path, pg_server):
    from .test_matching import GEONAMES

    path = write_config(tmp_path, storage_section("postgresql", pg_server) + KURSK)
    dump = tmp_path / "RU-sample.txt"
    dump.write_text(GEONAMES, encoding="utf-8")
    imported = invoke("gazetteer", "import", str(dump), config=path)
    assert imported.returncode == 0 and f"-> {tmp_path / 'storage' / 'gazetteer'}" in imported.stdout, imported.stderr
    assert f"Maildir {tmp_path / 'storage' / 'maildir'}" in invoke("check", config=path).stdout
    assert load_config(path).maildir == tmp_path / "storage" / "maildir"
    ran = run_cli("run", "--once", config=path)
    assert ran.returncode == 0, ran.stderr
    assert sorted(p.name for p in (tmp_path / "storage").iterdir()) == ["archive.db.lock", "gazetteer"]


def test_translate_pending_drains_the_backlog_of_a_postgresql_archive(tmp_path, pg_server):
    from .support.libretranslate import LibreServer
    from .test_translation import ingest

    libre = LibreServer().start()
    try:
        path = write_config(tmp_path, storage_section("postgresql", pg_server)
                            + f'[translation]\nbackend = "libre"\nurl = "{libre.url}"\ntranslate = "all"\n')
        with Archive.of(load_config(path).storage) as archive:
            ingest(archive, load_config(path), ["Атака отражена.", "Обстрел под Суджей."])
        done = invoke("translate", "--pending", config=path)
        assert done.returncode == 0 and "translated 2" in done.stdout and "0 pending" in done.stdout, done.stderr
        found = lines(invoke("search", "Sudzha", "--exact", "--json", config=path))
        assert [p["text"] for p in found] == ["Обстрел под Суджей."]
    finally:
        libre.stop()


def test_an_unreachable_server_is_a_clear_error_naming_the_url_without_the_password(tmp_path):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = write_config(tmp_path, f'[storage]\nurl = "postgresql://monitor@127.0.0.1:{port}/monitor"\n')
    result = invoke("stats", config=path, env={"MONITOR_DB_PASSWORD": "db-secret"})
    assert result.returncode != 0
    assert f"postgresql://monitor@127.0.0.1:{port}/monitor: cannot connect to the PostgreSQL archive" in result.stderr
    assert "db-secret" not in result.stdout + result.stderr and "Traceback" not in result.stderr
    assert "no password" not in result.stderr
    unset = invoke("stats", config=path, env={"MONITOR_DB_PASSWORD": None})
    assert unset.returncode != 0 and "no password: MONITOR_DB_PASSWORD, the environment variable" in unset.stderr
