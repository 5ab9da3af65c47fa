"""The story detector's memory between batches: never staler than the archive, bounded by the window."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from monitor.config import load_config
from monitor.pipeline import Pipeline, default_stages
from monitor.storage import Archive, Post

from .conftest import write_config

T0 = datetime(2024, 8, 6, 9, tzinfo=timezone.utc)
SHELLING = "Противник обстрелял Суджу из артиллерии, пострадали 5 человек, повреждены 3 жилых дома."
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
    # posts whose stories have no claim keys (no place, figure or event kind): only story rows and
    # story posts are written, and they must still invalidate what the detector holds
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
        pipeline.ingest([post("2", 1, earlier, T0 - timedelta(hours=1))])  # the detector's memory is now valid
        failing.fail = True
        with pytest.raises(RuntimeError, match="disk is full"):
            pipeline.ingest([post("1", 10, text, T0)])
        assert archive.conn.execute("SELECT count(*) FROM stories").fetchone()[0] == 1
        failing.fail = False
        pipeline.ingest([post("1", 10, text, T0)])  # the same post again, now for good
        assert [d[:2] for d in decisions(archive)] == [("2", "new"), ("1", "new")]
        assert archive.conn.execute("SELECT kind FROM alerts").fetchall() == [("new",), ("new",)]
        assert archive.conn.execute("SELECT posts FROM stories").fetchall() == [(1,), (1,)]


def test_stories_another_process_wrote_are_seen_by_the_next_batch(config):
    with Archive(config.storage.path) as daemon, Archive(config.storage.path) as importer:
        live, other = Pipeline(daemon, config), Pipeline(importer, config)
        live.ingest([post("1", 1, DRONES, T0)])  # the daemon's detector now holds this window
        other.ingest([post("2", 1, SHELLING, T0 + timedelta(hours=1))])  # written by another connection
        live.ingest([post("3", 1, SHELLING, T0 + timedelta(hours=2))])
        made = decisions(daemon)
    assert [d[:2] for d in made] == [("1", "new"), ("2", "new"), ("3", "repeat")]
    # found as a near-duplicate of the other connection's post, not only by its places and figures
    assert made[2][2].startswith("repeat of Канал 2/1, similarity 1.00")


def test_only_stories_within_the_window_before_or_after_a_post_are_joined(config):
    with Archive(config.storage.path) as archive:
        pipeline = Pipeline(archive, config)
        for channel, text, when in [
            ("1", SHELLING, T0),
            ("2", DRONES, T0 + timedelta(days=10)),
            ("3", SHELLING, T0 + timedelta(hours=1)),  # back in time: the early window is read again
            ("4", SHELLING, T0 + timedelta(days=10, hours=2)),  # ten days after the story: a new one
            ("5", DRONES, T0 + timedelta(days=5)),  # five days before the drones story: not part of it
        ]:
            pipeline.ingest([post(channel, 1, text, when)])
        made = decisions(archive)
    assert [d[:2] for d in made] == [("1", "new"), ("2", "new"), ("3", "repeat"), ("4", "new"), ("5", "new")]
    assert made[2][2].startswith("repeat of Канал 1/1")


def test_the_detector_holds_the_window_not_the_archive(config):
    with Archive(config.storage.path) as archive:
        pipeline = Pipeline(archive, config)
        stage = next(s for s in pipeline.stages if s.name == "stories")
        held = []
        for day in range(0, 150, 30):  # a claim repeated every hour for five months
            pipeline.ingest([post("1", day * 24 + hour, SHELLING, T0 + timedelta(days=day, hours=hour))
                             for day in range(day, day + 30) for hour in range(24)], batch_size=200)
            held.append(stage.detector(archive).held)
        stories = archive.conn.execute("SELECT count(*), sum(posts) FROM stories").fetchone()
    assert stories == (1, 150 * 24)  # one story: each post is within the window of the one before
    # 72 hours are 72 posts here; the detector drops what is out of reach in passes, so it holds
    # at most a thousand or twice the window, not the 3,600 posts stored
    assert max(held) <= 1_000 and held[-1] < held[0] * 2


def test_an_archive_with_band_keys_stored_upgrades_and_finds_its_near_duplicates(config):
    with Archive(config.storage.path) as archive:
        Pipeline(archive, config).ingest([post("1", 1, SHELLING, T0)])
        # as the release before: band keys stored per post in story_keys, no story_state, no date index
        archive.conn.executemany("INSERT INTO story_keys (watchlist, key, story_id, post_id, date) VALUES (?, ?, 1, 1, ?)",
                                 [("kursk", band, T0.isoformat()) for band in range(100, 116)])
        archive.conn.execute("DROP TABLE story_state")
        archive.conn.execute("DROP INDEX story_posts_date")
        archive.conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_bands_from_signatures'")
        archive.conn.commit()
    with Archive(config.storage.path) as archive:
        assert archive.conn.execute("SELECT count(*) FROM story_keys WHERE post_id != 0").fetchone()[0] == 0
        assert archive.conn.execute("SELECT count(*) FROM story_keys WHERE post_id = 0").fetchone()[0] > 0
        names = {r[0] for r in archive.conn.execute("SELECT name FROM sqlite_master")}
        assert {"story_state", "story_posts_date"} <= names
        Pipeline(archive, config).ingest([post("2", 1, SHELLING, T0 + timedelta(hours=1))])
        made = decisions(archive)
    assert [d[1] for d in made] == ["new", "repeat"] and made[1][2].startswith("repeat of Канал 1/1, similarity")


def test_decisions_outside_a_batch_are_refused(config):
    from monitor.stories import StoryDetector

    with Archive(config.storage.path) as archive:
        detector = StoryDetector(archive.conn)
        with pytest.raises(RuntimeError, match="outside a batch"):
            detector.process({"id": 1, "date": T0.isoformat(), "text": SHELLING}, [object()])


def test_a_flood_of_matching_posts_is_held_up_to_a_bound_and_recent_repeats_still_found(config, monkeypatch):
    from monitor.stories import window

    monkeypatch.setattr(window, "HELD", 200)
    def word(i: int) -> str:  # a different word for each post, so that each text is its own
        return "".join(chr(0x430 + (i // 32 ** k) % 32) for k in range(3))

    texts = [f"Противник обстрелял Суджу, сводка {word(i)} {word(i + 1000)}: пострадали {i} человек, идёт эвакуация."
             for i in range(600)]
    with Archive(config.storage.path) as archive:
        pipeline = Pipeline(archive, config)
        stage = next(s for s in pipeline.stages if s.name == "stories")
        held = []
        for start in range(0, 600, 50):  # 600 matching posts within an hour: all inside the window
            pipeline.ingest([post(str(i % 7), i, texts[i], T0 + timedelta(seconds=5 * i)) for i in range(start, start + 50)])
            held.append(stage.detector(archive).held)
        # a daemon started afresh reads at most the bound, the latest first
        restarted = Pipeline(archive, config)
        restarted.ingest([post("8", 1, texts[590], T0 + timedelta(hours=1))])
        reread = next(s for s in restarted.stages if s.name == "stories").detector(archive).held
        made = decisions(archive)
    assert max(held) <= 200 and reread <= 201
    assert made[-1][1] == "repeat" and made[-1][2].startswith("repeat of Канал 2/590, similarity 1.00")


def test_an_edit_of_a_post_the_capped_window_left_out_is_an_edit(config, monkeypatch):
    # a flood fills the window beyond its bound: an edit of an early post (its story post stored,
    # no longer held) is still found as that post, not inserted twice (which failed the batch)
    from monitor.stories import window

    monkeypatch.setattr(window, "HELD", 200)
    texts = [f"Противник обстрелял Суджу, сводка {i} {chr(0x430 + i % 32)}{chr(0x430 + i // 32 % 32)}:"
             f" пострадали {i} человек." for i in range(600)]
    with Archive(config.storage.path) as archive:
        pipeline = Pipeline(archive, config)
        for start in range(0, 600, 50):
            pipeline.ingest([post(str(i % 7), i, texts[i], T0 + timedelta(seconds=5 * i)) for i in range(start, start + 50)])
        edit = post("0", 7, texts[7].replace("пострадали 7 человек", "пострадали 77 человек"), T0 + timedelta(seconds=35))
        pipeline.ingest([edit])
        rows = archive.conn.execute("SELECT count(*), max(reason) FROM story_posts sp JOIN posts p ON p.id = sp.post_id"
                                    " WHERE p.channel = '0' AND p.message_id = 7").fetchone()
    assert rows[0] == 1 and "edited post" in rows[1] and "77" in rows[1]


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


def _reworded_stream() -> list[Post]:
    """Reworded claims about a few places (no two texts alike: the same-claim rule decides),
    over four days, so that stories both join and fall out of the window."""
    places = ["Судже", "Курчатове", "Рыльске", "Глушково", "Льгове"]
    verbs = ["Обстрел в {p}: ранены {n} человек.", "ВСУ ударили по {p}, пострадали {n} жителей, идёт эвакуация.",
             "В {p} после атаки дронов {n} раненых, повреждены дома.", "Губернатор: в {p} {n} пострадавших."]
    posts = []
    for i in range(120):
        text = verbs[i % 4].format(p=places[(i // 4) % 5], n=1 + (i * 7) % 23)
        posts.append(post(str(100 + i % 6), i + 1, text, T0 + timedelta(hours=i * 0.8)))
    return posts


def test_claim_keys_held_in_memory_decide_as_reading_them_each_time_would(tmp_path):
    toml = '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nrecipients = ["desk@example.org"]\n'
    (tmp_path / "held").mkdir()
    (tmp_path / "fresh").mkdir()
    held_config = load_config(write_config(tmp_path / "held", toml))
    fresh_config = load_config(write_config(tmp_path / "fresh", toml))
    stream = _reworded_stream()
    reads = []
    with Archive(held_config.storage.path) as archive:
        archive.conn.set_trace_callback(lambda sql: reads.append(sql) if "FROM main.story_keys" in sql else None)
        pipeline = Pipeline(archive, held_config)
        for start in range(0, len(stream), 10):
            pipeline.ingest(stream[start:start + 10], alerts=False)
        archive.conn.set_trace_callback(None)
        held = decisions(archive)
    with Archive(fresh_config.storage.path) as archive:
        for item in stream:  # a new pipeline (and detector) per post: every key read from the archive
            Pipeline(archive, fresh_config).ingest([item], alerts=False)
        fresh = decisions(archive)
    assert held == fresh
    assert sum(1 for d in held if d[2].startswith("new figure") or "same claim" in d[2]) > 20
    keys = archive_keys(held_config.storage.path)
    assert 0 < len(reads) <= 2 * keys  # each key read about once, not once per lookup


def archive_keys(path) -> int:
    with Archive(path) as archive:
        return archive.conn.execute("SELECT count(DISTINCT key) FROM story_keys").fetchone()[0]
