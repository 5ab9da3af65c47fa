"""A long import finds languages and matches in a worker process: the archive ends up exactly as
a one-process import leaves it, even when the worker dies half-way."""

from __future__ import annotations

import importlib.util
import json
import multiprocessing
import os
import signal
import sqlite3

import pytest

from monitor.config import load_config
from monitor.importer import import_exports
from monitor.pipeline import Pipeline
from monitor.storage import Archive

from .conftest import ROOT, write_config

_spec = importlib.util.spec_from_file_location("synthetic", ROOT / "benchmarks" / "synthetic.py")
synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synthetic)

WATCHLISTS = """
[[watchlist]]
name = "kursk"
regions = ["RU-KRS"]
keywords = ["эвакуация", "evacuation", "евакуація"]
recipients = ["desk@example.org"]

[[watchlist]]
name = "sumy"
regions = ["UA-59"]
recipients = ["desk@example.org"]
"""

TABLES = {
    "posts": "SELECT source, channel, message_id, lang, lang_confidence, text FROM posts ORDER BY id",
    "post_matches": "SELECT post_id, watchlist, regions, places, keywords FROM post_matches ORDER BY post_id, watchlist",
    "stories": "SELECT id, watchlist, first_post_id, posts, sources, regions, places, figures, kinds FROM stories ORDER BY id",
    "story_posts": "SELECT story_id, post_id, watchlist, decision, reason FROM story_posts ORDER BY watchlist, post_id",
}


@pytest.fixture(scope="module")
def export_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "result.json"
    path.write_text(json.dumps(synthetic.make_export(3_000, channels=6), ensure_ascii=False), encoding="utf-8")
    return path


def run_import(folder, export_file, *, parallel: bool, progress=None):
    folder.mkdir()
    config = load_config(write_config(folder, WATCHLISTS))
    with Archive(config.storage.path) as archive:
        report = import_exports(archive, Pipeline(archive, config), [export_file],
                                parallel_from=0 if parallel else None, progress=progress)
    assert not report.failed
    conn = sqlite3.connect(config.storage.path)
    try:
        return report, {name: conn.execute(sql).fetchall() for name, sql in TABLES.items()}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def one_process(tmp_path_factory, export_file):
    report, tables = run_import(tmp_path_factory.mktemp("serial") / "a", export_file, parallel=False)
    assert report.prepared_batches == 0
    assert len(tables["posts"]) == 3_000 and tables["post_matches"] and tables["story_posts"]
    return tables


def test_an_import_in_two_processes_stores_what_one_process_stores(tmp_path, export_file, one_process):
    report, tables = run_import(tmp_path / "parallel", export_file, parallel=True)
    assert report.prepared_batches == 6 and report.fallback_batches == 0
    for name in TABLES:
        assert tables[name] == one_process[name], name


def test_an_import_goes_on_in_one_process_when_the_worker_dies(tmp_path, export_file, one_process):
    killed = []

    def progress(index, posts):
        def advance(done):
            if not killed:
                for child in multiprocessing.active_children():
                    os.kill(child.pid, signal.SIGKILL)
                    killed.append(child.pid)
        return advance

    report, tables = run_import(tmp_path / "killed", export_file, parallel=True, progress=progress)
    assert killed
    assert report.prepared_batches >= 1 and report.fallback_batches >= 1
    assert report.prepared_batches + report.fallback_batches == 6
    for name in TABLES:
        assert tables[name] == one_process[name], name


def test_a_small_import_stays_in_one_process(tmp_path):
    from monitor.prepare import preparer_for

    config = load_config(write_config(tmp_path, WATCHLISTS))
    with Archive(config.storage.path) as archive:
        pipeline = Pipeline(archive, config)
        assert preparer_for(pipeline, 10_000) is None
        no_matching = Pipeline(archive, config, stages=[])
        assert preparer_for(no_matching, 10**9) is None


