"""Several Telegram accounts in one daemon: which account reads which channel, and what happens when one is lost.

Assignment (``assign_channels``): an account's explicit ``channels`` first, the rest spread by
rendezvous hashing: each channel goes to the account that scores highest on sha1(account, channel)
and still has room (``[telegram] max_channels``). Pairs are taken in order of score, so the result
depends on names alone (not on the file's order or Python's hash seed), and while no account is
full, adding or removing an account moves only that account's channels.

At run time (``TelegramAccounts``) each account has its own Telethon client and its own
``TelegramSource``: flood waits are slept by the account that got them, and catch-ups of the
accounts run side by side, so one account sleeping never delays another's channels. An account
logged out, revoked, banned or deactivated is marked lost (in status: name, reason, since) and its
channels are assigned again among the others; the account that takes a channel over reads its
history from the channel's last complete id (the archive's completeness table), so no post is
missed and none is stored twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.config import Config, Telegram, TelegramAccount
from monitor.storage import Archive, iso

from .health import get_state, record_error, record_success
from .telegram import (
    ACCOUNT_SOURCE,
    HISTORY_PAUSE,
    SOURCE,
    ChannelRef,
    TelegramSetupError,
    TelegramSource,
    make_client,
    parse_channel,
    secure_session_file,
)

DEFAULT_ACCOUNT = "default"  # the one account of a configuration without [[telegram.account]]

log = logging.getLogger(__name__)


# -- configuration ----------------------------------------------------------------------------------

def channel_key(ref: str) -> str:
    """One key for every written form of a channel ("@Mod_Russia", "https://t.me/mod_russia")."""
    return str(parse_channel(ref)).lower()


def accounts_of(config: Config) -> tuple[TelegramAccount, ...]:
    """The configured accounts; without [[telegram.account]], [telegram]'s session as the one account."""
    if config.telegram_accounts:
        return config.telegram_accounts
    tg = config.telegram or Telegram()
    return (TelegramAccount(name=DEFAULT_ACCOUNT, session=tg.session, api_id_env=tg.api_id_env,
                            api_hash_env=tg.api_hash_env),)


def followed_channels(telegram: Telegram | None, accounts: Iterable[TelegramAccount]) -> list[str]:
    """[telegram] channels, then the accounts' explicit channels not listed there; one ref per channel key
    among the accounts' (the first written form of [telegram] channels is kept as configured)."""
    refs = list(telegram.channels) if telegram is not None else []
    known = {channel_key(r) for r in refs}
    for account in accounts:
        for ref in account.channels:
            if channel_key(ref) not in known:
                known.add(channel_key(ref))
                refs.append(ref)
    return refs


@dataclass
class Assignment:
    by_account: dict[str, list[str]]  # account -> channel refs, in configured order
    unassigned: list[str]  # no account with room left


def _score(account: str, key: str) -> bytes:
    return hashlib.sha1(f"{account}\n{key}".encode()).digest()


def assign_channels(channels: Sequence[str], accounts: Sequence[TelegramAccount], max_channels: int,
                    lost: Iterable[str] = ()) -> Assignment:
    """Which account reads which channel; accounts in ``lost`` read none (their explicit channels are spread)."""
    lost = set(lost)
    live = sorted({a.name for a in accounts if a.name not in lost})
    owner: dict[str, str] = {}
    load = dict.fromkeys(live, 0)
    for account in accounts:
        if account.name in lost:
            continue
        for ref in account.channels:
            key = channel_key(ref)
            if key not in owner and load[account.name] < max_channels:
                owner[key] = account.name
                load[account.name] += 1
    keys = sorted({channel_key(r) for r in channels} - set(owner))
    pairs = sorted(((_score(name, key), key, name) for key in keys for name in live), reverse=True)
    for _, key, name in pairs:
        if key not in owner and load[name] < max_channels:
            owner[key] = name
            load[name] += 1
    by_account: dict[str, list[str]] = {name: [] for name in live}
    unassigned = []
    seen: set[str] = set()
    for ref in channels:
        key = channel_key(ref)
        if key in seen:
            continue
        seen.add(key)
        if key in owner:
            by_account[owner[key]].append(ref)
        else:
            unassigned.append(ref)
    return Assignment(by_account, unassigned)


