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
@click.pass_obj
def login(app, phone: str | None) -> None:
    """Log in to Telegram and save the session file (mode 0600).

    Asks for the phone number, the code Telegram sends, and the two-step
    password if the account has one. api_id and api_hash come from the
    environment (or systemd credentials) named in [telegram]. The daemon never
    prompts: it uses this session.
    """
    from ..sources.telegram import TelegramSetupError, make_client, secure_session_file

    config = app.config
    if config.telegram is None:
        raise click.ClickException("no [telegram] section in the configuration: add one with session and channels")
    try:
        client = make_client(config)
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
    secure_session_file(config.telegram.session)
    click.echo(f"logged in as {who}; session saved to {config.telegram.session} (mode 0600)")
