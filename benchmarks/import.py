"""Import throughput and memory: N synthetic multilingual posts as a Telegram export, imported by
a process of its own through the whole pipeline, beside bare SQLite + FTS5 inserts of the same texts.

    .venv/bin/python benchmarks/import.py [--posts 20000 200000]

For each size it prints posts/s, the import's wall time and the importing process's peak RSS.
Targets: 200,000 posts in under 5 minutes, peak RSS under 500 MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CONFIG = (
    '[storage]\npath = "archive.db"\n[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\n'
    'keywords = ["эвакуация", "evacuation"]\nrecipients = ["desk@example.org"]\n'
    '[[watchlist]]\nname = "sumy"\nregions = ["UA-59", "UA-63"]\nrecipients = ["desk@example.org"]\n'
)


def bare(texts: list[str], path: Path) -> float:
    """Posts/s of plain inserts into a table with a unique key and an FTS5 index, 500 per transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, channel TEXT, message_id INTEGER, text TEXT)")
    conn.execute("CREATE UNIQUE INDEX k ON posts (channel, message_id)")
    conn.execute("CREATE VIRTUAL TABLE posts_fts USING fts5(text, content=posts, content_rowid=id)")
    conn.execute("CREATE TRIGGER ai AFTER INSERT ON posts BEGIN "
                 "INSERT INTO posts_fts (rowid, text) VALUES (new.id, new.text); END")
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


def import_only(folder: Path, stages: str) -> None:
    """The child: import folder/result.json into folder/archive.db; print a JSON line of figures."""
    from monitor.config import load_config
    from monitor.importer import import_exports
    from monitor.pipeline import Pipeline
    from monitor.storage import Archive

    config = load_config(folder / "monitor.toml")
    with Archive.of(config.storage) as archive:
        pipeline = Pipeline(archive, config)
        if stages != "all":
            keep = {name.strip() for name in stages.split(",") if name.strip()}
            pipeline.stages = [s for s in pipeline.stages if s.name in keep]
        started = time.perf_counter()
        report = import_exports(archive, pipeline, [folder / "result.json"])
        elapsed = time.perf_counter() - started
    assert not report.failed, report.failed[0].error
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"new": report.totals().new, "seconds": elapsed, "peak_mb": peak_kib / 1024,
                      "stages": [s.name for s in pipeline.stages]}))


def measure(posts: int, stages: str) -> None:
    from synthetic import make_export

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        export = make_export(posts)
        texts = [m["text"] for chat in export["chats"]["list"] for m in chat["messages"]]
        (folder / "result.json").write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
        del export
        (folder / "monitor.toml").write_text(CONFIG, encoding="utf-8")
        size_mb = (folder / "result.json").stat().st_size / 1e6
        child = subprocess.run([sys.executable, __file__, "--import-only", str(folder), "--stages", stages],
                               check=True, capture_output=True, text=True)
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        base = bare(texts, folder / "bare.db")
    rate = figures["new"] / figures["seconds"]
    print(f"posts:              {figures['new']} ({size_mb:.0f} MB export)")
    print(f"pipeline stages:    {', '.join(figures['stages']) or 'none'}")
    print(f"monitor import:     {rate:,.0f} posts/s ({figures['seconds']:.1f} s, read + language + store + stages)")
    print(f"peak RSS:           {figures['peak_mb']:.0f} MB (the importing process)")
    print(f"bare SQLite + FTS5: {base:,.0f} posts/s ({100 * rate / base:.1f}% of it)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--stages", default="all",
                        help="all (the daemon's pipeline) or a comma list of stage names to keep, e.g. matching")
    parser.add_argument("--import-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_only:
        import_only(args.import_only, args.stages)
        return
    for count in args.posts:
        measure(count, args.stages)
        print()


if __name__ == "__main__":
    main()
