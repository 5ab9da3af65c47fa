"""RSS and Atom feeds from a real HTTP server on 127.0.0.1: identity, validators, bozo feeds, errors."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import httpx
import pytest

from monitor.clock import FixedClock
from monitor.config import load_config
from monitor.pipeline import Pipeline
from monitor.sources.feeds import FeedSource, message_id_of
from monitor.sources.health import PermanentSourceError, TransientSourceError, health_rows
from monitor.storage import Archive

from .conftest import write_config
from .support.http import HttpServer

T0 = datetime(2024, 8, 7, 12, 0, tzinfo=timezone.utc)

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Курские новости</title><link>https://news.example.org/</link><description>Лента</description>
<item><title>В Судже объявлена эвакуация</title><link>https://news.example.org/a/1</link>
<guid isPermaLink="false">kn-1001</guid><pubDate>Tue, 06 Aug 2024 19:05:00 +0000</pubDate>
<description>&lt;p&gt;Жителей &lt;b&gt;Суджанского района&lt;/b&gt; вывозят в Курск.&lt;br/&gt;Горячая линия работает.&lt;/p&gt;</description></item>
<item><title>Обстрел Глушково</title><link>https://news.example.org/a/2</link>
<pubDate>Wed, 07 Aug 2024 07:10:00 +0000</pubDate><description>Пострадавших нет.</description></item>
<item><title>Без ссылки и guid</title><description>Только текст о Тёткино.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Border Watch</title><id>urn:bw</id><updated>2024-08-07T11:40:00Z</updated>
<entry><title>State of emergency in Kursk Oblast</title><id>urn:bw:303</id><link href="https://bw.example.org/303"/>
<published>2024-08-07T11:40:00Z</published><updated>2024-08-07T11:40:00Z</updated>
<content type="html">&lt;p&gt;A regional state of emergency has been declared.&lt;/p&gt;</content></entry>
<entry><title>Сумщина: атака дронів</title><id>urn:bw:304</id><link href="https://bw.example.org/304"/>
<published>2024-08-07T12:00:00Z</published><summary>Ворог атакував Білопілля.</summary></entry>
</feed>"""


@pytest.fixture
def server():
    s = HttpServer().start()
    yield s
    s.stop()


def make(tmp_path, server, path="/feed.xml", name="kursk_news"):
    config = load_config(write_config(tmp_path, ""))
    archive = Archive(config.storage.path)
    pipeline = Pipeline(archive, config, stages=[])
    return archive, lambda client: FeedSource(name, server.url + path, archive, pipeline, client, FixedClock(T0))


def poll(factory):
    async def run():
        async with httpx.AsyncClient(timeout=5, follow_redirects=True) as client:
            return await factory(client).poll()
    return asyncio.run(run())


def test_rss_entries_are_stored_once_with_guid_link_or_hash_identity(tmp_path, server):
    server.route("/feed.xml", body=RSS, headers={"Content-Type": "application/rss+xml"})
    archive, factory = make(tmp_path, server)
    assert poll(factory) == 3
    assert poll(factory) == 0  # polling again adds nothing
    rows = {r["external_id"]: r for r in archive.db.query("SELECT * FROM posts")}
    assert set(rows) >= {"kn-1001", "https://news.example.org/a/2"}
    hashed = [k for k in rows if k.startswith("sha256:")]
    assert len(hashed) == 1
    first = rows["kn-1001"]
    assert first["text"] == "В Судже объявлена эвакуация\n\nЖителей Суджанского района вывозят в Курск.\nГорячая линия работает."
    assert first["date"] == "2024-08-06T19:05:00+00:00" and first["url"] == "https://news.example.org/a/1"
    assert first["message_id"] == message_id_of("kn-1001") and first["channel"] == "kursk_news"
    assert first["channel_title"] == "Курские новости" and first["lang"] == "ru"


def test_atom_entries_and_their_content(tmp_path, server):
    server.route("/atom.xml", body=ATOM, headers={"Content-Type": "application/atom+xml"})
    archive, factory = make(tmp_path, server, "/atom.xml", "border_watch")
    assert poll(factory) == 2
    texts = {r["external_id"]: r["text"] for r in archive.db.query("SELECT * FROM posts")}
    assert texts["urn:bw:303"] == "State of emergency in Kursk Oblast\n\nA regional state of emergency has been declared."
    assert texts["urn:bw:304"] == "Сумщина: атака дронів\n\nВорог атакував Білопілля."


def test_etag_and_last_modified_are_sent_and_304_means_nothing_new(tmp_path, server):
    server.route("/feed.xml", body=RSS, headers={"ETag": '"v1"', "Last-Modified": "Wed, 07 Aug 2024 07:10:00 GMT"})
    archive, factory = make(tmp_path, server)
    poll(factory)
    server.route("/feed.xml", status=304)
    assert poll(factory) == 0
    sent = server.requests[-1][1]
    assert sent.get("If-None-Match") == '"v1"' and sent.get("If-Modified-Since") == "Wed, 07 Aug 2024 07:10:00 GMT"


def test_an_edited_entry_is_kept_as_a_revision(tmp_path, server):
    server.route("/feed.xml", body=RSS)
    archive, factory = make(tmp_path, server)
    poll(factory)
    server.route("/feed.xml", body=RSS.replace("Пострадавших нет.", "Пострадали двое."))
    poll(factory)
    row = archive.db.execute("SELECT id, text FROM posts WHERE external_id = 'https://news.example.org/a/2'").fetchone()
    assert row[1].endswith("Пострадали двое.")
    assert [r["text"] for r in archive.revisions(row[0])] == ["Обстрел Глушково\n\nПострадавших нет."]


def test_a_bozo_feed_with_entries_is_used_and_one_without_is_an_error(tmp_path, server):
    broken = RSS.replace("</channel></rss>", "<item><title>unclosed")  # not well-formed
    server.route("/feed.xml", body=broken)
    archive, factory = make(tmp_path, server)
    assert poll(factory) >= 3
    server.route("/feed.xml", body="<html><body>maintenance</body></html>")
    with pytest.raises(TransientSourceError, match="not a readable feed"):
        poll(factory)


def test_permanent_and_transient_http_errors(tmp_path, server):
    archive, factory = make(tmp_path, server, "/gone.xml")
    server.route("/gone.xml", status=410)
    with pytest.raises(PermanentSourceError, match="answered 410"):
        poll(factory)
    server.route("/gone.xml", status=503, headers={"Retry-After": "120"})
    with pytest.raises(TransientSourceError) as info:
        poll(factory)
    assert info.value.retry_after == 120
    health = health_rows(archive)
    assert health[0]["channel"] == "kursk_news" and "503" in health[0]["last_error"]
    server.route("/gone.xml", body=RSS)
    assert poll(factory) == 3
    health = health_rows(archive)[0]
    assert health["last_success"] == T0.isoformat() and health["posts_today"] == 3


def test_an_unreachable_feed_is_transient(tmp_path):
    config = load_config(write_config(tmp_path, ""))
    archive = Archive(config.storage.path)
    source = lambda client: FeedSource("x", "http://127.0.0.1:9/feed", archive, Pipeline(archive, config, stages=[]),  # noqa: E731
                                       client, FixedClock(T0))
    with pytest.raises(TransientSourceError, match="ConnectError"):
        poll(source)
