"""The t.me/s web preview from a real HTTP server on 127.0.0.1: parsing, paging back, politeness, no preview."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from monitor.clock import FixedClock
from monitor.config import load_config
from monitor.pipeline import Pipeline
from monitor.sources.health import PermanentSourceError, TransientSourceError
from monitor.sources.webpreview import WebPreviewSource, parse_page, parse_views
from monitor.storage import Archive

from .conftest import write_config
from .support.http import HttpServer

T0 = datetime(2024, 8, 6, 11, 0, tzinfo=timezone.utc)
HEAD = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Фронтовая сводка – Telegram</title></head><body>
<div class="tgme_channel_info"><div class="tgme_channel_info_header"><div class="tgme_channel_info_header_title"><span dir="auto">Фронтовая сводка</span></div></div></div>
<section class="tgme_channel_history js-message_history">"""


def post_html(i: int, text: str, *, when: datetime | None = None, views: str = "1.2K", edited: bool = False,
              forward: tuple[str, str | None] | None = None, reply: str | None = None, photo: bool = False) -> str:
    when = when or T0 + timedelta(minutes=i)
    fwd = ""
    if forward:
        name, href = forward
        fwd = (f'<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from <a class="tgme_widget_message_forwarded_from_name" href="{href}"><span dir="auto">{name}</span></a></div>'
               if href else f'<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from <span class="tgme_widget_message_forwarded_from_name">{name}</span></div>')
    quote = (f'<a class="tgme_widget_message_reply" href="https://t.me/frontovaya/{i - 1}"><div class="tgme_widget_message_author accent_color"><span class="tgme_widget_message_author_name">Фронтовая сводка</span></div>'
             f'<div class="tgme_widget_message_text js-message_reply_text" dir="auto">{reply}</div></a>') if reply else ""
    media = '<a class="tgme_widget_message_photo_wrap" href="https://t.me/frontovaya/1" style="background-image:url(\'https://cdn4.telesco.pe/file/x.jpg\')"></a>' if photo else ""
    views_html = f'<span class="tgme_widget_message_views">{views}</span>' if views else ""
    return f"""<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="frontovaya/{i}" data-view="x">
<div class="tgme_widget_message_bubble">{fwd}{quote}{media}
<div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>
<div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info short js-message_info">{views_html}
<span class="tgme_widget_message_meta">{'edited ' if edited else ''}<a class="tgme_widget_message_date" href="https://t.me/frontovaya/{i}"><time datetime="{when.isoformat()}" class="time">{when:%H:%M}</time></a></span></div></div></div></div></div>"""


def album_html(first: int, caption: str) -> str:
    items = "".join(f'<a class="tgme_widget_message_photo_wrap grouped_media_wrap" data-post="frontovaya/{first + k}" href="https://t.me/frontovaya/{first + k}"></a>' for k in range(3))
    when = T0 + timedelta(minutes=first)
    return f"""<div class="tgme_widget_message_wrap"><div class="tgme_widget_message js-widget_message" data-post="frontovaya/{first + 2}">
<div class="tgme_widget_message_bubble"><div class="tgme_widget_message_grouped_wrap js-message_grouped_wrap">{items}</div>
<div class="tgme_widget_message_text js-message_text" dir="auto">{caption}</div>
<div class="tgme_widget_message_footer"><span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="https://t.me/frontovaya/{first + 2}"><time datetime="{when.isoformat()}"></time></a></span></div></div></div></div>"""


SERVICE = '<div class="tgme_widget_message_wrap"><div class="tgme_widget_message service_message js-widget_message" data-post="frontovaya/99"><div class="tgme_widget_message_bubble"><div class="message_media_not_supported_label">Channel photo updated</div><time datetime="2024-08-06T10:00:00+00:00"></time></div></div></div>'


def page(posts: list[str], before: int | None) -> str:
    more = f'<a class="tme_messages_more js-messages_more" data-before="{before}" href="/s/frontovaya?before={before}"></a>' if before else ""
    return HEAD + more + "".join(posts) + "</section></body></html>"


