"""One way to print rows for every read command: a table, JSON lines or CSV."""

from __future__ import annotations

import csv
import json
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import Any

import click

FORMATS = ("table", "json", "csv")


def output_options(func: Callable) -> Callable:
    """Add --json / --csv / --table to a command; it receives ``fmt``."""

    @click.option("--json", "fmt", flag_value="json", help="JSON, one object per line")
    @click.option("--csv", "fmt", flag_value="csv", help="CSV with a header row")
    @click.option("--table", "fmt", flag_value="table", help="a readable table (the default)")
    @wraps(func)
    def wrapper(*args: Any, fmt: str | None = None, **kwargs: Any) -> Any:
        return func(*args, fmt=fmt or "table", **kwargs)

    return wrapper


def _cell(value: Any, width: int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    text = " ".join(text.split())
    if width and len(text) > width:
        text = text[: max(width - 1, 1)] + "…"
    return text


def emit(rows: Iterable[dict[str, Any]], columns: Sequence[str], fmt: str, *, wide: Sequence[str] = (), out=None) -> int:
    """Print rows; ``columns`` chooses and orders the table's and CSV's columns.

    JSON lines carry every key of each row. Returns the number of rows.
    """
    out = out or sys.stdout
    count = 0
    if fmt == "json":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            count += 1
        return count
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row.get(c)) for c in columns])
            count += 1
        return count
    rows = list(rows)
    total = shutil.get_terminal_size((160, 24)).columns
    narrow = [c for c in columns if c not in wide]
    widths = {c: max([len(c)] + [len(_cell(r.get(c), None)) for r in rows]) for c in narrow}
    widths = {c: min(w, 40) for c, w in widths.items()}
    rest = max(total - sum(widths.values()) - 2 * len(columns), 30)
    for c in wide:
        widths[c] = max(rest // max(len(wide), 1), 20)
    line = "  ".join(c.ljust(widths[c]) for c in columns).rstrip()
    out.write(line + "\n")
    out.write("  ".join("-" * widths[c] for c in columns) + "\n")
    for row in rows:
        out.write("  ".join(_cell(row.get(c), widths[c]).ljust(widths[c]) for c in columns).rstrip() + "\n")
        count += 1
    return count


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value
