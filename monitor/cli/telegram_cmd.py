"""monitor telegram login: create the Telethon session once, interactively."""

from __future__ import annotations

import asyncio
import os

import click

from . import main


@main.group()
def telegram() -> None:
    """The Telegram user session (Telethon)."""


@telegram.command()
@click.option("--phone", help="the account's phone number (asked for when not given)")
@click.option("--account", "account_name", help="the [[telegram.account]] to log in (required when there are several)")
@click.pass_obj
def login(app, phone: str | None, account_name: str | None) -> None:
    """Log in to Telegram and save the session file (mode 0600).

    Asks for the phone number, the code Telegram sends, and the two-step
    password if the account has one. api_id and api_hash come from the
    environment (or systemd credentials) named in [telegram] or in the
    account's [[telegram.account]]. The daemon never prompts: it uses this session.

    Example:

        monitor telegram login --account reader2
    """
    from ..sources.telegram import TelegramSetupError, make_client, secure_session_file

    config = app.config
    if config.telegram is None:
        raise click.ClickException("no [telegram] section in the configuration: add one with session and channels")
    account = _account(config, account_name)
    try:
        client = make_client(config, account)
    except TelegramSetupError as exc:
        raise click.ClickException(str(exc)) from None

    async def run() -> str:
        previous = os.umask(0o077)  # the session file is created readable by its owner only
        try:
            await client.start(
                phone=lambda: phone or click.prompt("phone number (international format)"),
                code_callback=lambda: click.prompt("the code Telegram sent"),
                password=lambda: click.prompt("two-step verification password", hide_input=True),
            )
            me = await client.get_me()
            return me.username or me.first_name or str(me.id)
        finally:
            os.umask(previous)
            await client.disconnect()

    who = asyncio.run(run())
    session = account.session if account is not None else config.telegram.session
    secure_session_file(session)
    named = f"account {account.name}: " if account is not None else ""
    click.echo(f"{named}logged in as {who}; session saved to {session} (mode 0600)")


def _account(config, name: str | None):
    """The [[telegram.account]] named ``name``; None for the single account of [telegram]."""
    names = [a.name for a in config.telegram_accounts]
    if not names:
        if name is not None:
            raise click.ClickException(f'no [[telegram.account]] named "{name}": the configuration has one account,'
                                       " [telegram] session; log it in without --account")
        return None
    if name is None:
        raise click.ClickException("several Telegram accounts are configured: name one with --account ("
                                   + ", ".join(names) + ")")
    for account in config.telegram_accounts:
        if account.name == name:
            return account
    raise click.ClickException(f'no [[telegram.account]] named "{name}"; configured: ' + ", ".join(names))