def test_the_import_command_uses_a_second_process_for_a_large_export(tmp_path):
    from .conftest import run_cli

    export = tmp_path / "result.json"
    export.write_text(json.dumps(synthetic.make_export(6_000, channels=4), ensure_ascii=False), encoding="utf-8")
    assert export.stat().st_size >= 2_000_000
    config = write_config(tmp_path, WATCHLISTS)
    result = run_cli("import", str(export), config=config)
    assert result.returncode == 0, result.stderr
    assert "6000 new" in result.stdout
    assert "two processes: 12 batches prepared by the worker" in result.stdout
    assert "Traceback" not in result.stderr
    conn = sqlite3.connect(tmp_path / "archive.db")
    try:
        assert conn.execute("SELECT count(*) FROM posts WHERE lang IS NULL").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM post_matches").fetchone()[0] > 1000
        assert conn.execute("SELECT count(*) FROM stories").fetchone()[0] > 0
    finally:
        conn.close()


def test_an_import_leaves_the_garbage_collector_as_it_found_it(tmp_path, export_file):
    import gc

    config = load_config(write_config(tmp_path, WATCHLISTS))
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "x", "type": "public_channel", "id": 1, "messages": [', encoding="utf-8")

    seen = []

    class Failing:
        name = "failing"

        def process(self, archive, stored, *, alerts):
            seen.append(gc.isenabled())
            raise RuntimeError("stage failed")

    assert gc.isenabled()
    with Archive(config.storage.path) as archive:
        report = import_exports(archive, Pipeline(archive, config, stages=[Failing()]), [broken, export_file],
                                parallel_from=None)
    assert [f.error is not None for f in report.files] == [True, True]
    assert seen == [False]  # paused while the file was stored
    assert gc.isenabled()
    gc.disable()
    try:
        with Archive(config.storage.path) as archive:
            import_exports(archive, Pipeline(archive, config, stages=[]), [export_file], parallel_from=None)
        assert not gc.isenabled()  # a caller that had paused it keeps it paused
    finally:
        gc.enable()


def test_the_worker_still_frees_reference_cycles_every_few_batches(tmp_path):
    # the worker runs without automatic collections; its own passes must still free cycles
    import subprocess
    import sys

    config_path = write_config(tmp_path, WATCHLISTS)
    script = f"""
import gc, weakref
from monitor.config import load_config
from monitor import prepare
prepare._init(load_config({str(config_path)!r}))
prepare._warm_up()
assert not gc.isenabled()
class Node: pass
a, b = Node(), Node(); a.other, b.other = b, a
alive = weakref.ref(a); del a, b
items = [("Обстрел Суджи, ранены 3 человека", None, None)]
for n in range(prepare.COLLECT_EVERY - 1):
    prepare._prepare(items)
assert alive() is not None, "collected too early: the pass is not every COLLECT_EVERY batches"
prepare._prepare(items)
assert alive() is None, "a reference cycle survived the worker's pass"
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


_NO_WORKER = """
import json, multiprocessing, sys
from monitor.config import load_config
from monitor.importer import import_exports
from monitor.pipeline import Pipeline
from monitor.storage import Archive
config_path, export_path, mode = sys.argv[1:]
if mode == "start":  # the pool is made, but its fork server cannot start
    from multiprocessing import resource_tracker
    resource_tracker.ensure_running()
multiprocessing.set_executable("/nonexistent/python")  # no worker process can be started
config = load_config(config_path)
with Archive(config.storage.path) as archive:
    report = import_exports(archive, Pipeline(archive, config), [export_path], parallel_from=0)
print(json.dumps({"failed": [f.error for f in report.failed], "prepared": report.prepared_batches,
                  "fallback": report.fallback_batches}))
"""


@pytest.mark.parametrize("mode", ["pool", "start"])
def test_an_import_goes_on_in_one_process_when_no_worker_can_be_started(tmp_path, export_file, one_process, mode):
    import subprocess
    import sys

    config_path = write_config(tmp_path, WATCHLISTS)
    result = subprocess.run([sys.executable, "-c", _NO_WORKER, str(config_path), str(export_file), mode],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["failed"] == [] and report["prepared"] == 0
    assert report["fallback"] == (6 if mode == "start" else 0)  # the batches this process prepared itself
    assert "importing in one process" in result.stderr or "going on in one process" in result.stderr
    conn = sqlite3.connect(tmp_path / "archive.db")
    try:
        for name, sql in TABLES.items():
            assert conn.execute(sql).fetchall() == one_process[name], name
    finally:
        conn.close()