def test_a_page_is_parsed_with_forwards_albums_edits_views_and_reply_quotes():
    html = page([
        SERVICE,
        post_html(100, "Коротко: до 300 бойцов ВСУ у <b>Николаево-Дарьино</b>.<br/>Подробности позже.", views="3.4M",
                  forward=("Минобороны России", "https://t.me/mod_russia/40001")),
        post_html(101, "Ответ на пост выше", reply="Цитата из прошлого поста", edited=True, views=""),
        post_html(102, "Переслано из закрытого канала", forward=("Скрытый автор", None), views="987"),
        album_html(103, "Кадры из Суджи"),
    ], before=100)
    posts, before, edited = parse_page(html, "frontovaya")
    assert before == 100 and edited == {101}
    by_id = {p.message_id: p for p in posts}
    assert sorted(by_id) == [100, 101, 102, 105]  # the service message is skipped
    first = by_id[100]
    assert first.text == "Коротко: до 300 бойцов ВСУ у Николаево-Дарьино.\nПодробности позже."
    assert first.views == 3_400_000 and first.date == T0 + timedelta(minutes=100)
    assert (first.fwd_from_name, first.fwd_from_channel, first.fwd_from_id) == ("Минобороны России", "mod_russia", 40001)
    assert first.channel_title == "Фронтовая сводка" and first.url == "https://t.me/frontovaya/100"
    assert by_id[101].text == "Ответ на пост выше" and by_id[101].views is None  # not the quoted text
    assert by_id[102].fwd_from_name == "Скрытый автор" and by_id[102].fwd_from_channel is None
    assert by_id[105].grouped_id == 103 and by_id[105].text == "Кадры из Суджи"


def test_views_in_every_written_form():
    assert [parse_views(v) for v in ("987", "1.2K", "3.4M", "12,5K", "", None)] == [987, 1200, 3_400_000, 12500, None, None]


@pytest.fixture
def server():
    s = HttpServer().start()
    yield s
    s.stop()


def make(tmp_path, server):
    config = load_config(write_config(tmp_path, ""))
    archive = Archive(config.storage.path)
    pipeline = Pipeline(archive, config, stages=[])
    clock = FixedClock(T0 + timedelta(days=1))
    return archive, lambda client: WebPreviewSource("frontovaya", archive, pipeline, client, base_url=server.url, clock=clock)


def poll(factory):
    async def run():
        async with httpx.AsyncClient(timeout=5, follow_redirects=True) as client:
            return await factory(client).poll()
    return asyncio.run(run())


def test_a_burst_between_polls_is_read_back_page_by_page_once(tmp_path, server):
    archive, factory = make(tmp_path, server)
    server.route("/s/frontovaya", body=page([post_html(i, f"Пост {i}") for i in range(1, 21)], before=1))
    assert poll(factory) == 20  # first poll: the first page only
    assert server.hits("/s/frontovaya?before=1") == 0
    # 30 posts published before the next poll: the newest 20 on the first page, 10 more behind it
    server.route("/s/frontovaya", body=page([post_html(i, f"Пост {i}") for i in range(31, 51)], before=31))
    server.route("/s/frontovaya?before=31", body=page([post_html(i, f"Пост {i}") for i in range(11, 31)], before=11))
    assert poll(factory) == 30
    assert server.hits("/s/frontovaya?before=11") == 0  # stopped at the last stored post
    ids = [r[0] for r in archive.conn.execute("SELECT message_id FROM posts ORDER BY message_id")]
    assert ids == list(range(1, 51))
    assert poll(factory) == 0


def test_an_edit_is_seen_as_a_revision_with_its_first_seen_time(tmp_path, server):
    archive, factory = make(tmp_path, server)
    server.route("/s/frontovaya", body=page([post_html(7, "Пострадали 5 человек")], before=None))
    poll(factory)
    server.route("/s/frontovaya", body=page([post_html(7, "Пострадали 24 человека", edited=True)], before=None))
    poll(factory)
    row = archive.get_post(1)
    assert row["text"] == "Пострадали 24 человека" and row["edit_date"] == (T0 + timedelta(days=1)).isoformat()
    assert [r["text"] for r in archive.revisions(1)] == ["Пострадали 5 человек"]


def test_429_then_200_and_server_errors_are_transient(tmp_path, server):
    archive, factory = make(tmp_path, server)
    server.route("/s/frontovaya", body=page([post_html(1, "Пост")], before=None))
    server.queue("/s/frontovaya", 429, "slow down", {"Retry-After": "30"})
    with pytest.raises(TransientSourceError) as info:
        poll(factory)
    assert info.value.retry_after == 30
    assert poll(factory) == 1
    server.queue("/s/frontovaya", 502, "bad gateway")
    with pytest.raises(TransientSourceError, match="502"):
        poll(factory)


def test_a_channel_without_a_public_preview_is_reported_not_retried(tmp_path, server):
    archive, factory = make(tmp_path, server)
    server.route("/s/frontovaya", status=302, headers={"Location": "/frontovaya"})
    server.route("/frontovaya", body="<html><body>Join channel</body></html>")
    with pytest.raises(PermanentSourceError, match="no public web preview"):
        poll(factory)
