"""Watchlist matches: one row per (post, watchlist) the post fired, replaced when the post is edited."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("matching")


@migrations()
def m001_post_matches(db: Database) -> None:
    db["post_matches"].create(
        {
            "post_id": int,
            "watchlist": str,
            "regions": str,  # JSON list of ISO 3166-2 codes
            "places": str,  # JSON list of {"id", "name", "region", "kind", "words"}
            "keywords": str,  # JSON list of keywords, as written in the watchlist
        },
        pk=("post_id", "watchlist"),
        not_null={"post_id", "watchlist"},
        foreign_keys=[("post_id", "posts", "id")],
    )
    db["post_matches"].create_index(["watchlist", "post_id"], index_name="post_matches_watchlist")


@migrations()
def m002_watchlist_versions(db: Database) -> None:
    """The definition (regions, keywords, exclude) each watchlist's stored matches were made with."""
    db["watchlist_versions"].create({"watchlist": str, "fingerprint": str, "definition": str, "since": str},
                                    pk="watchlist")