def config_problems(telegram: Telegram | None, accounts: Sequence[TelegramAccount]) -> list[tuple[int | None, str, str]]:
    """What is wrong with the accounts as a whole: (account index or None for [telegram], key, message)."""
    problems: list[tuple[int | None, str, str]] = []
    max_channels = telegram.max_channels if telegram is not None else Telegram().max_channels
    taken: dict[str, str] = {}
    for index, account in enumerate(accounts):
        keys = []
        for ref in account.channels:
            key = channel_key(ref)
            if key in taken and taken[key] != account.name:
                problems.append((index, "channels", f'channel "{ref}" is also assigned to account "{taken[key]}";'
                                                    " a channel is read by one account"))
            taken.setdefault(key, account.name)
            if key not in keys:
                keys.append(key)
        if len(keys) > max_channels:
            problems.append((index, "channels", f"{len(keys)} channels, more than [telegram] max_channels ="
                                                f" {max_channels}; raise max_channels or move channels to another"
                                                " account"))
    if telegram is not None:
        total = len({channel_key(r) for r in followed_channels(telegram, accounts)})
        capacity = max_channels * max(len(accounts), 1)
        if total > capacity:
            problems.append((None, "max_channels", f"{total} channels, but {max(len(accounts), 1)} accounts read at"
                                                   f" most {capacity} (max_channels = {max_channels} each); add a"
                                                   " [[telegram.account]] or raise max_channels"))
    return problems


# -- connecting ---------------------------------------------------------------------------------------

async def connect(config: Config, account: TelegramAccount) -> Any:
    """A connected client of an authorised session; TelegramSetupError says how to log in otherwise."""
    login = "monitor telegram login" + (f" --account {account.name}" if config.telegram_accounts else "")
    session = Path(account.session)
    if not session.exists() and not Path(str(session) + ".session").exists():
        raise TelegramSetupError(f"no Telegram session at {session}: run '{login}' once first")
    secure_session_file(session)  # the session holds the account's key: its owner's alone, whoever made it
    client = make_client(config, account)
    await client.connect()
    if not await client.is_user_authorized():
        await client.disconnect()
        raise TelegramSetupError(f"the Telegram session {session} is not logged in: run '{login}'")
    return client


