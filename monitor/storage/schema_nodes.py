"""Daemons sharing one archive (nodes): who runs, what it follows, and when it was last seen alive."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("nodes")


@migrations()
def m001_nodes(db: Database) -> None:
    db["nodes"].create(
        {"name": str, "host": str, "pid": int, "started_at": str, "heartbeat_at": str,
         "sources": str},  # JSON list of the sources the node polls ("feed:name", "telegram:@channel")
        pk="name",
        not_null={"heartbeat_at"},
    )
