"""Stories kept in the archive: what a rolled-back batch decided is gone, the window bounds what is joined,
older archives upgrade."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from monitor.config import load_config
from monitor.pipeline import Pipeline, default_stages
from monitor.storage import Archive, Post

from .conftest import write_config

T0 = datetime(2024, 8, 6, 9, tzinfo=timezone.utc)
SHELLING = "Противник обстрелял Суджу из артиллерии, пострадали 5 человек, повреждены 3 жилых дома."
# another shelling there: its counts differ (the same counts retold within RETOLD_DAYS join the old story)
SHELLING_AGAIN = "Противник обстрелял Суджу из артиллерии, пострадали 2 человека, повреждён 1 жилой дом."
DRONES = "Над Курчатовым сбиты 4 беспилотника, обломки упали на окраине города, разрушений нет."


def post(channel: str, message_id: int, text: str, when: datetime) -> Post:
    return Post(source="telegram", channel=channel, message_id=message_id, date=when, text=text, lang="ru",
                channel_title=f"Канал {channel}")


def decisions(archive: Archive) -> list[tuple[str, str, str]]:
    return archive.conn.execute(
        "SELECT p.channel, sp.decision, sp.reason FROM story_posts sp JOIN posts p ON p.id = sp.post_id"
        " ORDER BY sp.post_id").fetchall()


@pytest.fixture
def config(tmp_path):
    return load_config(write_config(tmp_path, '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\n'
                                              'recipients = ["desk@example.org"]\n'))


class FailingStage:
    name = "failing"

    def __init__(self):
        self.fail = True

    def process(self, archive, items, *, alerts):
        if self.fail:
            raise RuntimeError("the disk is full")


@pytest.mark.parametrize("watchlist, earlier, text", [
    ('name = "kursk"\nregions = ["RU-KRS"]', DRONES, SHELLING),
    # posts whose stories have no claim keys (no place, figure or event kind)
    ('name = "trains"\nkeywords = ["бронепоезд"]', "Ещё один бронепоезд прошёл через переезд вечером, движение перекрывали.",
     "Бронепоезд замечен у станции сегодня утром, очевидцы выложили видео."),
], ids=["with claim keys", "without claim keys"])
def test_a_batch_rolled_back_after_its_decisions_is_not_remembered(tmp_path, watchlist, earlier, text):
    config = load_config(write_config(tmp_path, f'[[watchlist]]\n{watchlist}\nrecipients = ["desk@example.org"]\n'))
    with Archive(config.storage.path) as archive:
        failing = FailingStage()
        clock = lambda: T0  # noqa: E731
        pipeline = Pipeline(archive, config, clock=clock, stages=default_stages(archive, config, clock) + [failing])
        failing.fail = False
        pipeline.ingest([post("2", 1, earlier, T0 - timedelta(hours=1))])
        failing.fail = True
        with pytest.raises(RuntimeError, match="disk is full"):
            pipeline.ingest([post("1", 10, text, T0)])
        assert archive.conn.execute("SELECT count(*) FROM stories").fetchone()[0] == 1
        failing.fail = False
        pipeline.ingest([post("1", 10, text, T0)])  # the same post again, now for good
        assert [d[:2] for d in decisions(archive)] == [("2", "new"), ("1", "new")]
        assert archive.conn.execute("SELECT kind FROM alerts").fetchall() == [("new",), ("new",)]
        assert archive.conn.execute("SELECT posts FROM stories").fetchall() == [(1,), (1,)]


def test_only_stories_within_the_window_before_or_after_a_post_are_joined(config):
    with Archive(config.storage.path) as archive:
        pipeline = Pipeline(archive, config)
        for channel, text, when in [
            ("1", SHELLING, T0),
            ("2", DRONES, T0 + timedelta(days=10)),
            ("3", SHELLING, T0 + timedelta(hours=1)),  # back in time: the early window is read again
            ("4", SHELLING_AGAIN, T0 + timedelta(days=10, hours=2)),  # ten days after the story: a new one
            ("5", DRONES, T0 + timedelta(days=5)),  # five days before the drones story: not part of it
        ]:
            pipeline.ingest([post(channel, 1, text, when)])
        made = decisions(archive)
    assert [d[:2] for d in made] == [("1", "new"), ("2", "new"), ("3", "repeat"), ("4", "new"), ("5", "new")]
    assert made[2][2].startswith("repeat of Канал 1/1")


def test_an_archive_with_band_keys_stored_upgrades_and_finds_its_near_duplicates(config):
    with Archive(config.storage.path) as archive:
        Pipeline(archive, config).ingest([post("1", 1, SHELLING, T0)])
        # as the release before: no band table, the generation stamp, band keys of an older release in story_keys
        archive.conn.executemany("INSERT INTO story_keys (watchlist, key, story_id, post_id, date) VALUES (?, ?, 1, 1, ?)",
                                 [("kursk", band, T0.isoformat()) for band in range(100, 116)])
        archive.conn.execute("DROP TABLE story_bands")
        archive.conn.execute("CREATE TABLE story_state (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL)")
        archive.conn.execute("DELETE FROM _sqlite_migrations WHERE name IN ('m004_bands_from_signatures', 'm005_band_table')")
        archive.conn.commit()
    with Archive(config.storage.path) as archive:
        assert archive.conn.execute("SELECT count(*) FROM story_keys WHERE post_id != 0").fetchone()[0] == 0
        assert archive.conn.execute("SELECT count(*) FROM story_keys WHERE post_id = 0").fetchone()[0] > 0
        assert archive.conn.execute("SELECT count(DISTINCT band) FROM story_bands").fetchone()[0] == 16
        names = {r[0] for r in archive.conn.execute("SELECT name FROM sqlite_master")}
        assert "story_state" not in names and {"story_bands", "story_posts_date"} <= names
        Pipeline(archive, config).ingest([post("2", 1, SHELLING, T0 + timedelta(hours=1))])
        made = decisions(archive)
    assert [d[1] for d in made] == ["new", "repeat"] and made[1][2].startswith("repeat of Канал 1/1, similarity")


def test_a_post_and_its_edit_in_one_batch_are_matched_and_decided_on_the_stored_text(config):
    # the message and its edit arrive in one batch: one post (the edit), its original kept as a
    # revision; one row per watchlist in post_matches (two failed the batch), one story
    edited = SHELLING.replace("5 человек", "9 человек")
    with Archive(config.storage.path) as archive:
        summary = Pipeline(archive, config).ingest([post("100", 1, SHELLING, T0), post("100", 1, edited, T0)],
                                                   alerts=False)
        assert (summary.new, summary.updated) == (1, 1)
        assert archive.conn.execute("SELECT count(*) FROM post_matches").fetchone()[0] == 1
        assert [d[1] for d in decisions(archive)] == ["new"]
        assert archive.conn.execute("SELECT figures FROM stories").fetchone()[0] == '{"injured": [9], "houses": [3]}'
        [revision] = archive.revisions(1)
        assert revision["text"] == SHELLING
