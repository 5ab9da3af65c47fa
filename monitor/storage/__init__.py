"""The SQLite archive of monitor: schema and migrations, writes, and the queries analysts run."""

from .archive import NEW, UNCHANGED, UPDATED, Archive, ArchiveError, Stored
from .model import Post, iso, parse_iso, utc

__all__ = ["Archive", "ArchiveError", "Stored", "Post", "NEW", "UPDATED", "UNCHANGED", "iso", "parse_iso", "utc"]
