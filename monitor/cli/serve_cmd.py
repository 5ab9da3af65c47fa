"""monitor serve: the story board in a browser, read-only."""

from __future__ import annotations

import click

from . import main


@main.command()
@click.option("--host", help="address to listen on (default: [serve] host, 127.0.0.1)")
@click.option("--port", type=click.IntRange(0, 65535), help="port (default: [serve] port, 8750; 0: any free port)")
@click.pass_obj
def serve(app, host: str | None, port: int | None) -> None:
    """Serve the story board: stories newest first, each story's timeline and figures.

    Read-only: it opens the archive read-only (SQLite or PostgreSQL) and changes nothing. Listens on
    127.0.0.1 unless told otherwise; put a reverse proxy with a login in front
    of it before opening it to a network.

    Example:

        monitor serve --port 8750
    """
    from ..board import board_url, make_board_server
    from ..secrets import read_secret

    app.archive(readonly=True)  # the archive exists and is migrated before the first page
    settings, storage = app.config.serve, app.config.storage
    archive = {"url": storage.url, "password": read_secret(storage.password_env)} if storage.url else {}
    try:
        server = make_board_server(storage.path, host or settings.host, settings.port if port is None else port,
                                   **archive)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host or settings.host}:{settings.port if port is None else port}:"
                                   f" {exc.strerror or exc}") from None
    click.echo(f"story board on {board_url(server)} (read-only; Ctrl-C stops it)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
