"""Watchlist matching in Russian, Ukrainian and English: inflections, transliterations, false friends."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest

from monitor.matching import Matcher, expand_query
from monitor.matching.gazetteer import load_gazetteer, load_regions

from .conftest import run_cli, write_config


def watch(name="w", regions=(), keywords=(), exclude=()):
    return SimpleNamespace(name=name, regions=list(regions), keywords=list(keywords), exclude=list(exclude))


@pytest.fixture(scope="module")
def matcher():
    return Matcher([
        watch("kursk", ["RU-KRS"]),
        watch("belgorod", ["RU-BEL"]),
        watch("bryansk", ["RU-BRY"]),
        watch("sumy", ["UA-59"]),
        watch("kharkiv", ["UA-63"]),
        watch("chernihiv", ["UA-74"]),
    ])


def regions_of(matcher, text, lang=None):
    return matcher.match(text, lang=lang).regions


def places_of(matcher, text, lang=None):
    return [p.id for p in matcher.match(text, lang=lang).places]


# Every watched region, in the cases and languages the news writes it.
REGION_FORMS = {
    "RU-KRS": ["Курская область", "в Курской области", "Курскую область", "Курской областью", "Курщина", "на Курщине",
               "Курська область", "у Курській області", "на Курщині", "Курщину", "Kursk Oblast", "the Kursk region",
               "курский губернатор", "курского губернатора", "Курском направлении", "Kursk governor"],
    "RU-BEL": ["Белгородская область", "в Белгородской области", "Белгородчина", "на Белгородчине", "Бєлгородщина",
               "на Бєлгородщині", "Бєлгородська область", "Belgorod region", "Belgorod Oblast", "белгородский губернатор"],
    "RU-BRY": ["Брянская область", "Брянской области", "Брянщина", "на Брянщине", "Брянська область", "Bryansk Oblast",
               "Bryansk region"],
    "UA-59": ["Сумская область", "Сумской области", "Сумщина", "на Сумщине", "Сумська область", "на Сумщині",
              "Сумщину", "Sumy Oblast", "Sumy region"],
    "UA-63": ["Харьковская область", "в Харьковской области", "Харьковщина", "Харківська область", "на Харківщині",
              "Kharkiv Oblast", "Kharkiv region", "Kharkov region"],
    "UA-74": ["Черниговская область", "Черниговщина", "Чернігівська область", "на Чернігівщині", "Chernihiv Oblast",
              "Chernigov region"],
}


@pytest.mark.parametrize("code, text", [(c, t) for c, forms in REGION_FORMS.items() for t in forms])
def test_every_watched_region_in_every_form(matcher, code, text):
    assert code in regions_of(matcher, text), text


PLACE_FORMS = {
    "RU-KRS:sudzha": ["Суджа", "в Судже", "под Суджей", "из Суджи", "на Суджу", "у Суджі", "біля Суджі", "Sudzha", "Sudja",
                      "near Sudzha"],
    "RU-KRS:nikolayevo-daryino": ["Николаево-Дарьино", "в районе Николаево-Дарьино", "Миколаєво-Дар'їно",
                                  "Миколаєво-Дарʼїно", "Миколаєво-Дар’їно", "Nikolayevo-Daryino", "Nikolaevo-Darino"],
    "RU-KRS:oleshnya": ["Олешня", "Олешню", "у Олешни", "Oleshnya"],
    "RU-KRS:tyotkino": ["Тёткино", "Теткино", "в Тёткино", "Тьоткіно", "Tyotkino", "Tetkino"],
    "RU-KRS:sudzhansky-district": ["Суджанский район", "Суджанского района", "в Суджанском районе", "Суджанський район"],
    "RU-KRS:kursk": ["Курск", "в Курске", "под Курском", "Курськ", "у Курську", "Kursk"],
    "RU-BEL:shebekino": ["Шебекино", "в Шебекино", "Шебекіно", "Shebekino"],
    "RU-BEL:graivoron": ["Грайворон", "в Грайвороне", "Graivoron", "Grayvoron"],
    "RU-BRY:klimovo": ["Климово", "в Климово", "Klimovo"],
    "UA-59:sumy": ["Суми", "у Сумах", "Сумы", "в Сумах", "Sumy"],
    "UA-59:bilopillia": ["Білопілля", "у Білопіллі", "Белополье", "Bilopillia"],
    "UA-63:kharkiv": ["Харків", "у Харкові", "Харьков", "в Харькове", "Kharkiv", "Kharkov"],
    "UA-63:vovchansk": ["Вовчанськ", "у Вовчанську", "Волчанск", "под Волчанском", "Vovchansk", "Volchansk"],
    "UA-74:chernihiv": ["Чернігів", "у Чернігові", "Чернигов", "Chernihiv", "Chernigov"],
}


@pytest.mark.parametrize("place, text", [(p, t) for p, forms in PLACE_FORMS.items() for t in forms])
def test_places_in_every_case_and_spelling(matcher, place, text):
    assert place in places_of(matcher, text), text


@pytest.mark.parametrize("text", [
    "На Курском вокзале задержки электричек",
    "Курский вокзал закрыт на ремонт",
    "курс доллара вырос",
    "Купил квартиру на улице Курской",
    "Кафе на вулиці Сумській у Харкові",
    "Белая машина стояла у дома",
    "Настал мирный день",
    "Курская битва была в 1943 году",
    "Мы вернулись из Белой Церкви",
])
def test_false_friends_do_not_fire(matcher, text):
    result = matcher.match(text)
    assert "RU-KRS" not in result.regions and "UA-59" not in result.regions, (text, result.regions)


def test_an_ordinary_word_fires_only_as_a_name_in_context(matcher):
    assert "RU-KRS:mirny" in places_of(matcher, "Обстрел посёлка Мирный в Беловском районе")
    assert "RU-KRS:mirny" not in places_of(matcher, "Все ждут, когда наступит мирный день")
    assert "RU-KRS:belaya" in places_of(matcher, "Дрон атаковал Белую, пострадал мужчина")
    assert "RU-KRS:belaya" not in places_of(matcher, "На трассе заметили белую машину")


def test_links_and_mentions_name_no_place(matcher):
    assert matcher.match("Подробности: https://t.me/kursk_news/12 и @sumy_online").regions == []


def test_regions_through_their_places(matcher):
    result = matcher.match("Обстрел Глушково и Тёткино, пострадал водитель")
    assert result.regions == ["RU-KRS"]
    assert [p.name for p in result.places] == ["Glushkovo", "Tyotkino"]
    assert [w.name for w in result.watchlists] == ["kursk"]


@pytest.mark.parametrize("keyword, text", [
    ("режим ЧС", "В Курской области введен режим ЧС"),
    ("режим ЧС", "Губернатор объявил о введении режима ЧС"),
    ("чрезвычайная ситуация", "Введён режим чрезвычайной ситуации"),
    ("повітряна тривога", "Оголосили повітряну тривогу в області"),
    ("повітряна тривога", "Повітряна тривога триває"),
    ("state of emergency", "A State of Emergency was declared"),
    ("drone", "Two drones were shot down"),
    ("беспилотник", "сбиты три беспилотника"),
    ("евакуація", "триває евакуація мешканців"),
    ("евакуація", "оголосили евакуацію"),
])
def test_multiword_and_inflected_keywords(keyword, text):
    m = Matcher([watch("k", keywords=[keyword])])
    assert m.match(text).keywords == [keyword], text


def test_regions_and_keywords_and_not_exclude():
    m = Matcher([watch("kursk_drones", ["RU-KRS"], ["беспилотник", "drone"], exclude=["учения"])])
    assert [w.name for w in m.match("Беспилотник атаковал Суджу").watchlists] == ["kursk_drones"]
    assert m.match("Беспилотник атаковал Белгород").watchlists == []  # wrong region
    assert m.match("Обстрел Суджи").watchlists == []  # no keyword
    excluded = m.match("Учения с беспилотниками прошли в Курской области")
    assert excluded.watchlists == [] and excluded.excluded == ["kursk_drones"]


def test_a_mixed_language_post_matches_each_part(matcher):
    result = matcher.match("Удар по Сумах. Russian drones also hit Belgorod overnight.")
    assert set(result.regions) == {"UA-59", "RU-BEL"}
    assert {w.name for w in result.watchlists} == {"sumy", "belgorod"}


def test_matching_runs_on_the_translation_too(matcher):
    result = matcher.match("Ситуация напряжённая", lang="ru", translation="The situation near Sudzha is tense")
    assert "RU-KRS:sudzha" in [p.id for p in result.places]


def test_the_gazetteer_has_every_first_level_region_of_russia_and_ukraine():
    regions = {r["code"]: r for r in load_regions()}
    assert len([c for c in regions if c.startswith("RU-")]) == 83
    assert len([c for c in regions if c.startswith("UA-")]) == 27
    for region in regions.values():
        assert region["names"]["ru"] and region["names"]["uk"] and region["names"]["en"], region["code"]
    gazetteer = load_gazetteer()
    for code in ("RU-KRS", "RU-BEL", "RU-BRY", "UA-59", "UA-63", "UA-74"):
        places = gazetteer.places_in(code)
        assert sum(1 for p in places if p["kind"] == "district") >= 5
        assert all(p["names"]["ru"] and p["names"]["uk"] and p["names"]["en"] for p in places)


def test_search_expansion_finds_every_case():
    expression = expand_query("Суджа")
    for form in ("суджа", "судже", "суджи", "суджей", "суджі"):
        assert f'"{form}"' in expression


def test_search_finds_inflected_forms_through_the_cli(tmp_path, config_path):
    from .conftest import EXAMPLES

    assert run_cli("import", *[str(p) for p in EXAMPLES.glob("*/result.json")], config=config_path).returncode == 0
    found = run_cli("search", "Суджа", "--json", config=config_path)
    texts = [json.loads(line)["text"] for line in found.stdout.splitlines()]
    assert any("в Судже" in t for t in texts) and any("Суджу" in t for t in texts) and any("Суджі" in t for t in texts)
    exact = run_cli("search", "Суджа", "--exact", "--json", config=config_path)
    exact_texts = [json.loads(line)["text"] for line in exact.stdout.splitlines()]
    assert exact_texts == [t for t in texts if re.search(r"\bСуджа\b", t)] and len(exact_texts) < len(texts)


def test_monitor_match_explains_each_line(tmp_path, config_path):
    result = run_cli("match", "--json", config=config_path,
                     input="Обстрел в Судже, пострадали 5 человек\nНа Курском вокзале задержки\n")
    assert result.returncode == 0, result.stderr
    first, second = [json.loads(line) for line in result.stdout.splitlines()]
    for key in ("lang", "regions", "places", "keywords", "watchlists"):
        assert key in first
    assert first["lang"] == "ru" and first["regions"] == ["RU-KRS"] and first["watchlists"] == ["kursk"]
    assert first["places"][0]["name"] == "Sudzha" and first["places"][0]["words"] == ["Судже"]
    assert second["regions"] == [] and second["watchlists"] == []
    table = run_cli("match", "--text", "У Суджі оголошено евакуацію", config=config_path)
    assert "Sudzha (town, RU-KRS) from 'Суджі'" in table.stdout


GEONAMES = "\n".join("\t".join(str(c) for c in row) for row in [
    [472045, "Voronezh", "Voronezh", "Voronez,Woronesch,Воронеж,Вороніж", 51.67, 39.18, "P", "PPLA", "RU", "", "86", "", "", "", 889680, "", 154, "Europe/Moscow", "2024-01-01"],
    [472039, "Rossosh'", "Rossosh", "Rossosh,Россошь,Россош", 50.19, 39.57, "P", "PPL", "RU", "", "86", "", "", "", 62000, "", 100, "Europe/Moscow", "2024-01-01"],
    [472757, "Voronezhskaya Oblast'", "Voronezhskaya Oblast", "Voronezh Oblast,Воронежская область,Воронізька область", 51.0, 40.0, "A", "ADM1", "RU", "", "86", "", "", "", 2300000, "", 150, "Europe/Moscow", "2024-01-01"],
    [999001, "Some River", "Some River", "", 51.0, 40.0, "H", "STM", "RU", "", "86", "", "", "", 0, "", 100, "Europe/Moscow", "2024-01-01"],
]) + "\n"


def test_gazetteer_import_from_a_geonames_dump_extends_matching(tmp_path, config_path):
    dump = tmp_path / "RU-sample.txt"
    dump.write_text(GEONAMES, encoding="utf-8")
    result = run_cli("gazetteer", "import", str(dump), config=config_path)
    assert result.returncode == 0, result.stderr
    assert "2 places" in result.stdout and "1 lines of other kinds skipped" in result.stdout
    path = write_config(tmp_path, '[[watchlist]]\nname = "voronezh"\nregions = ["RU-VOR"]\n', name="vor.toml")
    matched = run_cli("match", "--json", "--text", "Беспилотник упал в Россоши", config=path)
    line = json.loads(matched.stdout)
    assert line["regions"] == ["RU-VOR"] and line["watchlists"] == ["voronezh"]


def test_a_bad_geonames_file_changes_nothing_and_names_the_lines(tmp_path, config_path):
    dump = tmp_path / "broken.txt"
    dump.write_text(GEONAMES + "123\tonly three\tcolumns\n" + "abc" + "\tx" * 18 + "\n", encoding="utf-8")
    result = run_cli("gazetteer", "import", str(dump), config=config_path)
    assert result.returncode == 1
    assert f"{dump}:5: expected 19 tab-separated columns" in result.stderr
    assert f"{dump}:6: geonameid must be a number" in result.stderr
    assert not (tmp_path / "gazetteer").exists()
