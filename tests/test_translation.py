"""Translation through deep-translator's LibreTranslator against a LibreTranslate server on 127.0.0.1."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from monitor.clock import FixedClock
from monitor.config import load_config
from monitor.pipeline import Pipeline
from monitor.storage import Archive, Post
from monitor.translation import Translator, backlog
from monitor.translation.split import join_pieces, split_text

from .conftest import run_cli, write_config
from .support.libretranslate import LibreServer

T0 = datetime(2024, 8, 6, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def libre():
    server = LibreServer().start()
    yield server
    server.stop()


def translation_config(folder, url, *, extra=""):
    return load_config(write_config(folder, f"""
        [translation]
        backend = "libre"
        url = "{url}"
        translate = "all"
        timeout_seconds = 1
        api_key_env = "TEST_TRANSLATE_KEY"
        {extra}
        """))


def ingest(archive, config, texts, *, channel="1006745", start=40001):
    posts = [
        Post(source="telegram", channel=channel, message_id=start + i, date=T0 + timedelta(minutes=i), text=t,
             channel_username="mod_russia")
        for i, t in enumerate(texts)
    ]
    Pipeline(archive, config, clock=FixedClock(T0)).ingest(posts)
    return [r["id"] for r in archive.db.query("SELECT id FROM posts ORDER BY message_id")]


def test_a_russian_post_is_translated_stored_and_searchable(tmp_path, libre):
    config = translation_config(tmp_path, libre.url)
    archive = Archive(config.storage.path)
    (post_id,) = ingest(archive, config, ["Атака отражена в районе Суджи."])
    assert archive.get_post(post_id)["translation_status"] == "pending"
    report = Translator(archive, config, clock=FixedClock(T0)).drain()
    assert report.done == 1 and report.pending == 0
    post = archive.get_post(post_id)
    assert post["translation"] == "attack repelled in area Sudzha." and post["translation_lang"] == "en"
    assert post["translation_status"] == "done"
    assert libre.requests[0]["source"] == "ru" and libre.requests[0]["target"] == "en"
    hits = archive.db.execute("SELECT rowid FROM posts_fts WHERE posts_fts MATCH 'repelled'").fetchall()
    assert [h[0] for h in hits] == [post_id]


def test_posts_in_the_target_language_or_without_letters_are_not_sent(tmp_path, libre):
    config = translation_config(tmp_path, libre.url)
    archive = Archive(config.storage.path)
    ingest(archive, config, ["Ukrainian forces crossed into the Kursk region on Tuesday.", "🔥🔥 https://t.me/x"])
    assert backlog(archive) == 0
    Translator(archive, config).drain()
    assert libre.requests == []


def test_the_same_text_is_translated_once_thanks_to_the_cache(tmp_path, libre):
    config = translation_config(tmp_path, libre.url)
    archive = Archive(config.storage.path)
    ingest(archive, config, ["Обстрел под Суджей, пострадали 5 человек."] * 3)
    report = Translator(archive, config).drain()
    assert report.done == 1 and report.cached == 2
    assert len(libre.requests) == 1
    translations = {r["translation"] for r in archive.db.query("SELECT translation FROM posts")}
    assert translations == {"shelling near Sudzha, injured 5 people."}


def test_long_text_is_split_at_sentences_under_the_limit_and_joined(tmp_path, libre):
    config = translation_config(tmp_path, libre.url)
    archive = Archive(config.storage.path)
    sentence = "Атака отражена в районе Суджи. "
    text = (sentence * 200).strip()  # about 6,200 characters
    (post_id,) = ingest(archive, config, [text])
    Translator(archive, config).drain()
    assert len(libre.requests) == 2
    assert all(len(r["q"]) <= 4500 for r in libre.requests)
    assert all(r["q"].endswith("Sudzha.") for r in libre.requests)
    translation = archive.get_post(post_id)["translation"]
    assert translation == " ".join(["attack repelled in area Sudzha."] * 200)


def test_split_keeps_every_character_and_respects_the_limit():
    text = "Первое предложение. Второе!\nТретье? " + "слово " * 300 + "конец."
    pieces = split_text(text, 100)
    assert all(len(p) <= 100 for p, _ in pieces)
    assert join_pieces([p for p, _ in pieces], [s for _, s in pieces]) == " ".join(text.split(" ")).strip()
    assert split_text("x" * 250, 100)[0] == ("x" * 100, "")


def test_rate_limit_backs_the_backend_off_and_the_post_stays_pending(tmp_path, libre):
    config = translation_config(tmp_path, libre.url)
    archive = Archive(config.storage.path)
    clock = FixedClock(T0)
    ingest(archive, config, ["Атака отражена.", "Обстрел под Суджей."])
    libre.mode = "429"
    translator = Translator(archive, config, clock=clock)
    report = translator.drain()
    assert report.pending == 2 and len(libre.requests) == 1  # the second post is not tried while backed off
    assert "429" in report.error
    libre.mode = "ok"
    assert translator.drain().done == 0  # still backing off: no request
    assert len(libre.requests) == 1
    clock.advance(seconds=61)
    assert translator.drain().done == 2
    assert backlog(archive) == 0


def test_server_errors_leave_posts_pending_and_the_queue_drains_when_it_is_back(tmp_path, libre):
    config = translation_config(tmp_path, libre.url)
    archive = Archive(config.storage.path)
    ingest(archive, config, ["Атака отражена.", "Обстрел под Суджей.", "Эвакуация жителей."])
    libre.mode = "500"
    translator = Translator(archive, config)
    assert translator.drain().pending == 3
    assert archive.db.execute("SELECT count(*) FROM posts WHERE translation IS NULL").fetchone()[0] == 3
    libre.mode = "ok"
    assert translator.drain().done == 3
    assert backlog(archive) == 0


def test_a_hanging_server_costs_at_most_the_timeout(tmp_path, libre):
    config = translation_config(tmp_path, libre.url)
    archive = Archive(config.storage.path)
    (post_id,) = ingest(archive, config, ["Атака отражена."])
    libre.mode = "hang"
    libre.hang_seconds = 3
    started = time.monotonic()
    status = Translator(archive, config).translate_post(post_id)
    elapsed = time.monotonic() - started
    assert status == "pending"
    assert elapsed < 2.5, elapsed
    assert "did not answer within 1s" in archive.db.execute("SELECT last_error FROM translation_state").fetchone()[0]


def test_a_refused_key_is_recorded_and_shown_and_nothing_is_lost(tmp_path, monkeypatch):
    server = LibreServer(api_key="right-key").start()
    try:
        monkeypatch.setenv("TEST_TRANSLATE_KEY", "wrong-key")
        config = translation_config(tmp_path, server.url)
        archive = Archive(config.storage.path)
        (post_id,) = ingest(archive, config, ["Атака отражена."])
        report = Translator(archive, config).drain()
        assert report.pending == 1 and "API key refused" in report.error
        assert archive.get_post(post_id)["translation_status"] == "pending"
        status = run_cli("status", config=tmp_path / "monitor.toml")
        assert status.returncode == 1
        assert "translation backlog: 1" in status.stdout and "API key refused" in status.stdout
        assert "wrong-key" not in status.stdout + status.stderr  # the secret itself is never shown
        monkeypatch.setenv("TEST_TRANSLATE_KEY", "right-key")
        assert Translator(archive, translation_config(tmp_path, server.url)).drain().done == 1
    finally:
        server.stop()


def test_over_the_daily_budget_posts_wait_as_pending(tmp_path, libre):
    config = translation_config(tmp_path, libre.url, extra="daily_characters = 45")
    archive = Archive(config.storage.path)
    clock = FixedClock(T0)
    ingest(archive, config, ["Атака отражена в районе Суджи.", "Обстрел под Суджей, пострадали 5 человек."])
    translator = Translator(archive, config, clock=clock)
    report = translator.drain()
    assert report.done == 1 and report.pending == 1
    clock.advance(days=1)
    assert translator.drain().done == 1


def test_only_matched_posts_are_translated_when_translate_is_matched(tmp_path, libre):
    config = load_config(write_config(tmp_path, f"""
        [translation]
        backend = "libre"
        url = "{libre.url}"
        [[watchlist]]
        name = "kursk"
        regions = ["RU-KRS"]
        """))
    archive = Archive(config.storage.path)
    ingest(archive, config, ["Атака отражена в районе Суджи.", "Курс рубля снова упал на бирже."])
    rows = {r["text"]: r["translation_status"] for r in archive.db.query("SELECT text, translation_status FROM posts")}
    assert rows == {"Атака отражена в районе Суджи.": "pending", "Курс рубля снова упал на бирже.": None}


def test_place_names_keep_the_gazetteer_spelling_through_translation(tmp_path, libre):
    config = translation_config(tmp_path, libre.url)
    archive = Archive(config.storage.path)
    (post_id,) = ingest(archive, config, ["Атака отражена под Николаево-Дарьино и в Судже."])
    Translator(archive, config).drain()
    translation = archive.get_post(post_id)["translation"]
    assert "Nikolayevo-Daryino" in translation and "Sudzha" in translation
    assert "Nikolaev-Darino" not in translation and "Sudja" not in translation


def test_translate_pending_command_drains_the_backlog(tmp_path, libre):
    path = write_config(tmp_path, f"""
        [translation]
        backend = "libre"
        url = "{libre.url}"
        translate = "all"
        """)
    config = load_config(path)
    archive = Archive(config.storage.path)
    ingest(archive, config, ["Атака отражена.", "Обстрел под Суджей."])
    archive.close()
    libre.mode = "500"
    failed = run_cli("translate", "--pending", config=path)
    assert failed.returncode == 1
    assert "2 pending" in failed.stdout and "server error" in failed.stdout
    libre.mode = "ok"
    ok = run_cli("translate", "--pending", config=path)
    assert ok.returncode == 0, ok.stderr
    assert "translated 2" in ok.stdout and "0 pending" in ok.stdout


def test_an_alert_waits_for_its_translation_at_most_the_timeout_then_goes_out_pending(tmp_path, libre):

    from monitor.mail import outbox_for

    from .support.smtp import SmtpServer

    smtp = SmtpServer().start()
    try:
        config = load_config(write_config(tmp_path, f"""
            [translation]
            backend = "libre"
            url = "{libre.url}"
            translate = "all"
            timeout_seconds = 1
            [email]
            host = "127.0.0.1"
            port = {smtp.port}
            sender = "monitor@example.org"
            starttls = false
            [[watchlist]]
            name = "kursk"
            recipients = ["desk@example.org"]
            """))
        archive = Archive(config.storage.path)
        first, second = ingest(archive, config, ["Атака отражена.", "Обстрел под Суджей."])
        decided = archive.conn.execute("SELECT post_id, kind FROM alerts ORDER BY id").fetchall()
        assert decided == [(first, "new"), (second, "new")]  # the pipeline decided both, in its transaction
        libre.mode = "hang"
        libre.hang_seconds = 3
        outbox = outbox_for(archive, config)
        started = time.monotonic()
        outbox.deliver_due(limit=1)
        assert time.monotonic() - started < 2.5
        (_, slow), = smtp.wait_for(1)
        assert "Translation pending" in slow.get_body(("plain",)).get_content()
        libre.mode = "ok"
        outbox.deliver_due()
        (_, _), (_, fast) = smtp.wait_for(2)
        assert fast["Subject"] == "[kursk] NEW: shelling near Sudzha."
        assert "machine translation" in fast.get_body(("plain",)).get_content()
        # The late translation of the first post arrives and is stored and searchable.
        Translator(archive, config).drain()
        assert archive.get_post(first)["translation"] == "attack repelled."
        assert archive.db.execute("SELECT rowid FROM posts_fts WHERE posts_fts MATCH 'repelled'").fetchall() == [(first,)]
    finally:
        smtp.stop()
