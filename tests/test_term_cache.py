"""The gazetteer terms cache on disk (monitor/matching/built.py): reused, rebuilt, never shared across inputs."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from monitor.matching import Matcher, built
from monitor.matching import matcher as matcher_module
from monitor.matching.gazetteer import Gazetteer, load_gazetteer

REGION = {"code": "RU-KRS", "country": "RU", "en": "Kursk Oblast",
          "names": {"ru": ["Курская область"], "uk": ["Курська область"], "en": ["Kursk Oblast"]},
          "adjectives": {"ru": ["курский"], "uk": ["курський"]}}
PLACE = {"id": "RU-KRS:sudzha", "kind": "town", "region": "RU-KRS", "en": "Sudzha",
         "names": {"ru": ["Суджа"], "uk": ["Суджа"], "en": ["Sudzha"]}, "ambiguous": False, "labels_region": True}


def small_gazetteer(*places: dict) -> Gazetteer:
    """A new Gazetteer object (the in-memory cache is keyed by object) of one region and ``places``."""
    return Gazetteer({"RU-KRS": json.loads(json.dumps(REGION))}, [json.loads(json.dumps(p)) for p in places],
                     {"phrases": []})


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MONITOR_CACHE_DIR", str(folder))
    return folder


def no_build(gazetteer):
    raise AssertionError("built again although the cache holds these terms")


def test_the_terms_are_built_once_then_read_from_the_cache(cache, monkeypatch):
    first = Matcher([], small_gazetteer(PLACE))
    assert len(list(cache.glob("terms-*.pickle"))) == 1
    monkeypatch.setattr(matcher_module, "_build_gazetteer_terms", no_build)
    second = Matcher([], small_gazetteer(PLACE))
    assert second._terms == first._terms and second._sequences == first._sequences
    assert [p.id for p in second.match("Обстрел Суджи", lang="ru").places] == ["RU-KRS:sudzha"]


def test_a_corrupt_cache_file_is_ignored_and_replaced(cache):
    Matcher([], small_gazetteer(PLACE))
    [path] = cache.glob("terms-*.pickle")
    path.write_bytes(b"\x80\x05not a pickle")
    matcher = Matcher([], small_gazetteer(PLACE))
    assert [p.id for p in matcher.match("Обстрел Суджи", lang="ru").places] == ["RU-KRS:sudzha"]
    assert path.read_bytes() != b"\x80\x05not a pickle" and built.load(path.stem.removeprefix("terms-")) is not None


def test_a_file_holding_another_key_is_not_used(cache, monkeypatch):
    Matcher([], small_gazetteer(PLACE))
    [path] = cache.glob("terms-*.pickle")
    other = small_gazetteer({**PLACE, "id": "RU-KRS:lgov", "en": "Lgov", "names": {"ru": ["Льгов"]}})
    other_key = built.terms_key(other.regions, other.places, other.exclusions)
    path.rename(cache / f"terms-{other_key}.pickle")  # Sudzha's terms under Lgov's name
    matcher = Matcher([], other)
    assert [p.id for p in matcher.match("Обстрел Льгова", lang="ru").places] == ["RU-KRS:lgov"]


def test_different_places_make_different_files(cache):
    Matcher([], small_gazetteer(PLACE))
    lgov = Matcher([], small_gazetteer(PLACE, {**PLACE, "id": "RU-KRS:lgov", "en": "Lgov", "names": {"ru": ["Льгов"]}}))
    assert len(list(cache.glob("terms-*.pickle"))) == 2
    assert [p.id for p in lgov.match("Обстрел Льгова", lang="ru").places] == ["RU-KRS:lgov"]


def test_a_changed_gazetteer_file_or_morphology_version_changes_the_key(tmp_path, monkeypatch):
    imported = tmp_path / "gazetteer"
    (imported / "places").mkdir(parents=True)
    extra = {**PLACE, "id": "RU-KRS:testovka", "en": "Testovka", "names": {"ru": ["Тестовка"]}}  # in no bundled file
    (imported / "places" / "RU-KRS.json").write_text(json.dumps([extra]), encoding="utf-8")
    gazetteer = load_gazetteer(imported)
    assert any(p["id"] == "RU-KRS:testovka" for p in gazetteer.places)
    key = built.terms_key(gazetteer.regions, gazetteer.places, gazetteer.exclusions)
    assert key == built.terms_key(gazetteer.regions, gazetteer.places, gazetteer.exclusions)
    (imported / "places" / "RU-KRS.json").write_text(json.dumps([{**extra, "names": {"ru": ["Тестовка", "Тестово"]}}]),
                                                     encoding="utf-8")
    changed = load_gazetteer(imported)
    assert built.terms_key(changed.regions, changed.places, changed.exclusions) != key
    monkeypatch.setattr(built, "_version", lambda package: "0.0-other")
    assert built.terms_key(gazetteer.regions, gazetteer.places, gazetteer.exclusions) != key


def test_the_key_covers_the_matching_sources(tmp_path, monkeypatch):
    gazetteer = small_gazetteer(PLACE)
    key = built.terms_key(gazetteer.regions, gazetteer.places, gazetteer.exclusions)
    sources = tmp_path / "matching"
    sources.mkdir()
    for source in built._SOURCES.glob("*.py"):
        (sources / source.name).write_bytes(source.read_bytes())
    monkeypatch.setattr(built, "_SOURCES", sources)
    monkeypatch.setattr(built, "_SOURCES_DIGEST", built._sources_digest())  # as a process importing them
    assert built.terms_key(gazetteer.regions, gazetteer.places, gazetteer.exclusions) == key
    (sources / "resolve.py").write_bytes((sources / "resolve.py").read_bytes() + b"\n# a changed rule\n")
    # the running process keeps the key of the code it loaded; a process loading the changed code has another
    assert built.terms_key(gazetteer.regions, gazetteer.places, gazetteer.exclusions) == key
    monkeypatch.setattr(built, "_SOURCES_DIGEST", built._sources_digest())
    assert built.terms_key(gazetteer.regions, gazetteer.places, gazetteer.exclusions) != key


def test_an_unwritable_cache_is_skipped_with_one_debug_line(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MONITOR_CACHE_DIR", str(blocker / "cache"))  # works as root too, unlike chmod
    with caplog.at_level(logging.DEBUG, logger="monitor.matching.built"):
        matcher = Matcher([], small_gazetteer(PLACE))
    assert [p.id for p in matcher.match("Обстрел Суджи", lang="ru").places] == ["RU-KRS:sudzha"]
    assert [r.levelno for r in caplog.records] == [logging.DEBUG] and "not written" in caplog.records[0].message


def test_the_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("MONITOR_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert built.cache_dir() == tmp_path / "xdg" / "monitor"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert built.cache_dir() == tmp_path / "home" / ".cache" / "monitor"
    monkeypatch.setenv("MONITOR_CACHE_DIR", str(tmp_path / "explicit"))
    assert built.cache_dir() == tmp_path / "explicit"


def test_only_the_newest_files_are_kept(cache):
    cache.mkdir()
    for index in range(built.KEEP + 3):
        stale = cache / f"terms-{index:064x}.pickle"
        stale.write_bytes(b"old")
        os.utime(stale, ns=(index * 10**9, index * 10**9))
    Matcher([], small_gazetteer(PLACE))
    left = sorted(p.name for p in cache.glob("terms-*.pickle"))
    assert len(left) == built.KEEP and f"terms-{0:064x}.pickle" not in left