async def connect_accounts(config: Config, given: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Each account's client (``given``: clients made elsewhere, by name; the others are connected from their
    sessions), and why the accounts that cannot read cannot. Raises TelegramSetupError when no account can
    read, or when the one account of a single-account set-up cannot."""
    clients: dict[str, Any] = {}
    unusable: dict[str, str] = {}
    for account in accounts_of(config):
        if given is not None and account.name in given:
            clients[account.name] = given[account.name]
            continue
        try:
            clients[account.name] = await connect(config, account)
        except TelegramSetupError as exc:
            if not config.telegram_accounts:
                raise
            unusable[account.name] = str(exc)
            log.error("telegram: account %s cannot read: %s", account.name, exc)
    if not clients:
        raise TelegramSetupError("no Telegram account can read: " + "; ".join(f"{name}: {why}" for name, why
                                                                             in unusable.items()))
    return clients, unusable


# -- running ------------------------------------------------------------------------------------------

@dataclass
class Account:
    settings: TelegramAccount
    client: Any = None
    source: TelegramSource | None = None
    lost: str | None = None  # why the account reads nothing
    lost_at: datetime | None = None

    @property
    def name(self) -> str:
        return self.settings.name


class TelegramAccounts:
    """Every account's ``TelegramSource``, seen by the daemon as one source (the same attributes and methods).

    ``clients``: a client per account name; ``unusable``: accounts that cannot read from the start, with why.
    Everything else as ``TelegramSource`` takes it.
    """

    def __init__(self, config: Config, clients: dict[str, Any], archive: Archive, pipeline: Any, *,
                 unusable: dict[str, str] | None = None, offload: Callable[..., Awaitable[Any]] | None = None,
                 sleep: Callable[[float], Any] | None = None, pause: float = HISTORY_PAUSE,
                 clock: Callable[[], datetime] | None = None):
        self.settings = config.telegram or Telegram()
        self.configured = accounts_of(config)
        self.archive = archive
        self.offload = offload
        self.clock = clock or (lambda: datetime.now(UTC))
        self.accounts = {a.name: Account(a, clients.get(a.name)) for a in self.configured}
        for name, reason in (unusable or {}).items():
            self.accounts[name].lost, self.accounts[name].lost_at = reason, self.clock()
        self.assignment = self._assign()
        for account in self.accounts.values():
            if account.lost is None:
                account.source = TelegramSource(
                    self.assignment.by_account[account.name], archive, pipeline, account.client, offload=offload,
                    sleep=sleep, pause=pause, join=self.settings.join, poll_seconds=self.settings.poll_seconds,
                    clock=self.clock, account=account.name, on_lost=self._on_lost)
        self._stopping = asyncio.Event()
        self._lost_connection: Callable[[], None] | None = None  # the daemon stops when every account is lost
        self._polls: dict[str, asyncio.Task] = {}  # each account's running safety poll
        self._moving = asyncio.Lock()
        self._tasks: set[asyncio.Task] = set()

    # -- what the daemon reads ------------------------------------------------------------------------
    def _sources(self, *, live: bool = True) -> list[TelegramSource]:
        return [a.source for a in self.accounts.values() if a.source is not None and (not live or a.lost is None)]

    @property
    def by_id(self) -> dict[int, ChannelRef]:
        merged: dict[int, ChannelRef] = {}
        for source in self._sources():
            merged.update(source.by_id)
        return merged

    @property
    def channels(self) -> list[ChannelRef]:
        """Every followed channel: those of the reading accounts, and those no account has room for."""
        refs = [c for source in self._sources() for c in source.channels]
        refs += [ChannelRef(ref, error=self._no_room(ref)) for ref in self.assignment.unassigned]
        return refs

    def _sum(self, counter: str) -> int:
        """A count summed over every account, lost ones included."""
        return sum(getattr(source, counter) for source in self._sources(live=False))

    @property
    def live_posts(self) -> int:
        return self._sum("live_posts")

    @property
    def history_posts(self) -> int:
        return self._sum("history_posts")

    @property
    def flood_waits(self) -> int:
        return self._sum("flood_waits")

    @property
    def handler_errors(self) -> int:
        return self._sum("handler_errors")

    @property
    def read_errors(self) -> int:
        return self._sum("read_errors")

    @property
    def reconnects(self) -> int:
        return self._sum("reconnects")

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @property
    def poll_seconds(self) -> int:
        return self.settings.poll_seconds

    def account_figures(self) -> list[dict[str, Any]]:
        """Each account's state now: channels read, flood wait end, why lost and since when."""
        figures = []
        for account in self.accounts.values():
            source = account.source if account.lost is None else None
            figures.append({"account": account.name, "channels": len(self.assignment.by_account.get(account.name, [])),
                            "flood_wait_until": source.flood_until if source is not None else None,
                            "lost": account.lost, "lost_since": account.lost_at})
        return figures

    # -- running ------------------------------------------------------------------------------------
    async def _db(self, function: Callable[..., Any], *args: Any) -> Any:
        if self.offload is None:
            return function(*args)
        return await self.offload(function, *args)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def resolve(self) -> list[ChannelRef]:
        """Every account looks its channels up, side by side; the accounts' state is recorded for status."""
        await self._db(self._record_accounts)
        await asyncio.gather(*(source.resolve() for source in self._sources()))
        await self.settle()
        return list(self.by_id.values())

    def register(self) -> None:
        for source in self._sources():
            source.register()

    async def catch_up(self) -> int:
        """Each account fills its channels; the accounts run side by side (one's flood wait delays no other)."""
        counts = await asyncio.gather(*(source.catch_up() for source in self._sources()))
        await self.settle()
        return sum(counts)

    async def poll(self) -> None:
        """The history safety poll: each account catches up on its own, and one still in its last poll (a
        flood wait) is left to finish it, so that it delays no other account's next poll (a coroutine: the
        scheduler runs it on the loop)."""
        for account in self.accounts.values():
            source = account.source
            if account.lost is not None or source is None:
                continue
            running = self._polls.get(account.name)
            if running is not None and not running.done():
                continue
            self._polls[account.name] = asyncio.ensure_future(self._poll(account.name, source))

    async def _poll(self, name: str, source: TelegramSource) -> None:
        try:
            await source.catch_up()
        except Exception:  # noqa: BLE001 - the next poll tries again
            log.exception("telegram: account %s: history poll failed", name)

    async def settle(self) -> None:
        """Wait for the moves of lost accounts' channels (and the reads they started) to end."""
        while True:
            pending = [t for t in self._tasks if not t.done()]
            pending += [t for source in self._sources() for t in source._tasks if not t.done()]
            if not pending:
                return
            await asyncio.wait(pending)

    async def reconfigure(self, config: Config) -> list[ChannelRef]:
        """After a reload: settings and channel lists of the accounts running (accounts are added by a restart)."""
        self.settings = config.telegram or Telegram()
        known = {a.name for a in self.configured}
        accounts = accounts_of(config) if config.telegram is not None else ()
        added = [a.name for a in accounts if a.name not in known]
        if added:
            log.warning("telegram: accounts %s are read from the next start", ", ".join(added))
        kept = {a.name: a for a in accounts}
        removed = [a.name for a in self.configured if a.name not in kept]
        if removed:
            log.warning("telegram: accounts %s read on until the next start", ", ".join(removed))
        self.configured = tuple(kept.get(a.name, a) for a in self.configured)
        for source in self._sources():
            source.join, source.poll_seconds = self.settings.join, self.settings.poll_seconds
        await self._move()
        return list(self.by_id.values())

    async def stop(self, timeout: float) -> None:
        """Every account stops (reads in flight end at their next page), then its client disconnects."""
        self._stopping.set()
        await asyncio.gather(*(source.stop(timeout) for source in self._sources(live=False)))
        for task in [t for t in [*self._tasks, *self._polls.values()] if not t.done()]:
            task.cancel()
        for account in self.accounts.values():
            await _disconnect(account.client)

    def watch_disconnects(self, lost_connection: Callable[[], None]) -> None:
        """``lost_connection`` is called when a reading account's client gives up reconnecting; a client
        disconnected because its session ended is a lost account instead."""
        self._lost_connection = lost_connection

        def watch(account: Account) -> Callable[[Any], None]:
            def disconnected(_: Any) -> None:
                if account.lost is not None:  # a lost account's client is disconnected on purpose
                    return
                # Telethon's update loop disconnects a client whose session ended and keeps the error here
                error = getattr(account.client, "_updates_error", None)
                if account.source is not None and error is not None and account.source.account_lost(error):
                    return  # its channels move to the other accounts
                lost_connection()
            return disconnected

        for account in self.accounts.values():
            disconnected = getattr(account.client, "disconnected", None)
            if account.lost is None and disconnected is not None:
                asyncio.ensure_future(disconnected).add_done_callback(watch(account))

    # -- lost accounts --------------------------------------------------------------------------------
    def _assign(self) -> Assignment:
        lost = [name for name, account in self.accounts.items() if account.lost is not None]
        return assign_channels(followed_channels(self.settings, self.configured), self.configured,
                               self.settings.max_channels, lost)

    def _on_lost(self, source: TelegramSource, reason: str) -> None:
        account = next(a for a in self.accounts.values() if a.source is source)
        account.lost, account.lost_at = reason, self.clock()
        self._spawn(self._take_over(account))

    async def _take_over(self, account: Account) -> None:
        """A lost account's channels go to the others, which read on from each channel's last complete id."""
        await self._db(record_error, self.archive, ACCOUNT_SOURCE, account.name, account.lost, account.lost_at)
        await _disconnect(account.client)
        if self.stopping:
            return
        await self._move()
        if all(a.lost is not None for a in self.accounts.values()) and self._lost_connection is not None:
            log.error("telegram: every account is lost (see monitor status); stopping so an operator logs in again")
            self._lost_connection()  # as one account's revoked session always stopped the daemon

    async def _move(self) -> None:
        """Give every reading account the channels the assignment now gives it (new ones are read at once)."""
        async with self._moving:
            before = self.assignment
            self.assignment = self._assign()
            for account in self.accounts.values():
                if account.lost is not None or account.source is None:
                    continue
                refs = self.assignment.by_account.get(account.name, [])
                if refs != [c.ref for c in account.source.channels]:
                    moved = [r for r in refs if r not in before.by_account.get(account.name, [])]
                    if moved:
                        log.info("telegram: account %s takes over %d channels: %s", account.name, len(moved),
                                 ", ".join(moved))
                    await account.source.set_channels(refs)
            for ref in self.assignment.unassigned:
                log.error("telegram: %s", self._no_room(ref))
                await self._db(record_error, self.archive, SOURCE, ref, self._no_room(ref), self.clock())

    def _no_room(self, ref: str) -> str:
        if all(account.lost is not None for account in self.accounts.values()):
            return f'channel "{ref}" is not read: every Telegram account is lost (see monitor status)'
        return (f'channel "{ref}" is not read: no Telegram account has room (max_channels ='
                f" {self.settings.max_channels}); add an account or raise max_channels")

    def _record_accounts(self) -> None:
        now = self.clock()
        for account in self.accounts.values():
            if account.lost is None:
                record_success(self.archive, ACCOUNT_SOURCE, account.name, 0, now)
            else:
                record_error(self.archive, ACCOUNT_SOURCE, account.name, account.lost, account.lost_at or now)
        for ref in self.assignment.unassigned:
            record_error(self.archive, SOURCE, ref, self._no_room(ref), now)


