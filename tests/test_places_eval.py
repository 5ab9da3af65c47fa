"""Place recognition measured on real posts: precision and recall per region over (post, region) pairs.

The set lives in tests/data/places_eval/ (labelling rules in RULES.md): dev.jsonl is for tuning,
heldout.jsonl only for this gate. Each post's language is given to the matcher, so the figures
measure place recognition, not language detection. Run with ``-s`` to see the tables:

    .venv/bin/python -m pytest -q -s tests/test_places_eval.py
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from monitor.matching import Matcher
from monitor.matching.gazetteer import load_gazetteer

DATA = Path(__file__).parent / "data" / "places_eval"
PARTS = ("random", "border", "false_friend")
LANGS = ("ru", "uk", "en")
WATCHED = ("RU-KRS", "RU-BEL", "RU-BRY", "UA-59", "UA-63", "UA-74")
MIN_PRECISION = 0.95
MIN_RECALL = 0.90


def read_posts(path: Path, known_codes: set[str]) -> list[dict]:
    """The posts of one JSON Lines file; a malformed line raises ValueError naming the file and line."""
    posts = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            post = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{where}: not JSON ({error})") from None
        for key, kind in (("id", str), ("lang", str), ("text", str), ("source", str), ("part", str), ("regions", list)):
            if not isinstance(post.get(key), kind):
                raise ValueError(f"{where}: key {key!r} missing or not a {kind.__name__}")
        if post["lang"] not in LANGS:
            raise ValueError(f"{where}: lang {post['lang']!r} is not one of {LANGS}")
        if post["part"] not in PARTS:
            raise ValueError(f"{where}: part {post['part']!r} is not one of {PARTS}")
        unknown = [code for code in post["regions"] if code not in known_codes]
        if unknown:
            raise ValueError(f"{where}: regions {unknown} are not in config/gazetteer/regions.json")
        if post["regions"] != sorted(set(post["regions"])):
            raise ValueError(f"{where}: regions must be sorted and unique, got {post['regions']}")
        posts.append(post)
    return posts


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    name: str
    posts: int = 0
    overall: Score = field(default_factory=Score)
    regions: dict[str, Score] = field(default_factory=dict)
    parts: dict[str, Score] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, post: dict, found: list[str]) -> None:
        self.posts += 1
        truth, guess = set(post["regions"]), set(found)
        for code in sorted(truth | guess):
            for score in (self.overall, self.regions.setdefault(code, Score()), self.parts.setdefault(post["part"], Score())):
                if code in truth and code in guess:
                    score.tp += 1
                elif code in guess:
                    score.fp += 1
                else:
                    score.fn += 1
        if truth != guess:
            missed, extra = sorted(truth - guess), sorted(guess - truth)
            self.errors.append(f"{post['id']}: missed {missed} extra {extra}")

    def table(self) -> str:
        lines = [f"{self.name}: {self.posts} posts", f"  {'region':<8} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}"]

        def row(label: str, s: Score) -> str:
            return f"  {label:<8} {s.tp:>4} {s.fp:>4} {s.fn:>4} {s.precision:>9.3f} {s.recall:>7.3f}"

        watched, others = Score(), Score()
        for code in WATCHED:
            lines.append(row(code, self.regions.get(code, Score())))
        for code, s in sorted(self.regions.items()):
            total = watched if code in WATCHED else others
            total.tp, total.fp, total.fn = total.tp + s.tp, total.fp + s.fp, total.fn + s.fn
        lines.append(row("watched", watched))
        lines.append(row("others", others))
        lines.append(row("overall", self.overall))
        for part in PARTS:
            lines.append(row(part[:8], self.parts.get(part, Score())))
        return "\n".join(lines)


@pytest.fixture(scope="module")
def known_codes() -> set[str]:
    return set(load_gazetteer().regions)


@pytest.fixture(scope="module")
def dev(known_codes):
    return read_posts(DATA / "dev.jsonl", known_codes)


@pytest.fixture(scope="module")
def heldout(known_codes):
    return read_posts(DATA / "heldout.jsonl", known_codes)


@pytest.fixture(scope="module")
def matcher(known_codes) -> Matcher:
    # one watchlist per region: a post's regions are those of the watchlists it would alert
    return Matcher([SimpleNamespace(name=code, regions=[code], keywords=[], exclude=[]) for code in sorted(known_codes)])


def score(matcher: Matcher, name: str, posts: list[dict]) -> Report:
    report = Report(name)
    for post in posts:
        result = matcher.match(post["text"], lang=post["lang"])
        report.add(post, sorted({code for hit in result.watchlists for code in hit.regions}))
    return report


def test_a_malformed_line_is_reported_with_its_file_and_line(tmp_path, known_codes):
    path = tmp_path / "bad.jsonl"
    good = {"id": "a", "lang": "ru", "text": "x", "source": "s", "part": "random", "regions": []}
    path.write_text(json.dumps(good) + "\n" + json.dumps(dict(good, regions=["RU-XXX"])) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: regions \['RU-XXX'\]"):
        read_posts(path, known_codes)


def test_the_scores_count_pairs_of_post_and_region():
    report = Report("t")
    report.add({"id": "a", "part": "random", "regions": ["RU-KRS", "UA-59"]}, ["RU-KRS", "RU-MOW"])
    assert (report.overall.tp, report.overall.fp, report.overall.fn) == (1, 1, 1)
    assert report.regions["UA-59"].recall == 0.0 and report.regions["RU-MOW"].precision == 0.0
    assert report.errors == ["a: missed ['UA-59'] extra ['RU-MOW']"]


def test_the_set_is_split_in_two_disjoint_parts_each_holding_every_part(dev, heldout):
    ids = [p["id"] for p in dev + heldout]
    assert len(ids) == len(set(ids)), "a post is in both files or twice in one"
    assert len(ids) >= 600
    assert len(heldout) * 3 >= len(ids), "the held-out part must be at least a third of the set"
    for posts in (dev, heldout):
        assert {p["part"] for p in posts} == set(PARTS)
        assert {p["lang"] for p in posts} == set(LANGS)


def test_dev_scores_are_measured(matcher, dev):
    report = score(matcher, "dev", dev)
    print("\n" + report.table())
    assert report.posts == len(dev)


def test_heldout_precision_and_recall_hold(matcher, heldout):
    report = score(matcher, "held-out", heldout)
    print("\n" + report.table())
    summary = f"\n{report.table()}\nfirst errors:\n  " + "\n  ".join(report.errors[:30])
    assert report.overall.precision >= MIN_PRECISION, f"held-out precision below {MIN_PRECISION}{summary}"
    assert report.overall.recall >= MIN_RECALL, f"held-out recall below {MIN_RECALL}{summary}"
