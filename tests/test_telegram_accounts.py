"""Several Telegram accounts in one daemon: channels spread over them, flood waits per account, a lost account's
channels read on by another with no gap. Telethon's own TL types and errors on the test network."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from telethon import errors

from monitor.config import ConfigError, TelegramAccount, load_config
from monitor.pipeline import Pipeline
from monitor.sources.telegram_accounts import TelegramAccounts, account_report, assign_channels
from monitor.storage import Archive

from .conftest import ROOT, invoke, write_config
from .support.telegram import FakeTelegram, channel, message

T0 = datetime(2024, 8, 6, 11, 5, tzinfo=UTC)
MOD = channel(1006503122, "Минобороны России", "mod_russia")
GOV = channel(1004460003, "Губернатор Курской области", "gubernator_46")
WATCHLIST = '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nrecipients = ["d@example.org"]\n'


def account(name: str, *channels: str) -> TelegramAccount:
    return TelegramAccount(name=name, session=f"/tmp/{name}.session", api_id_env="ID", api_hash_env="HASH",
                           channels=tuple(channels))


CHANNELS = [f"channel_{n:03d}" for n in range(120)]


def owners(assignment) -> dict[str, str]:
    return {ref: name for name, refs in assignment.by_account.items() for ref in refs}


# -- assignment ---------------------------------------------------------------------------------------

def test_channels_are_spread_over_the_accounts_whatever_the_order():
    accounts = [account("alpha"), account("bravo"), account("charlie")]
    spread = assign_channels(CHANNELS, accounts, 400)
    assert sorted(owners(spread)) == sorted(CHANNELS) and not spread.unassigned
    assert all(25 <= len(refs) <= 55 for refs in spread.by_account.values()), spread.by_account  # about a third each
    shuffled_channels, shuffled_accounts = CHANNELS[:], accounts[:]
    random.Random(7).shuffle(shuffled_channels)
    shuffled_accounts.reverse()
    assert owners(assign_channels(shuffled_channels, shuffled_accounts, 400)) == owners(spread)
    # another way of writing a channel is the same channel
    assert owners(assign_channels(["@Channel_007"], accounts, 400))["@Channel_007"] == owners(spread)["channel_007"]


def test_the_assignment_does_not_depend_on_pythons_hash_seed():
    code = ("import json; from monitor.sources.telegram_accounts import assign_channels;"
            " from monitor.config import TelegramAccount as A;"
            " accounts = [A(name=n, session='s', api_id_env='I', api_hash_env='H') for n in ('x', 'y', 'z')];"
            " print(json.dumps(assign_channels([f'c{i}' for i in range(50)], accounts, 20).by_account))")
    results = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}, cwd=ROOT).stdout for seed in ("1", "2")]
    assert results[0] == results[1] and json.loads(results[0])


def test_adding_or_removing_an_account_moves_only_that_accounts_channels():
    three = owners(assign_channels(CHANNELS, [account("alpha"), account("bravo"), account("charlie")], 400))
    two = owners(assign_channels(CHANNELS, [account("alpha"), account("bravo")], 400))
    moved = {ref for ref in CHANNELS if three[ref] != two[ref]}
    assert moved == {ref for ref in CHANNELS if three[ref] == "charlie"}  # charlie removed: only its channels move
    four = owners(assign_channels(CHANNELS, [account(n) for n in ("alpha", "bravo", "charlie", "delta")], 400))
    assert {four[ref] for ref in CHANNELS if four[ref] != three[ref]} == {"delta"}  # added: it only takes
    lost = owners(assign_channels(CHANNELS, [account("alpha"), account("bravo"), account("charlie")], 400,
                                  lost=["charlie"]))
    assert lost == two  # a lost account is as if removed


def test_no_account_reads_more_than_max_channels_and_explicit_channels_come_first():
    accounts = [account("alpha", "channel_000", "channel_001"), account("bravo"), account("charlie")]
    capped = assign_channels(CHANNELS, accounts, 45)
    assert all(len(refs) <= 45 for refs in capped.by_account.values()), capped.by_account
    assert not capped.unassigned and {"channel_000", "channel_001"} <= set(capped.by_account["alpha"])
    full = assign_channels(CHANNELS, accounts, 30)
    assert all(len(refs) == 30 for refs in full.by_account.values())
    assert len(full.unassigned) == 30 and set(full.unassigned).isdisjoint(owners(full))
    # alpha lost: its explicit channels are spread over the others too
    moved = assign_channels(CHANNELS, accounts, 400, lost=["alpha"])
    assert "alpha" not in moved.by_account and {"channel_000", "channel_001"} <= set(owners(moved))


# -- configuration ------------------------------------------------------------------------------------

ACCOUNTS = """
[telegram]
channels = ["mod_russia", "gubernator_46"]

