"""Watchlists that say what they do: check explains each one, rematch matches stored posts again,
reload says when stored posts were matched with an older definition."""

from __future__ import annotations

import signal

from click.testing import CliRunner

from monitor.cli import main
from monitor.config import load_config
from monitor.matching.labels import labels_for
from monitor.rematch import changed_watchlists, describe
from monitor.storage import Archive

from .conftest import EXAMPLES, write_config
from .test_daemon import Notifications, start

EXPORTS = [str(p) for p in sorted(EXAMPLES.glob("*/result.json"))]
KURSK = '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nrecipients = ["desk@example.org"]\n'
EVACUATION = ('[[watchlist]]\nname = "evacuation"\nkeywords = ["эвакуация", "евакуація", "evacuation"]\n'
              'recipients = ["desk@example.org"]\n')


def invoke(config, *args):
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def test_check_explains_each_watchlist_in_one_line(tmp_path):
    config = write_config(tmp_path, KURSK + EVACUATION + '[[watchlist]]\nname = "drones"\nregions = ["RU-KRS", "RU-BEL"]\n'
                          'keywords = ["дрон"]\nexclude = ["учения", "выставка"]\n[[watchlist]]\nname = "all"\n')
    lines = invoke(config, "check").stdout.splitlines()
    assert "  kursk: posts naming Kursk Oblast (RU-KRS) or a place in it -> desk@example.org (instant)" in lines
    assert ("  evacuation: any post containing one of 3 keywords (эвакуация, евакуація, evacuation)"
            " -> desk@example.org (instant)") in lines
    assert ("  drones: posts naming Kursk Oblast (RU-KRS) or Belgorod Oblast (RU-BEL) or a place in them, that also"
            " contain the keyword (дрон), unless it contains 2 excluded phrases -> no recipients (instant)") in lines
    assert "  all: every post -> no recipients (instant)" in lines


def test_rematch_brings_stored_posts_into_a_new_watchlist_and_its_stories(tmp_path):
    config_path = write_config(tmp_path, KURSK)
    assert invoke(config_path, "import", *EXPORTS).exit_code == 0
    archive = Archive(tmp_path / "archive.db")
    kursk_before = archive.conn.execute("SELECT story_id, post_id, decision, reason FROM story_posts ORDER BY 1, 2").fetchall()
    assert changed_watchlists(archive, load_config(config_path)) == []  # recorded as matched

    write_config(tmp_path, KURSK + EVACUATION)
    assert changed_watchlists(archive, load_config(config_path)) == []  # a new watchlist: nothing older to match
    result = invoke(config_path, "rematch")
    assert result.exit_code == 0 and "matched 33 stored posts again with 2 watchlists" in result.stdout
    evacuation = archive.conn.execute("SELECT p.message_id FROM post_matches m JOIN posts p ON p.id = m.post_id"
                                      " WHERE m.watchlist = 'evacuation'").fetchall()
    assert (2103,) in evacuation  # «Организована эвакуация жителей Суджанского района»
    stories = archive.conn.execute("SELECT count(*) FROM stories WHERE watchlist = 'evacuation'").fetchone()[0]
    assert stories >= 1
    assert archive.conn.execute("SELECT count(*) FROM alerts").fetchone()[0] == 0  # past posts raise no alert
    # the kursk stories are as they were decided, and a second run changes nothing
    assert archive.conn.execute("SELECT story_id, post_id, decision, reason FROM story_posts WHERE watchlist = 'kursk'"
                                " ORDER BY 1, 2").fetchall() == kursk_before
    everything = archive.conn.execute("SELECT * FROM story_posts ORDER BY watchlist, post_id").fetchall()
    assert invoke(config_path, "rematch").exit_code == 0
    assert archive.conn.execute("SELECT * FROM story_posts ORDER BY watchlist, post_id").fetchall() == everything


def test_rematch_since_takes_only_later_posts(tmp_path):
    config_path = write_config(tmp_path, KURSK)
    invoke(config_path, "import", *EXPORTS)
    result = invoke(config_path, "rematch", "--since", "2024-08-08")
    assert result.exit_code == 0
    count = Archive(tmp_path / "archive.db").conn.execute("SELECT count(*) FROM posts WHERE date >= '2024-08-08'").fetchone()[0]
    assert f"matched {count} stored posts again" in result.stdout and 0 < count < 33
    bad = invoke(config_path, "rematch", "--since", "yesterday")
    assert bad.exit_code == 2 and "is not a date or time" in bad.output


def test_a_changed_watchlist_is_named_until_stored_posts_are_matched_again(tmp_path):
    config_path = write_config(tmp_path, KURSK)
    archive = Archive(tmp_path / "archive.db")
    assert changed_watchlists(archive, load_config(config_path)) == []
    write_config(tmp_path, KURSK.replace('regions = ["RU-KRS"]', 'regions = ["RU-KRS"]\nkeywords = ["дрон"]'))
    assert changed_watchlists(archive, load_config(config_path)) == ["kursk"]
    assert changed_watchlists(archive, load_config(config_path)) == ["kursk"]  # still, until rematch
    invoke(config_path, "rematch")
    assert changed_watchlists(archive, load_config(config_path)) == []


def test_reload_says_stored_posts_are_not_matched_against_a_changed_watchlist(tmp_path):
    config = write_config(tmp_path, KURSK)
    notify = Notifications(tmp_path)
    proc = start(config, notify)
    try:
        notify.wait_for("READY=1")
        write_config(tmp_path, KURSK.replace('regions = ["RU-KRS"]', 'regions = ["RU-KRS", "RU-BEL"]'))
        proc.send_signal(signal.SIGHUP)
        notify.wait_for("RELOADING=1")
        notify.seen.clear()
        notify.wait_for("READY=1")
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        notify.close()
    assert "watchlist kursk changed since the stored posts were matched" in stderr
    assert "monitor rematch --since" in stderr


def test_descriptions_name_regions_as_people_read_them():
    class Watch:
        regions = ["UA-59"]
        keywords = []
        exclude = []

    assert describe(Watch(), labels_for(None)) == "posts naming Sumy Oblast (UA-59) or a place in it"
    assert describe(Watch()) == "posts naming UA-59 or a place in it"

