"""monitor import: Telegram Desktop exports into the archive, idempotent, edits kept, bad files refused whole."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone

import pytest

from monitor.sources.telegram_export import ExportError, plain_text, read_export

from .conftest import EXAMPLES, invoke

MOD = EXAMPLES / "mod_russia" / "result.json"
GOVERNOR = EXAMPLES / "kursk_governor" / "result.json"
ACCOUNT = EXAMPLES / "account_export" / "result.json"


def rows(db_path, sql, *params):
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def chat(messages, **extra):
    return {"name": "Тестовый канал", "type": "public_channel", "id": 4242, "messages": messages, **extra}


def message(i, text="Обстрел Суджи", **extra):
    return {"id": i, "type": "message", "date": "2024-08-06T10:00:00", "date_unixtime": "1722927600",
            "from": "Тестовый канал", "from_id": "channel4242", "text": text, **extra}


def write(path, data):
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_example_exports_import_with_forwards_albums_media_and_entities(tmp_path, config_path):
    result = invoke("import", str(MOD), str(GOVERNOR), str(ACCOUNT), config=config_path)
    assert result.returncode == 0, result.stderr
    assert "imported 3 of 3 files: 33 new, 0 updated, 0 unchanged posts" in result.stdout
    db = tmp_path / "archive.db"
    by_key = {(r["channel"], r["message_id"]): r for r in rows(db, "SELECT * FROM posts")}
    # service messages and the personal chat are not posts
    assert ("1000000101", 39990) not in by_key and ("1000000102", 2104) not in by_key
    assert not [k for k in by_key if k[0] == "555000111"]
    claim = by_key[("1000000101", 40001)]
    assert claim["text"].startswith("Заявление Министерства обороны Российской Федерации\n\nВ 08.00 6 августа")
    assert claim["date"] == "2024-08-06T11:05:12+00:00"  # 14:05:12 Moscow time, from date_unixtime
    assert claim["views"] == 1843200 and claim["lang"] == "ru"
    assert claim["channel_title"] == "Минобороны России" and claim["url"] == "https://t.me/c/1000000101/40001"
    entities = json.loads(claim["entities"])
    assert entities[0] == {"type": "bold", "offset": 0, "length": 51}
    assert entities[-1]["type"] == "hashtag" and claim["text"].endswith("#Курск")
    forward = by_key[("1000000103", 501)]
    assert forward["fwd_from_name"] == "Минобороны России" and forward["text"] == claim["text"]
    album = [by_key[("1000000101", i)] for i in (40003, 40004, 40005)]
    assert {p["grouped_id"] for p in album} == {40003} and {p["media_kind"] for p in album} == {"photo"}
    assert by_key[("1000000101", 40007)]["media_kind"] == "video"
    assert by_key[("1000000103", 508)]["media_kind"] == "poll"
    assert by_key[("1000000101", 40002)]["edit_date"] == "2024-08-06T18:52:40+00:00"
    assert by_key[("1000000105", 305)]["reply_to"] == 303
    assert by_key[("1000000103", 506)]["lang"] == "und"  # emoji only
    assert by_key[("1000000104", 9001)]["lang"] == "uk" and by_key[("1000000105", 301)]["lang"] == "en"


def test_importing_again_adds_nothing(tmp_path, config_path):
    assert invoke("import", str(MOD), config=config_path).returncode == 0
    before = rows(tmp_path / "archive.db", "SELECT * FROM posts ORDER BY id")
    again = invoke("import", str(MOD), config=config_path)
    assert again.returncode == 0
    assert "0 new, 0 updated, 8 unchanged" in again.stdout
    after = rows(tmp_path / "archive.db", "SELECT * FROM posts ORDER BY id")
    assert after == before
    assert rows(tmp_path / "archive.db", "SELECT count(*) AS n FROM post_revisions")[0]["n"] == 0


def test_a_reimport_picks_up_an_edit_and_keeps_the_earlier_text(tmp_path, config_path):
    first = write(tmp_path / "first.json", chat([message(1, "Пострадали 5 человек"), message(2, "Без изменений")]))
    edited = chat([message(1, "Пострадали 24 человека", edited="2024-08-06T12:00:00", edited_unixtime="1722934800"),
                   message(2, "Без изменений")])
    second = write(tmp_path / "second.json", edited)
    assert invoke("import", str(first), config=config_path).returncode == 0
    result = invoke("import", str(second), config=config_path)
    assert result.returncode == 0
    assert "0 new, 1 updated, 1 unchanged" in result.stdout
    db = tmp_path / "archive.db"
    post = rows(db, "SELECT * FROM posts WHERE message_id = 1")[0]
    assert post["text"] == "Пострадали 24 человека" and post["edit_date"] == "2024-08-06T09:00:00+00:00"
    revisions = rows(db, "SELECT text FROM post_revisions WHERE post_id = ?", post["id"])
    assert [r["text"] for r in revisions] == ["Пострадали 5 человек"]
    found = invoke("search", "Пострадали", "--exact", "--json", config=config_path)
    assert [json.loads(line)["text"] for line in found.stdout.splitlines()] == ["Пострадали 24 человека"]


def test_an_old_export_without_unixtime_is_read_in_the_given_time_zone(tmp_path, config_path):
    old = chat([{"id": 7, "type": "message", "date": "2021-03-01T12:00:00", "text": "Старый пост"}])
    path = write(tmp_path / "old.json", old)
    result = invoke("import", "--timezone", "Europe/Moscow", str(path), config=config_path)
    assert result.returncode == 0, result.stderr
    assert rows(tmp_path / "archive.db", "SELECT date FROM posts")[0]["date"] == "2021-03-01T09:00:00+00:00"
    assert read_export(path).posts[0].date == datetime(2021, 3, 1, 12, tzinfo=timezone.utc)  # default: UTC


def test_a_truncated_file_is_refused_the_archive_untouched_and_other_files_imported(tmp_path, config_path):
    assert invoke("import", str(MOD), config=config_path).returncode == 0
    db = tmp_path / "archive.db"
    before = rows(db, "SELECT * FROM posts ORDER BY id")
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(GOVERNOR.read_bytes()[:2500])
    result = invoke("import", str(truncated), str(ACCOUNT), config=config_path)
    assert result.returncode == 1
    assert f"error: {truncated}: line " in result.stderr and "truncated" in result.stderr
    assert "imported 1 of 2 files: 19 new" in result.stdout
    after = rows(db, "SELECT * FROM posts WHERE channel = '1000000101' ORDER BY id")
    assert after == before
    assert not rows(db, "SELECT * FROM posts WHERE channel = '1000000102'")


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "empty file"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b'{"name": "x", "messages": [}', "invalid JSON"),
        (b"[1, 2, 3]", "expected a JSON object"),
        (b'{"hello": "world"}', 'no "messages"'),
        (json.dumps(chat([message("seven")])).encode(), 'messages[0]: "id" must be a positive integer'),
        (json.dumps(chat([{"id": 3, "type": "message", "text": "без даты"}])).encode(), 'no "date"'),
        (json.dumps(chat([message(3, text=42)])).encode(), "text must be a string or a list"),
        (json.dumps({"chats": {"list": "nope"}}).encode(), '"chats.list" must be a list'),
    ],
)
def test_files_that_are_not_exports_get_an_error_naming_the_file(tmp_path, content, expected):
    path = tmp_path / "result.json"
    path.write_bytes(content)
    with pytest.raises(ExportError) as info:
        read_export(path)
    assert str(info.value).startswith(f"{path}: ")
    assert expected in str(info.value)


def test_a_file_broken_late_stores_none_of_its_posts(tmp_path, config_path):
    messages = [message(i, f"Сообщение {i}") for i in range(1, 50)] + [message(50, text={"bad": True})]
    path = write(tmp_path / "late.json", chat(messages))
    result = invoke("import", str(path), config=config_path)
    assert result.returncode == 1 and "messages[49]" in result.stderr and "message 50" in result.stderr
    assert rows(tmp_path / "archive.db", "SELECT count(*) AS n FROM posts")[0]["n"] == 0


def test_a_missing_file_is_an_error_and_the_rest_still_import(tmp_path, config_path):
    result = invoke("import", str(tmp_path / "absent.json"), str(MOD), config=config_path)
    assert result.returncode == 1
    assert "absent.json: cannot read" in result.stderr
    assert "imported 1 of 2 files: 8 new" in result.stdout


def test_entity_list_text_keeps_offsets_in_utf16_units():
    text, entities = plain_text(["🔥 ", {"type": "bold", "text": "Суджа"}, " ", {"type": "text_link", "text": "тут", "href": "https://example.org"}])
    assert text == "🔥 Суджа тут"
    assert entities == [{"type": "bold", "offset": 3, "length": 5},
                        {"type": "text_link", "offset": 9, "length": 3, "href": "https://example.org"}]


def test_a_full_account_export_imports_channels_and_skips_personal_chats(tmp_path):
    export = read_export(ACCOUNT)
    assert export.chats == 3 and export.skipped_chats == 1
    assert {p.channel_title for p in export.posts} == {"Фронтовая сводка", "Сумщина онлайн", "Border Watch"}


def test_a_progress_bar_is_drawn_on_a_terminal_and_not_in_a_pipe(tmp_path, config_path):
    import os
    import pty
    import subprocess
    import sys

    primary, secondary = pty.openpty()
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config_path), "import", str(MOD)],
                          stdout=subprocess.PIPE, stderr=secondary, env=env, timeout=120)
    os.close(secondary)
    drawn = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(primary)
    assert proc.returncode == 0
    assert b"100%" in drawn and b"####" in drawn
    piped = invoke("import", str(MOD), config=config_path)  # CliRunner's stderr is no terminal, as a pipe
    assert piped.returncode == 0 and "%" not in piped.stderr


def _synthetic():
    import importlib.util

    from .conftest import ROOT

    spec = importlib.util.spec_from_file_location("synthetic", ROOT / "benchmarks" / "synthetic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_long_import_commits_batch_by_batch_and_leaves_the_log_checkpointed(tmp_path, config_path):
    from monitor.config import load_config
    from monitor.importer import import_exports
    from monitor.pipeline import Pipeline
    from monitor.storage import Archive

    export = write(tmp_path / "big.json", _synthetic().make_export(1_600, channels=4))
    config = load_config(config_path)
    db = tmp_path / "archive.db"
    seen = []

    def progress(label, total):
        def advance(done):
            if label != "storing":
                return
            other = sqlite3.connect(db, timeout=0)  # another process's connection: no waiting
            try:
                seen.append(other.execute("SELECT count(*) FROM posts").fetchone()[0])
                other.execute("BEGIN IMMEDIATE")  # the write lock is free between batches
                other.execute("ROLLBACK")
            finally:
                other.close()
        return advance

    with Archive(config.storage.path) as archive:
        report = import_exports(archive, Pipeline(archive, config), [export], progress=progress)
    assert not report.failed and report.totals().new == 1_600
    assert seen == [500, 1_000, 1_500, 1_600]  # each batch visible to others once committed
    other = sqlite3.connect(db)
    try:
        busy, frames, checkpointed = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        other.close()
    assert frames == checkpointed  # nothing left in the log that the database lacks


def test_posts_of_several_files_go_through_stories_in_publication_order(tmp_path, config_path):
    from monitor.config import load_config
    from monitor.importer import import_exports
    from monitor.pipeline import Pipeline
    from monitor.storage import Archive

    # the blogger's copy (account export) is two minutes later than the ministry's statement, and
    # its file is named first; batches of two posts, so no batch holds both
    config = load_config(config_path)
    with Archive(config.storage.path) as archive:
        report = import_exports(archive, Pipeline(archive, config), [ACCOUNT, MOD, GOVERNOR], batch_size=2)
    assert not report.failed
    [story] = rows(tmp_path / "archive.db",
                   "SELECT s.id, p.channel_title, p.message_id FROM stories s JOIN posts p ON p.id = s.first_post_id"
                   " WHERE s.id = (SELECT story_id FROM story_posts sp JOIN posts q ON q.id = sp.post_id"
                   "               WHERE q.channel_title = 'Фронтовая сводка' AND q.message_id = 501)")
    assert (story["channel_title"], story["message_id"]) == ("Минобороны России", 40001)
    [copy] = rows(tmp_path / "archive.db",
                  "SELECT sp.decision FROM story_posts sp JOIN posts q ON q.id = sp.post_id"
                  " WHERE q.channel_title = 'Фронтовая сводка' AND q.message_id = 501")
    assert copy["decision"] != "new"


def test_each_file_reports_its_own_posts_in_a_merged_import(tmp_path, config_path):
    result = invoke("import", str(ACCOUNT), str(MOD), config=config_path)
    assert result.returncode == 0, result.stderr
    assert f"{MOD}: 1 chats, 8 new" in result.stdout
    assert "imported 2 of 2 files: " in result.stdout


def test_a_chat_whose_id_comes_after_its_messages_is_read_the_same(tmp_path):
    messages = [message(1, "Обстрел Суджи"), message(2, "Эвакуация из Суджи")]
    usual = read_export(write(tmp_path / "usual.json", chat(messages)))
    late = read_export(write(tmp_path / "late.json", {"messages": messages, "name": "Тестовый канал",
                                                      "type": "public_channel", "id": 4242}))
    assert late.posts == usual.posts and late.chats == usual.chats == 1


def test_polls_to_do_lists_giveaways_and_venues_are_stored_with_their_words(tmp_path):
    export = write(tmp_path / "result.json", chat([
        message(1, "", poll={"question": "Где слышали взрывы?", "closed": False, "total_voters": 3,
                             "answers": [{"text": "Суджа", "voters": 2, "chosen": False},
                                         {"text": "Глушково", "voters": 1, "chosen": False}]}),
        message(2, "", todo_list={"title": "Эвакуация", "others_can_append": True, "others_can_complete": False,
                                  "answers": [{"text": "Вывезти детей из Тёткино", "id": 1}]}),
        message(3, "", giveaway_information={"quantity": 3, "months": 6, "until_date": "2024-08-10T00:00:00",
                                             "channels": [4242], "countries": ["RU"], "additional_prize": "Термосы",
                                             "stars": 0, "is_only_new_subscribers": False}),
        message(4, "Сбор здесь", place_name="Пункт временного размещения", address="Курск, ул. Ленина, 1",
                location_information={"latitude": 51.73, "longitude": 36.19}),
    ]))
    posts = {p.message_id: p for p in read_export(export).posts}
    assert posts[1].text == "Где слышали взрывы?\nСуджа\nГлушково" and posts[1].media_kind == "poll"
    assert posts[2].text == "Эвакуация\nВывезти детей из Тёткино" and posts[2].media_kind == "todo"
    assert posts[3].text == "Giveaway: 3 winners, Термосы" and posts[3].media_kind == "giveaway"
    assert posts[4].text == "Сбор здесь\n\nПункт временного размещения\nКурск, ул. Ленина, 1"
    assert posts[4].media_kind == "venue"
