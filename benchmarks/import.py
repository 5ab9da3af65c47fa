"""Import throughput: N synthetic multilingual posts as a Telegram export, through the whole pipeline,
beside bare SQLite + FTS5 inserts of the same texts measured in the same run.

    .venv/bin/python benchmarks/import.py [--posts 100000]

Target (once matching and stories exist): the import reaches at least 25% of the bare-storage figure.
An export of 2 MB or more is imported in two processes (monitor.prepare): this figure is the
two-process one on a machine with two cores or more.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_export  # noqa: E402

from monitor.config import load_config  # noqa: E402
from monitor.importer import import_exports  # noqa: E402
from monitor.pipeline import Pipeline  # noqa: E402
from monitor.storage import Archive  # noqa: E402


def bare(texts: list[str], folder: Path, name: str) -> float:
    conn = sqlite3.connect(folder / name, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, channel TEXT, message_id INTEGER, text TEXT)")
    conn.execute("CREATE UNIQUE INDEX k ON posts (channel, message_id)")
    conn.execute("CREATE VIRTUAL TABLE posts_fts USING fts5(text, content=posts, content_rowid=id)")
    conn.execute("CREATE TRIGGER ai AFTER INSERT ON posts BEGIN INSERT INTO posts_fts (rowid, text) VALUES (new.id, new.text); END")
    started = time.perf_counter()
    conn.execute("BEGIN")
    for i, text in enumerate(texts):
        conn.execute("INSERT INTO posts (channel, message_id, text) VALUES (?, ?, ?)", (str(i % 20), i, text))
        if i % 500 == 499:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return len(texts) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--stages", default="all",
                        help="all (the daemon's pipeline) or a comma list of stage names to keep, e.g. matching")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        export = make_export(args.posts)
        path = folder / "result.json"
        path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
        texts = [m["text"] for chat in export["chats"]["list"] for m in chat["messages"]]
        config_path = folder / "monitor.toml"
        config_path.write_text(
            '[storage]\npath = "archive.db"\n[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\n'
            'keywords = ["эвакуация", "evacuation"]\nrecipients = ["desk@example.org"]\n'
            '[[watchlist]]\nname = "sumy"\nregions = ["UA-59", "UA-63"]\nrecipients = ["desk@example.org"]\n',
            encoding="utf-8",
        )
        config = load_config(config_path)
        archive = Archive(config.storage.path)
        pipeline = Pipeline(archive, config)
        if args.stages != "all":
            keep = {name.strip() for name in args.stages.split(",") if name.strip()}
            pipeline.stages = [s for s in pipeline.stages if s.name in keep]
        stages = ", ".join(s.name for s in pipeline.stages) or "none"
        # the baseline is measured before and after the import and averaged: this machine's
        # speed drifts, and the ratio should not depend on which half ran in the slower minute
        before = bare(texts, folder, "bare-before.db")
        started = time.perf_counter()
        report = import_exports(archive, pipeline, [path])
        elapsed = time.perf_counter() - started
        assert not report.failed, report.failed[0].error
        total = report.totals()
        archive.close()
        ours = total.new / elapsed
        after = bare(texts, folder, "bare-after.db")
        base = (before + after) / 2
        print(f"posts:              {total.new}")
        print(f"pipeline stages:    {stages}")
        print(f"monitor import:     {ours:,.0f} posts/s ({elapsed:.1f} s, read + language + store + stages)")
        print(f"bare SQLite + FTS5: {base:,.0f} posts/s (before {before:,.0f}, after {after:,.0f})")
        print(f"ratio:              {100 * ours / base:.1f}% of bare storage (target >= 25%)")


if __name__ == "__main__":
    main()