async def _disconnect(client: Any) -> None:
    if client is not None and hasattr(client, "disconnect"):
        try:
            await client.disconnect()
        except Exception:  # noqa: BLE001 - a client that cannot say goodbye is gone either way
            log.exception("telegram: disconnecting failed")


# -- status -------------------------------------------------------------------------------------------

def account_report(archive: Archive, config: Config, now: datetime) -> list[dict[str, Any]]:
    """Each account as the archive knows it: channels it reads, flood wait end, why lost and since when."""
    if config.telegram is None:
        return []
    from monitor.storage.status import has_table, source_health

    rows = {channel: row for (source, channel), row in source_health(archive.conn).items() if source == ACCOUNT_SOURCE}
    # lost: an error at or after the last start that could use it (times are kept to the second)
    lost = {name: row for name, row in rows.items()
            if row["last_error_at"] and (not row["last_success"] or row["last_error_at"] >= row["last_success"])}
    accounts = accounts_of(config)
    assignment = assign_channels(followed_channels(config.telegram, accounts), accounts,
                                 config.telegram.max_channels, lost)
    report = []
    for account in accounts:
        until = get_state(archive, ACCOUNT_SOURCE, account.name)[1] if has_table(archive.conn, "source_state") else None
        report.append({"account": account.name, "channels": len(assignment.by_account.get(account.name, [])),
                       "flood_wait_until": until if until and until > iso(now) else None,
                       "lost": lost[account.name]["last_error"] if account.name in lost else None,
                       "lost_since": lost[account.name]["last_error_at"] if account.name in lost else None})
    return report


def account_problems(report: list[dict[str, Any]], several: bool) -> list[str]:
    login = "monitor telegram login" + (" --account {}" if several else "")
    return [f"telegram account {a['account']}: lost since {a['lost_since']}: {a['lost']}; its channels are read by"
            f" the other accounts; log in again with '{login.format(a['account'])}' and restart"
            for a in report if a["lost"]]
