"""Telegram through a user session: Telethon's TL types in, posts out, nothing lost across gaps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from telethon import errors
from telethon.tl import types

from monitor.config import load_config
from monitor.pipeline import Pipeline
from monitor.sources.telegram import ChannelRef, TelegramSource, message_to_post, parse_channel
from monitor.storage import Archive

from .conftest import run_cli, write_config
from .support.telegram import FakeTelegram, channel, message, service

T0 = datetime(2024, 8, 6, 11, 5, tzinfo=UTC)
MOD = channel(1006503122, "Минобороны России", "mod_russia")
GOV = channel(1004460003, "Губернатор Курской области", "gubernator_46")


def setup(tmp_path, channels=("mod_russia", "https://t.me/gubernator_46"), *, archive=None, **options):
    config = load_config(write_config(tmp_path, '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nrecipients = ["d@example.org"]\n'))
    archive = archive or Archive(config.storage.path)
    network = FakeTelegram()
    network.add_channel(channel(MOD.id, MOD.title, MOD.username))
    network.add_channel(channel(GOV.id, GOV.title, GOV.username))
    slept: list[float] = []

    async def sleep(seconds):
        slept.append(seconds)

    source = TelegramSource(list(channels), archive, Pipeline(archive, config), network, sleep=sleep, pause=0.5,
                            **options)
    return config, archive, network, source, slept


def stored_ids(archive, channel_id):
    return sorted(r["message_id"] for r in archive.db.query(
        "SELECT message_id FROM posts WHERE channel = ?", [str(channel_id)]))


def complete_to(archive, channel_id):
    from monitor.storage.channels import channel_state

    return channel_state(archive.conn, str(channel_id)).complete_to


def posts(archive):
    return {(r["channel"], r["message_id"]): r for r in archive.db.query("SELECT * FROM posts")}


def test_a_message_becomes_a_post_with_entities_forward_album_and_link():
    msg = message(MOD.id, 40001, "🔥 Наступление в районе Суджи", T0, views=1843200, grouped_id=777,
                  entities=[types.MessageEntityBold(offset=3, length=11), types.MessageEntityTextUrl(offset=25, length=5, url="https://example.org")],
                  fwd_from=types.MessageFwdHeader(date=T0 - timedelta(minutes=5), from_id=types.PeerChannel(GOV.id), channel_post=2101),
                  reply_to=types.MessageReplyHeader(reply_to_msg_id=39990),
                  media=types.MessageMediaPhoto(photo=types.PhotoEmpty(id=1)))
    post = message_to_post(msg, ChannelRef("mod_russia", MOD.id, "mod_russia", MOD.title))
    assert post.channel == str(MOD.id) and post.message_id == 40001 and post.date == T0
    assert post.url == "https://t.me/mod_russia/40001" and post.views == 1843200 and post.grouped_id == 777
    assert post.entities == [{"type": "bold", "offset": 3, "length": 11},
                             {"type": "text_link", "offset": 25, "length": 5, "href": "https://example.org"}]
    assert (post.fwd_from_channel, post.fwd_from_id) == (str(GOV.id), 2101)
    assert post.reply_to == 39990 and post.media_kind == "photo"
    service = types.MessageService(id=5, peer_id=types.PeerChannel(MOD.id), date=T0, action=types.MessageActionPinMessage())
    assert message_to_post(service, ChannelRef("x", MOD.id)) is None
    private = message_to_post(msg, ChannelRef("x", MOD.id, None, "t"))
    assert private.url == f"https://t.me/c/{MOD.id}/40001"


def test_channel_references_in_every_written_form():
    assert parse_channel("mod_russia") == parse_channel("@mod_russia") == parse_channel("https://t.me/mod_russia") == "mod_russia"
    assert parse_channel("t.me/s/mod_russia") == "mod_russia"
    assert parse_channel("-1001006503122") == parse_channel("1006503122") == 1006503122


def test_first_start_reads_recent_history_then_catch_up_reads_only_what_is_new(tmp_path):
    config, archive, network, source, slept = setup(tmp_path)
    for i in range(5):
        network.publish(message(MOD.id, 40001 + i, f"Сводка {i}", T0 + timedelta(minutes=i)), live=False)
    network.publish(message(GOV.id, 2101, "Обстрел Суджи, пострадали 5 человек", T0), live=False)

    async def scenario():
        await source.resolve()
        first = await source.catch_up()
        for i in range(5, 8):  # published while the daemon was down: no updates came
            network.publish(message(MOD.id, 40001 + i, f"Сводка {i}", T0 + timedelta(hours=1, minutes=i)), live=False)
        second = await source.catch_up()
        third = await source.catch_up()
        return first, second, third

    assert asyncio.run(scenario()) == (6, 3, 0)
    assert len(posts(archive)) == 9
    mins = [r for r in network.requests if r[0] == "iter_messages" and r[1] == MOD.id]
    assert mins[0][2] == 0 and mins[0][4] == 100  # first: the latest posts
    assert mins[1][2] == 40005 and mins[1][3] is True  # then everything after the last stored id, oldest first
    assert slept == [0.5, 0.5, 0.5]  # history reads of two channels are spaced


def test_live_posts_edits_and_deletions(tmp_path):
    config, archive, network, source, _ = setup(tmp_path)

    async def scenario():
        await source.resolve()
        source.register()
        network.publish(message(GOV.id, 2101, "Противник обстрелял Суджу, пострадали 5 человек.", T0))
        await network.settle()
        network.edit(message(GOV.id, 2101, "Противник обстрелял Суджу, пострадали 24 человека.", T0, edit_date=T0 + timedelta(hours=2)))
        await network.settle()
        network.delete(GOV.id, [2101])
        await network.settle()
        network.add_channel(channel(999, "чужой", "other"))
        network.publish(message(999, 1, "чужой канал", T0))  # not followed
        await network.settle()

    asyncio.run(scenario())
    stored = posts(archive)
    assert list(stored) == [(str(GOV.id), 2101)]
    post = stored[(str(GOV.id), 2101)]
    assert post["text"].endswith("24 человека.") and post["deleted"] == 1 and post["url"] == "https://t.me/gubernator_46/2101"
    assert [r["text"] for r in archive.revisions(post["id"])] == ["Противник обстрелял Суджу, пострадали 5 человек."]
    alerts = [r["kind"] for r in archive.db.query("SELECT kind FROM alerts ORDER BY id")]
    assert alerts == ["new", "update"]  # the edit changed a figure


def test_a_flood_wait_is_slept_in_full_and_nothing_is_lost(tmp_path):
    config, archive, network, source, slept = setup(tmp_path, channels=("mod_russia",))
    for i in range(3):
        network.publish(message(MOD.id, 10 + i, f"пост {i}", T0), live=False)
    network.flood_once.add(MOD.id)

    async def scenario():
        await source.resolve()
        return await source.catch_up()

    assert asyncio.run(scenario()) == 3
    assert slept == [7] and source.flood_waits == 1


def test_channels_that_do_not_exist_or_are_private_are_reported_and_skipped(tmp_path, caplog):
    config, archive, network, source, _ = setup(tmp_path, channels=("mod_russia", "no_such_channel", "secret_one"))
    network.errors["secret_one"] = errors.ChannelPrivateError(request=None)

    async def scenario():
        return await source.resolve()

    resolved = asyncio.run(scenario())
    assert [c.username for c in resolved] == ["mod_russia"]
    errors_ = {c.ref: c.error for c in source.channels if c.error}
    assert "does not exist" in errors_["no_such_channel"] and "is private" in errors_["secret_one"]


def test_an_unreachable_network_loses_nothing(tmp_path):
    config, archive, network, source, _ = setup(tmp_path, channels=("gubernator_46",))

    async def scenario():
        await source.resolve()
        source.register()
        network.publish(message(GOV.id, 1, "первый", T0))
        await network.settle()
        network.reachable = False
        for i in range(2, 6):
            network.publish(message(GOV.id, i, f"пост {i}", T0 + timedelta(minutes=i)))  # no updates arrive
        await source.catch_up()  # fails: recorded, nothing stored twice
        network.reachable = True
        await source.catch_up()

    asyncio.run(scenario())
    assert sorted(k[1] for k in posts(archive)) == [1, 2, 3, 4, 5]


def test_run_without_a_session_says_how_to_log_in(tmp_path):
    path = write_config(tmp_path, '[telegram]\nsession = "tg/monitor.session"\nchannels = ["mod_russia"]\n')
    result = run_cli("run", "--once", config=path, env={"MONITOR_TG_API_ID": "12345", "MONITOR_TG_API_HASH": "0123456789abcdef"})
    assert result.returncode == 1
    assert "monitor telegram login" in result.stderr and "0123456789abcdef" not in result.stderr


def test_login_without_credentials_names_the_variables(tmp_path):
    path = write_config(tmp_path, '[telegram]\nchannels = ["mod_russia"]\n')
    result = run_cli("telegram", "login", config=path, env={"MONITOR_TG_API_ID": "", "MONITOR_TG_API_HASH": ""})
    assert result.returncode == 1
    assert "MONITOR_TG_API_ID" in result.stderr and "MONITOR_TG_API_HASH" in result.stderr


def test_the_session_file_is_made_readable_by_its_owner_only(tmp_path):
    import os
    import stat

    from monitor.sources.telegram import secure_session_file

    session = tmp_path / "monitor.session"
    session.write_bytes(b"auth key")
    os.chmod(session, 0o644)
    secure_session_file(tmp_path / "monitor")  # Telethon appends .session to the name it is given
    assert stat.S_IMODE(os.stat(session).st_mode) == 0o600


# -- no gap survives ---------------------------------------------------------------------------------

def test_posts_missed_between_two_live_posts_are_stored(tmp_path):
    """A live post, three posts with no update, a live post, two catch-ups: all five are stored."""
    config, archive, network, source, _ = setup(tmp_path, channels=("gubernator_46",))

    async def scenario():
        await source.resolve()
        source.register()
        await source.catch_up()  # the channel is empty: complete up to 0
        network.publish(message(GOV.id, 1, "пост 1", T0))
        await network.settle()
        for i in (2, 3, 4):
            network.publish(message(GOV.id, i, f"пост {i}", T0 + timedelta(minutes=i)), live=False)
        network.publish(message(GOV.id, 5, "пост 5", T0 + timedelta(minutes=5)))
        await network.settle()  # the live post 5 shows the hole 2-4, read by id at once
        after_live = stored_ids(archive, GOV.id)
        await source.catch_up()
        await source.catch_up()
        return after_live

    assert asyncio.run(scenario()) == [1, 2, 3, 4, 5]
    assert stored_ids(archive, GOV.id) == [1, 2, 3, 4, 5] and complete_to(archive, GOV.id) == 5
    assert ("get_messages", GOV.id, (2, 3, 4)) in network.requests
    assert source.live_posts == 2 and source.history_posts == 3


def test_a_hole_below_the_newest_post_is_filled_by_the_next_catch_up(tmp_path):
    """Holes found by a catch-up (not by a live post), before and after posts already stored."""
    config, archive, network, source, _ = setup(tmp_path, channels=("gubernator_46",))
    for i in range(1, 11):
        network.publish(message(GOV.id, i, f"пост {i}", T0 + timedelta(minutes=i)), live=False)

    async def scenario():
        await source.resolve()
        await source.catch_up()
        for i in (11, 12, 13):  # missed before a live post
            network.publish(message(GOV.id, i, f"пост {i}", T0), live=False)
        source.register()
        network.handlers.clear()  # its hole-reading task never ran (say the daemon was killed)
        archive_post = message(GOV.id, 14, "пост 14", T0)
        network.publish(archive_post, live=False)
        source.pipeline.ingest([source_post(source, archive_post)])
        for i in (15, 16):  # and missed after it
            network.publish(message(GOV.id, i, f"пост {i}", T0), live=False)
        return await source.catch_up()

    assert asyncio.run(scenario()) == 5
    assert stored_ids(archive, GOV.id) == list(range(1, 17)) and complete_to(archive, GOV.id) == 16


def source_post(source, msg):
    from monitor.sources.telegram import message_to_post

    return message_to_post(msg, source._channel_of(msg))


def test_updates_missed_while_telethon_reconnects_are_read_after_its_reconnect(tmp_path):
    config, archive, network, source, _ = setup(tmp_path, channels=("mod_russia",))

    async def scenario():
        await source.resolve()
        source.register()
        await source.catch_up()
        network.publish(message(MOD.id, 1, "до обрыва", T0))
        await network.settle()
        network.drop_connection()  # is_connected() stays True: a poll of it would see nothing
        assert network.is_connected()
        for i in (2, 3, 4):
            network.publish(message(MOD.id, i, f"во время обрыва {i}", T0))  # no update reaches us
        await network.settle()
        missed = stored_ids(archive, MOD.id)
        network.reconnect()  # Telethon's reconnect hook runs the handlers
        await network.settle()
        await asyncio.gather(*source._tasks)
        return missed

    assert asyncio.run(scenario()) == [1]
    assert stored_ids(archive, MOD.id) == [1, 2, 3, 4] and source.reconnects == 1


@pytest.mark.slow
def test_a_restart_after_a_day_down_reads_every_page_of_history(tmp_path):
    config, archive, network, source, _ = setup(tmp_path, channels=("mod_russia",))
    for i in range(1, 51):
        network.publish(message(MOD.id, i, f"пост {i}", T0 + timedelta(minutes=i)), live=False)
    asyncio.run(_catch_up(source))
    archive.close()
    for i in range(51, 301):  # a day of posts while the daemon was down
        network.publish(message(MOD.id, i, f"пост {i}", T0 + timedelta(days=1, minutes=i)), live=False)
    network.requests.clear()
    restarted = TelegramSource(["mod_russia"], Archive(config.storage.path), None, network, pause=0)
    restarted.pipeline = Pipeline(restarted.archive, config)

    assert asyncio.run(_catch_up(restarted)) == 250
    assert stored_ids(restarted.archive, MOD.id) == list(range(1, 301)) and complete_to(restarted.archive, MOD.id) == 300
    pages = [r for r in network.requests if r[0] == "iter_messages"]
    assert len(pages) == 3 and all(r[2] == 50 and r[3] is True for r in pages)  # 250 posts: pages of 100


async def _catch_up(source):
    await source.resolve()
    return await source.catch_up()


def test_a_channel_whose_newest_posts_were_deleted_is_not_read_again_and_again(tmp_path):
    config, archive, network, source, _ = setup(tmp_path, channels=("gubernator_46",))
    for i in range(1, 11):
        network.publish(message(GOV.id, i, f"пост {i}", T0), live=False)
    network.publish(service(GOV.id, 11, T0), live=False)  # a pinned-message notice: no post

    async def scenario():
        await source.resolve()
        source.register()
        await source.catch_up()
        network.delete(GOV.id, [9, 10, 11], live=False)  # the newest posts deleted, no update
        for i in (12, 13):  # deleted before anyone read them
            network.publish(message(GOV.id, i, f"пост {i}", T0), live=False)
        network.delete(GOV.id, [12, 13], live=False)
        network.publish(message(GOV.id, 14, "пост 14", T0))  # live: shows the hole 12-13
        await network.settle()
        await asyncio.gather(*source._tasks)
        await source.catch_up()
        network.requests.clear()
        await source.catch_up()
        await source.catch_up()

    asyncio.run(scenario())
    assert stored_ids(archive, GOV.id) == list(range(1, 11)) + [14]
    from monitor.storage.channels import channel_state

    state = channel_state(archive.conn, str(GOV.id))
    assert state.complete_to == 14 and state.absent == 2  # 12 and 13 (deleted unread) known absent
    # once known absent, no id is asked for again: each catch-up is one page read above id 14
    assert network.requests == [("iter_messages", GOV.id, 14, True, None)] * 2


def test_holes_of_deleted_and_service_messages_inside_history_are_known_absent(tmp_path):
    config, archive, network, source, _ = setup(tmp_path, channels=("mod_russia",))
    network.publish(message(MOD.id, 1, "пост 1", T0), live=False)

    async def scenario():
        await source.resolve()
        await source.catch_up()
        for i in range(2, 8):
            network.publish(message(MOD.id, i, f"пост {i}", T0), live=False)
        network.publish(service(MOD.id, 8, T0), live=False)
        network.publish(message(MOD.id, 9, "пост 9", T0), live=False)
        network.delete(MOD.id, [3, 4], live=False)
        await source.catch_up()
        network.requests.clear()
        await source.catch_up()

    asyncio.run(scenario())
    assert stored_ids(archive, MOD.id) == [1, 2, 5, 6, 7, 9] and complete_to(archive, MOD.id) == 9
    assert network.requests == [("iter_messages", MOD.id, 9, True, None)]


# -- membership --------------------------------------------------------------------------------------

def test_a_channel_the_account_is_not_in_is_joined_when_configured(tmp_path):
    config, archive, network, source, _ = setup(tmp_path, channels=("mod_russia",), join=True)
    network.entities[MOD.id].left = True

    async def scenario():
        await source.resolve()
        source.register()
        network.publish(message(MOD.id, 1, "живой пост", T0))
        await network.settle()

    asyncio.run(scenario())
    assert ("JoinChannelRequest",) in network.requests
    assert stored_ids(archive, MOD.id) == [1] and source.live_posts == 1
    from monitor.storage.channels import channel_state

    assert channel_state(archive.conn, str(MOD.id)).member is True


def test_a_channel_the_account_is_not_in_is_polled_and_said_so(tmp_path, caplog):
    import logging

    config, archive, network, source, _ = setup(tmp_path, channels=("mod_russia",), poll_seconds=120)
    network.entities[MOD.id].left = True

    async def scenario():
        await source.resolve()
        source.register()
        await source.catch_up()
        network.publish(message(MOD.id, 1, "пост", T0))  # no update: not a member
        await network.settle()
        before = stored_ids(archive, MOD.id)
        await source.catch_up()
        return before

    with caplog.at_level(logging.INFO, logger="monitor.sources.telegram"):
        assert asyncio.run(scenario()) == []
    assert stored_ids(archive, MOD.id) == [1]
    assert ("JoinChannelRequest",) not in network.requests
    assert "mod_russia: not a member: live updates off, polled every 120 s" in caplog.text
    from monitor.storage.channels import channel_state

    assert channel_state(archive.conn, str(MOD.id)).member is False


def test_not_a_channel_and_private_channels_are_recorded_for_status(tmp_path):
    config, archive, network, source, _ = setup(tmp_path, channels=("mod_russia", "some_person", "secret_one"))
    network.entities["some_person"] = types.User(id=42, username="some_person")
    network.errors["secret_one"] = errors.ChannelPrivateError(request=None)
    asyncio.run(source.resolve())
    health = {r["channel"]: r for r in archive.db.query("SELECT * FROM source_health WHERE source = 'telegram'")}
    assert "is not a channel" in health["some_person"]["last_error"]
    assert "is private" in health["secret_one"]["last_error"]
    assert health["mod_russia"]["last_error"] is None


def test_the_real_client_calls_reconnect_handlers_from_telethons_reconnect_hook(tmp_path, monkeypatch):
    from monitor.sources.telegram import make_client

    monkeypatch.setenv("MONITOR_TG_API_ID", "12345")
    monkeypatch.setenv("MONITOR_TG_API_HASH", "0123456789abcdef0123456789abcdef")
    config = load_config(write_config(tmp_path, '[telegram]\nsession = "tg/monitor"\nchannels = ["mod_russia"]\n'))
    calls = []

    async def scenario():
        client = make_client(config)

        async def handler():
            calls.append("reconnected")

        client.add_reconnect_handler(handler)
        # the sender calls this after it reconnected on its own (MTProtoSender._reconnect)
        callback = client._sender._auto_reconnect_callback
        assert callback.__func__ is type(client)._handle_auto_reconnect
        await callback()  # Telethon's own part (a get_me) fails offline and is logged by Telethon
        update = client._updates_queue.get_nowait()  # and Telethon's catch-up asked for the difference
        assert type(update).__name__ == "UpdatesTooLong"
        client.session.close()

    asyncio.run(scenario())
    assert calls == ["reconnected"]


def test_an_archive_from_before_completeness_has_its_old_holes_read_by_id(tmp_path):
    """Posts an earlier version missed below its newest stored post are recovered on upgrade."""
    config, archive, network, source, _ = setup(tmp_path, channels=("gubernator_46",))
    for i in range(1, 8):
        network.publish(message(GOV.id, i, f"пост {i}", T0), live=False)
    ref = ChannelRef("gubernator_46", GOV.id, "gubernator_46", GOV.title)
    source.pipeline.ingest([message_to_post(m, ref) for m in network.history[GOV.id] if m.id in (3, 4, 7)])

    async def scenario():
        await source.resolve()  # the channel's state row is new: completeness never recorded
        await source.catch_up()

    asyncio.run(scenario())
    assert stored_ids(archive, GOV.id) == [3, 4, 5, 6, 7] and complete_to(archive, GOV.id) == 7
    assert ("get_messages", GOV.id, (5, 6)) in network.requests
