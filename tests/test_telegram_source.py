"""Telegram through a user session: Telethon's TL types in, posts out, nothing lost across gaps."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from telethon import errors
from telethon.tl import types

from monitor.config import load_config
from monitor.pipeline import Pipeline
from monitor.sources.telegram import ChannelRef, TelegramSource, message_to_post, parse_channel
from monitor.storage import Archive

from .conftest import run_cli, write_config
from .support.telegram import FakeTelegram, channel, message

T0 = datetime(2024, 8, 6, 11, 5, tzinfo=timezone.utc)
MOD = channel(1006503122, "Минобороны России", "mod_russia")
GOV = channel(1004460003, "Губернатор Курской области", "gubernator_46")


def setup(tmp_path, channels=("mod_russia", "https://t.me/gubernator_46")):
    config = load_config(write_config(tmp_path, '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nrecipients = ["d@example.org"]\n'))
    archive = Archive(config.storage.path)
    network = FakeTelegram()
    network.add_channel(MOD)
    network.add_channel(GOV)
    slept: list[float] = []

    async def sleep(seconds):
        slept.append(seconds)

    source = TelegramSource(list(channels), archive, Pipeline(archive, config), network, sleep=sleep, pause=0.5)
    return config, archive, network, source, slept


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
        await asyncio.sleep(0)
        network.edit(message(GOV.id, 2101, "Противник обстрелял Суджу, пострадали 24 человека.", T0, edit_date=T0 + timedelta(hours=2)))
        await asyncio.sleep(0)
        network.delete(GOV.id, [2101])
        await asyncio.sleep(0)
        network.publish(message(999, 1, "чужой канал", T0))  # not followed
        await asyncio.sleep(0)

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
        await asyncio.sleep(0)
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


def test_a_reconnect_triggers_a_catch_up():
    from monitor.daemon import watch_reconnects

    states = iter([True, False, False, True, True, False, True])
    calls = []

    class Client:
        def is_connected(self):
            return next(states, True)

    async def catch_up():
        calls.append(1)

    async def scenario():
        task = asyncio.create_task(watch_reconnects(Client(), catch_up, every=0.001))
        await asyncio.sleep(0.1)
        task.cancel()

    asyncio.run(scenario())
    assert len(calls) == 2  # two transitions from disconnected to connected
