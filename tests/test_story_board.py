"""The story board (monitor serve) in a real headless Chromium, over the bundled example data."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
from datetime import datetime, timezone

import pytest
from bs4 import BeautifulSoup

from monitor.board import board_url, make_board_server
from monitor.storage import Archive, Post
from monitor.storage.story_queries import list_stories, story_timeline

from .conftest import EXAMPLES, write_config

EXPORTS = [str(p) for p in sorted(EXAMPLES.glob("*/result.json"))]
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: 'make browser' (run by .ci/run) installs it")
        pytest.skip("chromium is not installed here; 'make browser' installs it (as root)")
    return found


def dom(url: str, profile) -> BeautifulSoup:
    """The page at ``url`` as headless Chromium builds it."""
    result = subprocess.run([chromium(), *BROWSER_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return BeautifulSoup(result.stdout, "html.parser")


def serve(path):
    server = make_board_server(path, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    from click.testing import CliRunner

    from monitor.cli import main

    folder = tmp_path_factory.mktemp("board")
    config = write_config(folder, '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nrecipients = ["desk@example.org"]\n')
    result = CliRunner().invoke(main, ["--config", str(config), "import", *EXPORTS])
    assert result.exit_code == 0, result.output
    server = serve(folder / "archive.db")
    yield folder / "archive.db", board_url(server)
    server.shutdown()
    server.server_close()


def test_the_board_lists_the_stories_of_the_examples_newest_first(board, tmp_path):
    path, url = board
    stories = list_stories(Archive(path, readonly=True).conn, limit=None)
    assert len(stories) >= 5
    page = dom(url, tmp_path / "profile")
    rows = page.select("#stories tr.story")
    assert [int(r["data-story"]) for r in rows] == [s["id"] for s in stories]
    text = page.select_one("#stories").get_text(" ")
    assert "Kursk Oblast" in text and "RU-KRS" not in text
    for story, row in zip(stories, rows):
        assert " ".join(story["title"].split())[:40] in " ".join(row.get_text(" ").split())
    injured = next(s for s in stories if len(s["figures"].get("injured", [])) > 1)  # a count that changed
    row = page.select_one(f'tr.story[data-story="{injured["id"]}"]').get_text(" ")
    assert injured["latest_figures"] in row and injured["changed"] in row and "injured" in injured["changed"]
    assert "Сумщина онлайн" in row and "uk" in row
    assert page.select("figure.activity-chart svg rect")  # matched posts per hour for the watchlist


def test_a_story_timeline_shows_its_posts_in_order_with_figures_over_time(board, tmp_path):
    path, url = board
    conn = Archive(path, readonly=True).conn
    story = next(s for s in list_stories(conn, limit=None) if len(s["figures"].get("injured", [])) > 1)
    expected = story_timeline(conn, story["id"])
    page = dom(f"{url}story/{story['id']}", tmp_path / "profile")
    posts = page.select("#timeline li.post")
    assert [int(p["data-post"]) for p in posts] == [e["post_id"] for e in expected]
    dates = [p["data-date"] for p in posts]
    assert dates == sorted(dates) and len(posts) == story["posts"]
    for post, row in zip(posts, expected):
        assert post.select_one(".decision").get_text() == row["decision"]
        assert post.select_one("a")["href"] == row["url"]
        assert " ".join(row["text"].split())[:60] in " ".join(post.select_one(".text").get_text().split())
    assert "RU-KRS" not in page.get_text()
    charts = {f["data-unit"]: f.get_text(" ") for f in page.select("figure.figure-chart")}
    assert "injured: 5 -> 24" in charts["injured"]  # the toll two days on (31) opens a story of its own


def test_the_board_is_read_only_and_unknown_stories_are_404(board):
    path, url = board
    before = path.read_bytes()
    request = urllib.request.Request(url, data=b"x=1", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    refused.value.close()
    assert refused.value.code == 405
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{url}story/999999", timeout=10)
    missing.value.close()
    assert missing.value.code == 404
    assert path.read_bytes() == before


def test_post_text_is_escaped_and_only_safe_links_are_links(tmp_path):
    archive = Archive(tmp_path / "archive.db")
    date = datetime(2024, 8, 6, 9, tzinfo=timezone.utc)
    with archive.transaction() as conn:
        stored = archive.store_posts([
            Post(source="feed", channel="hostile", message_id=1, date=date, url="javascript:alert(1)",
                 text='<script>alert(1)</script><img src=x onerror=alert(2)> Обстрел Суджи'),
        ])
        conn.execute("INSERT INTO stories (id, watchlist, first_post_id, first_seen, last_seen, channels, languages,"
                     " regions, places, figures, kinds, title) VALUES (1, 'kursk', ?, ?, ?, '[]', '[\"ru\"]', '[]',"
                     " '[]', '{}', '[]', '<b>title</b>')", (stored[0].id, date.isoformat(), date.isoformat()))
        conn.execute("INSERT INTO story_posts (story_id, post_id, watchlist, decision, reason, date)"
                     " VALUES (1, ?, 'kursk', 'new', 'first post', ?)", (stored[0].id, date.isoformat()))
    server = serve(tmp_path / "archive.db")
    try:
        for address in (board_url(server), f"{board_url(server)}story/1"):
            with urllib.request.urlopen(address, timeout=10) as page:
                assert "script-src" not in page.headers["Content-Security-Policy"]
                body = page.read().decode()
            assert "<script>" not in body and "<img" not in body and "<b>title" not in body
            assert 'href="javascript:' not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "javascript:alert(1)" in body
    finally:
        server.shutdown()
        server.server_close()


# -- monitor serve over HTTP, on each engine (no browser) ------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory):
    """``monitor serve --port 0`` as an operator starts it, over the examples imported on each engine;
    its URL and the configuration."""
    import re
    import sys

    from click.testing import CliRunner

    from monitor.cli import main

    from .conftest import ROOT, storage_section

    pg = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    config = write_config(tmp_path_factory.mktemp("served"), storage_section(request.param, pg)
                          + '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nrecipients = ["desk@example.org"]\n')
    result = CliRunner().invoke(main, ["--config", str(config), "import", *EXPORTS])
    assert result.exit_code == 0, result.output
    process = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "serve", "--port", "0"],
                               cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stderr.readline()
        found = re.search(r"story board on (http://\S+)", line)
        assert found, line
        yield found.group(1), config
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()


def _stories_of(config):
    from monitor.config import load_config

    with Archive.of(load_config(config).storage, readonly=True) as archive:
        stories = list_stories(archive.conn, limit=None)
        changed = next(s for s in stories if len(s["figures"].get("injured", [])) > 1)
        return stories, changed, story_timeline(archive.conn, changed["id"])


def _get(url):
    with urllib.request.urlopen(url, timeout=30) as page:
        return BeautifulSoup(page.read().decode(), "html.parser")


def test_monitor_serve_shows_the_stories_and_a_timeline_on_each_engine(served):
    url, config = served
    stories, changed, timeline = _stories_of(config)
    index = _get(url)
    assert [int(r["data-story"]) for r in index.select("#stories tr.story")] == [s["id"] for s in stories]
    row = index.select_one(f'tr.story[data-story="{changed["id"]}"]').get_text(" ")
    assert changed["changed"] in row and "Kursk Oblast" in index.select_one("#stories").get_text(" ")
    assert index.select("figure.activity-chart svg rect")
    page = _get(f"{url}story/{changed['id']}")
    assert [int(p["data-post"]) for p in page.select("#timeline li.post")] == [t["post_id"] for t in timeline]
    assert "injured: 5 -> 24" in page.select_one('figure.figure-chart[data-unit="injured"]').get_text(" ")


def test_monitor_serve_refuses_writes_and_unknown_stories_on_each_engine(served):
    url, config = served
    before = _stories_of(config)
    for request, code in ((urllib.request.Request(url, data=b"x=1", method="POST"), 405), (f"{url}story/999999", 404)):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        refused.value.close()
        assert refused.value.code == code
    assert _stories_of(config) == before


def test_the_board_on_postgresql_reads_in_read_only_transactions(pg_server, tmp_path):
    from monitor.board import Board

    url = pg_server.database()
    Archive(url=url).close()  # the schema
    with Board(tmp_path / "archive.db", url=url).connect() as conn:
        with pytest.raises(Exception, match="read-only transaction"):
            conn.execute("INSERT INTO source_state (source, channel) VALUES ('feed', 'x')")