[[telegram.account]]
name = "alpha"
session = "tg/alpha.session"
api_id_env = "TG_ALPHA_ID"
api_hash_env = "TG_ALPHA_HASH"
channels = ["mod_russia"]

[[telegram.account]]
name = "bravo"
session = "tg/bravo.session"
api_id_env = "TG_BRAVO_ID"
api_hash_env = "TG_BRAVO_HASH"
"""


def errors_of(tmp_path, body: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_config(write_config(tmp_path, body))
    return raised.value.errors


def test_accounts_are_read_from_the_file(tmp_path):
    config = load_config(write_config(tmp_path, ACCOUNTS))
    alpha, bravo = config.telegram_accounts
    assert (alpha.name, alpha.channels, alpha.api_id_env) == ("alpha", ("mod_russia",), "TG_ALPHA_ID")
    assert bravo.session == str(tmp_path / "tg" / "bravo.session") and config.telegram.max_channels == 400
    single = load_config(write_config(tmp_path, '[telegram]\nchannels = ["mod_russia"]\n'))
    assert single.telegram_accounts == ()  # today's configuration: one implicit account


def test_account_errors_name_the_key_and_line(tmp_path):
    body = ACCOUNTS.replace('api_hash_env = "TG_BRAVO_HASH"\n', 'channels = ["https://t.me/mod_russia"]\n'
                                                                'api_hash = "0123456789abcdef"\n')
    body += ('\n[[telegram.account]]\nname = "alpha"\nsession = "tg/a2.session"\napi_id_env = "X"\n'
             'api_hash_env = "Y"\n')
    found = errors_of(tmp_path, body)
    text = "\n".join(found)
    path = tmp_path / "monitor.toml"
    assert f"{path}:22: telegram.account[2].name: duplicate name \"alpha\" (also telegram.account[0])" in found, text
    assert f"{path}:19: telegram.account[1].api_hash: secrets do not belong in the configuration file" in text
    assert "0123456789abcdef" not in text
    assert f"{path}:14: telegram.account[1].api_hash_env: required setting missing" in text
    assert (f'{path}:18: telegram.account[1].channels: channel "https://t.me/mod_russia" is also assigned to'
            ' account "alpha"') in text


def test_more_channels_than_an_account_may_read_is_an_error(tmp_path):
    body = ACCOUNTS.replace('channels = ["mod_russia"]\n', 'channels = ["mod_russia", "a", "b"]\n')
    body = body.replace('channels = ["mod_russia", "gubernator_46"]\n',
                        'channels = ["mod_russia", "gubernator_46"]\nmax_channels = 2\n')
    found = errors_of(tmp_path, body)
    assert any(":13: telegram.account[0].channels: 3 channels, more than [telegram] max_channels = 2" in e
               for e in found), found
    assert not any("telegram.max_channels" in e for e in found), found  # 4 channels: the 2 accounts hold them
    over = errors_of(tmp_path, '[telegram]\nchannels = ["a", "b", "c"]\nmax_channels = 2\n')
    assert any(":5: telegram.max_channels: 3 channels, but 1 accounts read at most 2" in e for e in over), over


def test_an_account_without_its_variables_names_is_an_error(tmp_path):
    body = '[[telegram.account]]\nname = "alpha"\nsession = "a.session"\n'
    found = errors_of(tmp_path, body)
    assert any(e.endswith("telegram.account[0].api_id_env: required setting missing (environment variable (or"
                          " systemd credential) holding api_id)") for e in found), found
    assert any("telegram.account[0].api_hash_env: required setting missing" in e for e in found), found
    bad = errors_of(tmp_path, body + 'api_id_env = "12345"\napi_hash_env = "H"\n')
    assert any("api_id_env: must be the name of an environment variable" in e and "12345" not in e for e in bad)


def test_login_takes_the_account_to_log_in(tmp_path):
    path = write_config(tmp_path, ACCOUNTS)
    env = {"TG_ALPHA_ID": "1", "TG_ALPHA_HASH": "h", "TG_BRAVO_ID": "", "TG_BRAVO_HASH": ""}
    which = invoke("telegram", "login", config=path, env=env)
    assert which.returncode == 1 and "name one with --account (alpha, bravo)" in which.stderr
    unknown = invoke("telegram", "login", "--account", "charlie", config=path, env=env)
    assert unknown.returncode == 1 and 'no [[telegram.account]] named "charlie"; configured: alpha, bravo' in unknown.stderr
    bravo = invoke("telegram", "login", "--account", "bravo", config=path, env=env)
    assert bravo.returncode == 1  # bravo's own variables are read, and they are empty
    assert "account bravo: " in bravo.stderr and "TG_BRAVO_ID" in bravo.stderr and "TG_BRAVO_HASH" in bravo.stderr
    single = write_config(tmp_path, '[telegram]\nchannels = ["mod_russia"]\n', name="single.toml")
    refused = invoke("telegram", "login", "--account", "alpha", config=single, env=env)
    assert refused.returncode == 1 and "log it in without --account" in refused.stderr


def test_check_shows_each_accounts_channels(tmp_path):
    path = write_config(tmp_path, ACCOUNTS)
    result = invoke("check", config=path, env={"TG_ALPHA_ID": "1", "TG_ALPHA_HASH": "h", "TG_BRAVO_ID": "",
                                                "TG_BRAVO_HASH": ""})
    assert result.returncode == 0, result.stderr
    assert "telegram: 2 channel(s) over 2 accounts (at most 400 each)" in result.stdout
    assert "account alpha: " in result.stdout and "mod_russia" in result.stdout
    assert "TG_BRAVO_ID and TG_BRAVO_HASH not set" in result.stdout


# -- running ------------------------------------------------------------------------------------------

def two_accounts(tmp_path, *, alpha=("mod_russia",), bravo=("gubernator_46",)):
    """Accounts alpha and bravo on one network; each reads its explicit channels."""
    body = WATCHLIST + '[telegram]\nchannels = []\n'
    for name, channels in (("alpha", alpha), ("bravo", bravo)):
        body += (f'\n[[telegram.account]]\nname = "{name}"\nsession = "{name}.session"\napi_id_env = "ID"\n'
                 f'api_hash_env = "HASH"\nchannels = {json.dumps(list(channels))}\n')
    config = load_config(write_config(tmp_path, body))
    archive = Archive(config.storage.path)
    network = FakeTelegram()
    network.add_channel(channel(MOD.id, MOD.title, MOD.username))
    network.add_channel(channel(GOV.id, GOV.title, GOV.username))
    clients = {"alpha": network, "bravo": network.account()}
    return config, archive, network, clients


def stored(archive, channel_id) -> list[int]:
    return [r[0] for r in archive.conn.execute("SELECT message_id FROM posts WHERE channel = ? ORDER BY message_id",
                                               (str(channel_id),))]


def test_a_flood_wait_on_one_account_does_not_delay_another_accounts_channels(tmp_path):
    config, archive, network, clients = two_accounts(tmp_path)
    network.publish(message(MOD.id, 1, "Сводка", T0), live=False)
    network.publish(message(GOV.id, 1, "Обстрел Суджи", T0), live=False)
    clients["alpha"].flood_once.add(MOD.id)  # Telegram asks alpha to wait 7 s before its next history read
    flood_over = asyncio.Event()
    slept = []

    async def sleep(seconds):
        slept.append(seconds)
        await flood_over.wait()  # alpha sleeps until the test says the wait is over

    accounts = TelegramAccounts(config, clients, archive, Pipeline(archive, config), sleep=sleep, pause=0)

    async def scenario():
        await accounts.resolve()
        accounts.register()
        catch_up = asyncio.ensure_future(accounts.catch_up())
        for _ in range(200):
            if stored(archive, GOV.id):
                break
            await asyncio.sleep(0.01)
        during = (stored(archive, MOD.id), stored(archive, GOV.id), accounts.account_figures())
        network.publish(message(GOV.id, 2, "Губернатор: пострадали 5 человек", T0 + timedelta(minutes=1)))
        await network.settle()  # a live post on bravo's channel is stored while alpha sleeps
        during_live = stored(archive, GOV.id)
        flood_over.set()
        await catch_up
        return during, during_live

    (mod, gov, figures), gov_live = asyncio.run(scenario())
    assert mod == [] and gov == [1] and gov_live == [1, 2]
    alpha, bravo = figures
    assert alpha["account"] == "alpha" and alpha["flood_wait_until"] is not None and bravo["flood_wait_until"] is None
    assert slept == [7] and stored(archive, MOD.id) == [1]
    status = {a["account"]: a for a in account_report(archive, config, datetime.now(UTC) - timedelta(days=1000))}
    assert status["alpha"]["flood_wait_until"] is not None and status["bravo"]["flood_wait_until"] is None


@pytest.mark.parametrize("error", [errors.SessionRevokedError, errors.AuthKeyUnregisteredError,
                                   errors.UserDeactivatedBanError])
def test_a_lost_accounts_channels_are_read_on_by_another_with_no_gap(tmp_path, error):
    config, archive, network, clients = two_accounts(tmp_path)
    accounts = TelegramAccounts(config, clients, archive, Pipeline(archive, config), pause=0)
    bravo = clients["bravo"]
    resolve_for_bravo = bravo.get_entity

    async def get_entity(ref):  # bravo takes mod_russia over: a post comes out right then, live
        entity = await resolve_for_bravo(ref)
        if ref == "mod_russia":
            network.publish(message(MOD.id, 3, "Опубликовано во время переноса", T0 + timedelta(minutes=3)))
        return entity

    bravo.get_entity = get_entity

    async def scenario():
        await accounts.resolve()
        accounts.register()
        await accounts.catch_up()
        network.publish(message(MOD.id, 1, "Сводка 1", T0))  # read live by alpha
        await network.settle()
        clients["alpha"].lost = error(request=None)  # the session ends: no update comes to alpha any more
        network.publish(message(MOD.id, 2, "Сводка 2", T0 + timedelta(minutes=2)))
        await network.settle()
        before = stored(archive, MOD.id)
        await accounts.catch_up()  # alpha's safety poll fails: alpha is lost, bravo takes its channels over
        await network.settle()
        await accounts.settle()
        network.publish(message(MOD.id, 4, "Сводка 4", T0 + timedelta(minutes=4)))  # live, to bravo now
        await network.settle()
        return before

    assert asyncio.run(scenario()) == [1]
    assert stored(archive, MOD.id) == [1, 2, 3, 4]  # no gap, and the post published during the move once
    assert accounts.live_posts + accounts.history_posts == 4
    from monitor.storage.channels import channel_state

    assert channel_state(archive.conn, str(MOD.id)).complete_to == 4
    alpha = accounts.account_figures()[0]
    assert alpha["lost"].startswith(error.__name__) and alpha["lost_since"] is not None and alpha["channels"] == 0
    assert sorted(c.ref for c in accounts.channels) == ["gubernator_46", "mod_russia"]
    from monitor.status import status_report

    report = status_report(archive, config, datetime.now(UTC))
    lost = {a["account"]: a for a in report["telegram_accounts"]}
    assert lost["alpha"]["lost"].startswith(error.__name__) and lost["bravo"]["lost"] is None
    assert lost["bravo"]["channels"] == 2
    assert any(p.startswith("telegram account alpha: lost since") and "--account alpha" in p
               for p in report["problems"]), report["problems"]


def test_the_daemon_reads_with_the_accounts_it_can_and_reports_the_one_not_logged_in(tmp_path):
    from monitor.daemon import Daemon
    from monitor.status import status_report

    config, archive, network, clients = two_accounts(tmp_path)
    archive.close()
    network.publish(message(MOD.id, 1, "Сводка", T0), live=False)
    network.publish(message(GOV.id, 1, "Обстрел Суджи", T0), live=False)
    daemon = Daemon(config.path, telegram_clients={"alpha": clients["alpha"]})  # bravo has no session file

    summary = asyncio.run(daemon.run(once=True))
    assert summary.telegram_channels == 2 and summary.telegram_history == 2
    with Archive(config.storage.path) as archive:
        assert stored(archive, MOD.id) == [1] and stored(archive, GOV.id) == [1]  # bravo's channel read by alpha
        report = status_report(archive, config, datetime.now(UTC))
    accounts = {a["account"]: a for a in report["telegram_accounts"]}
    assert accounts["alpha"]["lost"] is None and accounts["alpha"]["channels"] == 2
    assert "no Telegram session at" in accounts["bravo"]["lost"]
    assert "run 'monitor telegram login --account bravo' once first" in accounts["bravo"]["lost"]
    assert not report["healthy"] and any(p.startswith("telegram account bravo: lost") for p in report["problems"])
    shown = invoke("status", config=config.path)
    assert shown.returncode == 1 and "unhealthy: telegram account bravo: lost since" in shown.stderr
    table = [line.split() for line in shown.stdout.splitlines() if line.startswith(("alpha ", "bravo "))]
    assert table[0][:2] == ["alpha", "2"] and table[1][:4] == ["bravo", "0", "no", "Telegram"], shown.stdout


def test_an_account_whose_session_ends_while_idle_is_handed_over_without_stopping_the_daemon(tmp_path):
    config, archive, network, clients = two_accounts(tmp_path)
    accounts = TelegramAccounts(config, clients, archive, Pipeline(archive, config), pause=0)
    stopped = []

    async def scenario():
        alpha = clients["alpha"]
        alpha.disconnected = asyncio.get_running_loop().create_future()  # as TelegramClient.disconnected
        await accounts.resolve()
        accounts.register()
        accounts.watch_disconnects(lambda: stopped.append("daemon stops"))
        await accounts.catch_up()
        ended = errors.AuthKeyUnregisteredError(request=None)
        alpha.lost = ended
        network.publish(message(MOD.id, 1, "Сводка", T0))  # alpha hears nothing any more
        # Telethon's update loop cannot get the difference: it keeps the error and disconnects the client
        alpha._updates_error = ended
        alpha.disconnected.set_result(None)
        await asyncio.sleep(0)
        await accounts.settle()

    asyncio.run(scenario())
    assert stopped == [] and stored(archive, MOD.id) == [1]
    assert accounts.account_figures()[0]["lost"].startswith("AuthKeyUnregisteredError")


def test_metrics_show_each_accounts_channels_flood_wait_and_loss():
    from monitor.metrics import _account_metrics

    soon = datetime.now(UTC) + timedelta(seconds=90)
    families = list(_account_metrics([
        {"account": "alpha", "channels": 3, "flood_wait_until": soon, "lost": None, "lost_since": None},
        {"account": "bravo", "channels": 0, "flood_wait_until": None, "lost": "SessionRevokedError: revoked",
         "lost_since": T0},
    ]))
    samples = {(f.name, s.labels["account"]): s.value for f in families for s in f.samples}
    assert samples[("monitor_telegram_account_channels", "alpha")] == 3
    assert samples[("monitor_telegram_account_lost", "alpha")] == 0
    assert samples[("monitor_telegram_account_lost", "bravo")] == 1
    assert 80 < samples[("monitor_telegram_account_flood_wait_seconds", "alpha")] <= 90
    assert samples[("monitor_telegram_account_flood_wait_seconds", "bravo")] == 0


def test_the_single_account_session_beside_accounts_is_an_error_not_ignored(tmp_path):
    body = ACCOUNTS.replace('[telegram]\n', '[telegram]\nsession = "storage/monitor.session"\n')
    found = errors_of(tmp_path, body)
    assert any(e.endswith(":5: telegram.session: not used when [[telegram.account]] entries are given (each account"
                          " names its own session); remove it here") for e in found), found


def test_the_daemon_stops_when_every_account_is_lost(tmp_path):
    config, archive, network, clients = two_accounts(tmp_path)
    accounts = TelegramAccounts(config, clients, archive, Pipeline(archive, config), pause=0)
    stopped = []

    async def scenario():
        loop = asyncio.get_running_loop()
        for client in clients.values():
            client.disconnected = loop.create_future()  # as TelegramClient.disconnected
        await accounts.resolve()
        accounts.register()
        accounts.watch_disconnects(lambda: stopped.append("daemon stops"))
        await accounts.catch_up()
        for name in ("alpha", "bravo"):
            ended = errors.SessionRevokedError(request=None)
            clients[name].lost = ended
            clients[name]._updates_error = ended  # as Telethon's update loop keeps it before disconnecting
            clients[name].disconnected.set_result(None)
            await asyncio.sleep(0)
            await accounts.settle()
            assert stopped == ([] if name == "alpha" else ["daemon stops"]), name

    asyncio.run(scenario())
    assert all(row["lost"].startswith("SessionRevokedError") for row in accounts.account_figures())


def test_one_accounts_flood_wait_does_not_hold_back_anothers_next_history_poll(tmp_path):
    config, archive, network, clients = two_accounts(tmp_path)
    network.publish(message(MOD.id, 1, "Сводка", T0), live=False)
    clients["alpha"].flood_once.add(MOD.id)
    flood_over = asyncio.Event()

    async def sleep(seconds):
        await flood_over.wait()

    accounts = TelegramAccounts(config, clients, archive, Pipeline(archive, config), sleep=sleep, pause=0)

    async def scenario():
        await accounts.resolve()
        accounts.register()
        await accounts.poll()  # alpha starts its wait
        network.publish(message(GOV.id, 1, "Обстрел Суджи", T0), live=False)  # missed: no update, as Telegram
        await accounts.poll()  # bravo's next poll while alpha still sleeps
        for _ in range(300):
            if stored(archive, GOV.id):
                break
            await asyncio.sleep(0.01)
        during = (stored(archive, MOD.id), stored(archive, GOV.id))
        flood_over.set()
        await asyncio.wait(list(accounts._polls.values()))
        return during

    assert asyncio.run(scenario()) == ([], [1])
    assert stored(archive, MOD.id) == [1]
