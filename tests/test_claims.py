"""What a post claims: figures with one unit vocabulary across languages, numbers in words, the
speaker, and where places lie; and the lines that tell desk staff what an update changed."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from monitor.matching.gazetteer import load_gazetteer
from monitor.stories import describe_changes
from monitor.stories.claims import (
    WEAPON_KINDS,
    claim_of,
    confirmed,
    extract_actor,
    extract_facilities,
    extract_figures,
    extract_kinds,
    extract_when,
    hedged,
    same_time,
    with_parents,
)
from monitor.stories.places import PlaceTree


def figures(text: str) -> list[tuple[str, int]]:
    return [(f.unit, f.value) for f in extract_figures(text)]


@pytest.mark.parametrize("text", [
    "Из приграничья эвакуировано более 200 человек.",
    "З прикордоння евакуйовано понад 200 осіб.",
    "More than 200 people were evacuated from the border area.",
    "200 people have been evacuated, the governor said.",
])
def test_an_evacuation_count_is_read_as_evacuated_in_every_language(text):
    assert figures(text) == [("evacuated", 200)]


def test_people_and_soldiers_and_hospitalised_keep_their_own_units():
    assert figures("атаковали до 300 военнослужащих") == [("soldiers", 300)]
    assert figures("атаковали до 300 человек") == [("people", 300)]
    # hospitalised are not injured, whatever the sentence says before
    assert figures("Ранены 31 человек, из них 19 госпитализированы.") == [("injured", 31), ("hospitalised", 19)]
    assert figures("19 people were hospitalised") == [("hospitalised", 19)]
    assert figures("пострадали 31 человек, погибли 5.") == [("injured", 31), ("killed", 5)]


@pytest.mark.parametrize("text, expected", [
    ("Пострадали до пяти человек.", [("injured", 5)]),
    ("Шестеро военнослужащих получили ранения.", [("soldiers", 6)]),
    ("Поранено двох осіб.", [("injured", 2)]),
    ("Six people were killed.", [("killed", 6)]),
    ("Эвакуированы тысяча двести человек.", [("evacuated", 1200)]),
    ("Росія перекинула 59 тисяч військових.", [("soldiers", 59000)]),
    ("нанесли удар 6-ю баллистическими ракетами", [("missiles", 6)]),
])
def test_numbers_written_in_words_are_figures(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("More than 76,000 people have been evacuated.", [("evacuated", 76000)]),
    ("Ukraine controls 1,000 square kilometres of Kursk region.", [("square km", 1000)]),
    ("Из приграничья эвакуировались порядка 121 тыс. человек.", [("evacuated", 121000)]),
    ("Евакуйовано 121 тис. осіб.", [("evacuated", 121000)]),
    ("Захопленими виявилися 480 кв. км території.", [("square km", 480)]),
    ("Около 300 диверсантов попытались проникнуть в область.", [("soldiers", 300)]),
])
def test_thousands_written_with_commas_or_abbreviated_and_areas_abbreviated_are_figures(text, expected):
    assert figures(text) == expected


def test_a_fraction_or_a_time_is_still_no_count_of_thousands():
    assert figures("Пострадали 1,5 тыс. человек.") == []
    assert figures("В 12.30 ранены 2 человека.") == [("injured", 2)]
    assert figures("Обследовано 100 квартир.") == []


@pytest.mark.parametrize("text, emergency", [
    ("В Курской области введен режим ЧС, сообщила пресс-служба губернатора.", True),
    ("Kursk region declared a state of emergency.", True),
    ("More than 76,000 people were evacuated, the Emergencies Ministry's spokesman said.", False),
    ("An official from the regional emergency situations ministry said so.", False),
    ("Об этом сообщили в Министерстве по чрезвычайным ситуациям.", False),
    ("Про це повідомила Державна служба з надзвичайних ситуацій.", False),
    ("Traffic was closed for hours amid the emergency response and the clean-up.", False),
    ("Emergency workers pulled two people from the rubble.", False),
    ("The region introduced emergency power cuts.", False),
    ("The governor declared an emergency in the city.", True),
])
def test_an_emergency_is_an_event_but_the_emergencies_ministrys_name_is_none(text, emergency):
    assert ("emergency" in extract_kinds(text)) is emergency


@pytest.mark.parametrize("text, expected", [
    ("Ukrainian troops had advanced as much as 15 kilometers into Russian territory.", [("km advanced", 15)]),
    ("«Глубина проникновения составляет 12 км», — уточнил губернатор.", [("km advanced", 12)]),
    ("ЗСУ просунулися на 3 км у Курській області.", [("km advanced", 3)]),
    ("The gas hub is about 8 kilometers from the border.", []),  # a distance, not an advance
    ("Войска продвинулись к селу, расположенному в 10 км от границы.", []),
    ("Ракета пролетела 40 км.", []),
])
def test_how_far_troops_advanced_is_a_figure_and_other_distances_are_none(text, expected):
    assert figures(text) == expected


def test_model_names_links_and_breakdowns_are_not_figures_of_their_own():
    assert figures("по позиции дивизиона С-400, из них две ракеты сбиты") == [("missiles shot down", 2)]
    assert figures("[вернулись](https://t.me/channel/81099) 46 жителей") == [("people", 46)]
    # the headline count, not its parts per region
    assert figures("ПВО уничтожила 44 беспилотника: 20 над Новгородской, 5 над Курской") == [("drones shot down", 44)]


def test_a_count_keeps_its_parts_and_negated_or_earlier_numbers_are_no_figures():
    [drones] = extract_figures("Над регионами уничтожены 42 беспилотника, из них 32 беспилотника над Брянской областью.")
    assert (drones.unit, drones.value, drones.also) == ("drones shot down", 42, (32,))
    assert figures("Пострадали 8 человек, а не 9.") == [("injured", 8)]
    assert figures("Ранее сообщалось о 9 пострадавших.") == []
    # counts launched and counts shot down are different figures
    assert figures("ВСУ выпустили 8 ракет ATACMS, перехватили всего две ракеты.") == \
        [("missiles", 8), ("missiles shot down", 2)]


def test_the_named_day_and_part_of_day_of_a_claim():
    published = datetime(2024, 11, 20, 5, tzinfo=timezone.utc)
    assert extract_when("ПВО за минувшую ночь уничтожила 44 беспилотника", published).day(published) == \
        "2024-11-20 night"
    assert extract_when("Накануне вечером над регионами сбиты 42 БПЛА", published).day(published) == \
        "2024-11-19 evening"
    assert extract_when("в ночь на вторник, 19 ноября, ВСУ нанесли удар", published).day(published) == \
        "2024-11-19 night"
    # a deadline and a date long before are not the claim's day
    assert extract_when("Путин поставил задачу до 20 января", published).day(published) is None
    assert same_time("2024-11-23", "2024-11-24 night") and not same_time("2024-11-19 evening", "2024-11-20 night")


def test_weapons_fired_are_no_fire():
    assert "fire" not in extract_kinds("Ukraine fired British Storm Shadow missiles at the Kursk region")
    assert "fire" in extract_kinds("Fires broke out in Ramenskoye after the drone attack")


def test_a_night_range_a_pages_time_stamp_and_a_day_to_come_are_read_as_such():
    published = datetime(2024, 11, 11, 9, tzinfo=timezone.utc)
    # the night of the 9th to the 10th is the night to the 10th, as «в ночь на 10 ноября»
    assert extract_when("On the night of November 9-10, a Mi-24 was set on fire", published).day(published) == \
        extract_when("В ночь на 10 ноября подожжён Ми-24", published).day(published) == "2024-11-10 night"
    # a date with its year and clock time is the page's own stamp, not the claim's day
    assert extract_when("by a reporter November 11, 2024 10:51 AM. A helicopter burnt", published).day(published) is None
    # a day after the post's is what is to come; late in the UTC day it is already that day further east
    afternoon, late = datetime(2024, 11, 18, 15, tzinfo=timezone.utc), datetime(2024, 11, 18, 22, tzinfo=timezone.utc)
    assert extract_when("В Одессе 10 погибших, 19 ноября объявлено траурным", afternoon).date is None
    assert extract_when("19 ноября ночью ВСУ атаковали Одессу", late).day(late) == "2024-11-19 night"


def test_kinds_named_more_or_less_specifically_share_their_general_kind():
    assert "attack" in with_parents({"drone"}) & with_parents({"attack"})
    assert not with_parents({"drone"}) & with_parents({"missile"}) & WEAPON_KINDS


def test_the_speaker_is_the_one_who_speaks_not_the_first_name():
    assert extract_actor("Путін наказав вибити ЗСУ з Курської області, – Зеленський") == "Zelensky"
    assert extract_actor("Putin has set the task of ousting the troops, Zelenskyy said.") == "Zelensky"
    assert claim_of("Путин обновил ядерную доктрину.").spoken is False
    assert claim_of("Лавров заявил, что удары — сигнал эскалации.").spoken is True


def test_the_one_spoken_to_is_not_the_speaker():
    assert extract_actor("28 населенных пунктов под контролем ВСУ, сообщил президенту России Владимиру Путину "
                         "врио губернатора региона Алексей Смирнов.") == "governor"
    assert extract_actor("Об этом главе государства Владимиру Путину доложил начальник Генштаба Валерий Герасимов.") \
        == "general staff"
    assert extract_actor("The general briefed Zelensky on the front.") is None
    assert extract_actor("По словам Путина, ситуация под контролем.") == "Putin"


def test_the_speaker_is_named_the_same_in_every_language():
    assert claim_of("Минобороны России сообщило об атаке").actor == "defence ministry"
    assert claim_of("Russia's Defense Ministry said").actor == "defence ministry"
    assert claim_of("Губернатор Курської області повідомив").actor == "governor"
    assert claim_of("Голова Дніпропетровської ОВА повідомив про поранених").actor == "governor"
    assert claim_of("The head of the regional military administration said").actor == "governor"
    assert claim_of("Повітряні сили повідомили").actor == claim_of("Ukraine's Air Force said").actor == "air force"
    assert claim_of("Дождь и ветер завтра").actor is None


def test_a_town_lies_in_its_district_and_region_from_the_gazetteer_fields():
    tree = PlaceTree(load_gazetteer().places)
    assert tree.related("RU-KRS:sudzha", "RU-KRS:sudzhansky-district")
    assert tree.related("RU-BEL:krasnoyaruzhsky-district", "RU-BEL:krasnaya-yaruga")
    assert tree.related("RU-KRS:sudzha", "RU-KRS")
    assert not tree.related("RU-KRS:sudzha", "RU-KRS:rylsk")
    assert tree.overlap(["RU-KRS:sudzha", "RU-KRS:rylsk"], ["RU-KRS:sudzhansky-district"]) == ["RU-KRS:sudzha"]
    # a place record naming a district the gazetteer does not hold lies in its region only
    lone = PlaceTree([{"id": "RU-KRS:x", "region": "RU-KRS", "kind": "village", "district": "Нет такого района"}])
    assert lone.within("RU-KRS:x") == ("RU-KRS",)


def test_the_changes_of_an_update_read_as_lines_for_the_desk():
    changes = {"figures": [{"unit": "killed", "value": 2, "words": "2 погибших", "was": None},
                           {"unit": "injured", "value": 20, "words": "20 раненых", "was": 12},
                           {"unit": "injured", "value": 8, "words": "8 раненых", "was": 9}],
               "places": ["RU-KRS:sudzha"]}
    names = {"RU-KRS:sudzha": "Sudzha"}.get
    assert describe_changes(changes, names) == ["killed: 2 (new)", "injured: 12 -> 20", "injured: 9 -> 8",
                                                "new place: Sudzha"]
    assert describe_changes({"figures": [], "places": [], "confirmed": "defence ministry"}) == \
        ["confirmed for the first time by defence ministry"]
    assert describe_changes({"confirmed": "yes"}) == ["confirmed for the first time"]
    assert describe_changes({}) == []
    # as stored by earlier versions: words only
    assert describe_changes({"figures": ["24 пострадавших"], "places": ["Sudzha"]}) == \
        ["new figure: 24 пострадавших", "new place: Sudzha"]


def test_a_digests_items_about_other_regions_are_left_out_of_a_watchlists_claim():
    from monitor.stories.items import concerning

    regions = {"Сумы": ["UA-59"], "Курск": ["RU-KRS"]}

    def regions_of(text: str) -> list[str]:
        return [code for name, codes in regions.items() if name in text for code in codes]

    digest = "Главное к утру\nВ Сумы прилетели дроны, погибли двое.\nНад Курском сбиты 5 дронов.\nВсего сбито 9."
    assert concerning(digest, ["RU-KRS"], regions_of) == "Главное к утру\nНад Курском сбиты 5 дронов.\nВсего сбито 9."
    assert concerning(digest, ["UA-59"], regions_of) == \
        "Главное к утру\nВ Сумы прилетели дроны, погибли двое.\nВсего сбито 9."
    assert concerning("Над Курском сбиты 5 дронов.\nЖилой дом повреждён.", ["RU-KRS"], regions_of) is None
    assert concerning("Один абзац: в Сумы и Курск прилетели дроны.", ["RU-KRS"], regions_of) is None


def test_named_weapons_are_read_in_three_languages():
    from monitor.stories.claims import claim_of, extract_objects

    assert extract_objects("ВСУ ударили ракетами ATACMS и британскими Storm Shadow") == {"ATACMS", "Storm Shadow"}
    assert extract_objects("Украина выпустила «Сторм Шэдоу»; на Курщину летели «шахеды»") == {"Storm Shadow", "Shahed"}
    assert extract_objects("Сильная буря (storm) над Курском") == set()
    assert claim_of("Удар ракетами HIMARS по Рыльску").objects == {"HIMARS"}
    assert claim_of("Удар ракетами HIMARS по Рыльску.\nПострадавших нет.\nРанее ВСУ применяли ATACMS и Storm Shadow.").objects == {"HIMARS"}


def test_a_day_word_that_dates_the_telling_is_not_the_events_day():
    from datetime import datetime, timezone

    from monitor.stories.claims import extract_when

    published = datetime(2024, 11, 26, 14, tzinfo=timezone.utc)
    told = "Сегодня Министерство обороны России распространило информацию об ударах по Курской области."
    assert extract_when(told, published).offset is None
    assert extract_when("Губернатор сообщил, что сегодня утром обстреляли Суджу.", published).day(published) == \
        "2024-11-26 morning"


def test_an_english_adjective_between_a_number_and_its_noun_keeps_the_figure():
    assert figures("Twelve secondary explosions could be heard at around 2:30 a.m.") == [("explosions", 12)]
    assert figures("Six powerful blasts were heard.") == [("explosions", 6)]
    assert figures("In 30 seconds 2 drones were shot down.") == [("drones shot down", 2)]


def test_a_total_keeps_the_parts_it_names_apart_from_other_values_of_its_unit():
    total, = extract_figures("За ночь уничтожено 34 БПЛА, из них над Курской областью уничтожено 27 дронов.")
    assert (total.value, total.parts) == (34, (27,))
    told, = extract_figures("Выпущено восемь ракет. Он оспорил версию, что было выпущено шесть ракет.")
    assert (told.value, told.also, told.parts) == (8, (6,), ())  # a contradicted figure is no part


def test_the_date_of_a_digests_headline_is_the_digests_not_its_events():
    published = datetime(2024, 11, 26, 16, tzinfo=timezone.utc)
    assert extract_when("Спецоперация. Обстановка и главные события на 26 ноября.", published).day(published) is None
    assert extract_when("Головне за 26 листопада: удари по Курщині", published).day(published) is None
    assert extract_when("Удар по Курской области 23 ноября", published).day(published) == "2024-11-23"


def test_long_range_weapons_and_statements_of_courts_and_responses_are_kinds():
    assert "missile" in claim_of("ВСУ нанесли два удара дальнобойным западным оружием").kinds
    assert "court" in claim_of("Суд в Курске заключил под стражу гражданина Британии").kinds
    assert "court" not in claim_of("Бои у Суджи продолжаются").kinds
    assert "retaliation" in claim_of("Минобороны готовит ответные действия на атаки ВСУ").kinds
    assert "retaliation" in claim_of("Russia vows to retaliate for the strikes").kinds


@pytest.mark.parametrize("text, says_confirmed", [
    ("Американские СМИ подтвердили: ВСУ впервые использовали Storm Shadow", True),
    ("У Генштабі ЗСУ підтвердили удар по арсеналу", True),
    ("Officials confirmed the strike on the airfield", True),
    ("Зеленский не подтвердил, что по складу был нанесен удар", False),
    ("The Pentagon declined to confirm the strike", False),
    ("The claim could not be independently confirmed", False),
])
def test_a_confirmation_is_a_word_of_confirmation_not_negated(text, says_confirmed):
    assert confirmed(text) is says_confirmed


def test_hearsay_unnamed_sources_and_bloggers_tell_an_event_as_unconfirmed():
    assert hedged("Российские военкоры сообщают о применении Storm Shadow")
    assert hedged("ВСУ якобы впервые использовали ATACMS, пишут украинские СМИ")
    assert hedged("Ukraine reportedly fired ATACMS, sources say")
    assert not hedged("Минобороны: ПВО сбила шесть ракет над Брянской областью")


@pytest.mark.parametrize("text, expected", [
    ("Число погибших при обстреле Белгорода возросло с 14 до 18 человек", [("killed", 18)]),
    ("Кількість загиблих зросла з 14 до 18 осіб", [("killed", 18)]),
    ("The death toll rose from 21 to 24 people killed", [("killed", 24)]),
    ("от 5 до 10 ракет", [("missiles", 10)]),
])
def test_a_change_told_with_both_values_is_the_value_it_changed_to(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Число погибших в результате обстрела Белгорода возросло до 24 человек", [("killed", 24)]),
    ("Кількість загиблих внаслідок удару по Дніпру зросла до 4", [("killed", 4)]),
    ("The number of people injured in the attack on the city centre has risen to 111", [("injured", 111)]),
])
def test_a_tolls_count_is_what_its_sentence_counts_however_far_the_word(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize("text", ["Ещё один ребенок скончался в больнице", "Ще двоє поранених померли",
                                  "Two more people died in hospital"])
def test_an_increment_of_a_toll_is_no_figure_of_it(text):
    assert figures(text) == []


def test_a_count_shot_down_grown_by_more_is_an_increment_of_it_once():
    added: list = []
    assert extract_figures("По его данным, еще пять беспилотников сбиты над Брянской областью", added) == []
    assert [(f.unit, f.value) for f in added] == [("drones shot down", 5)]


def test_a_place_where_something_did_not_happen_is_the_few_words_after_the_negation():
    from monitor.stories.items import _NOT_THERE

    assert _NOT_THERE.sub("#", "Удар не был в Курской области.") == "Удар #."
    assert _NOT_THERE.sub("#", "Свет не в полной мере восстановлен в Белгородской области") == \
        "Свет # в Белгородской области"


@pytest.mark.parametrize("text", [
    "Губернатор Смирнов сообщил об атаке дронов на Суджу",
    "Зміни в роботі транспорту в Сумах через обстріл",
    "Є можливості для евакуації мешканців",
    "Talks on mediation between the parties continue",
    "Губернатор сообщил в своём Telegram-канале об атаке на Суджу",
    "Голова ОВА повідомив у Телеграм-каналі про обстріл",
])
def test_a_hedge_is_a_whole_word_and_a_telegram_channel_is_none(text):
    assert not hedged(text)


@pytest.mark.parametrize("text", [
    "Судьба Курчатова: ВСУ атаковали город дронами",
    "Суда Черноморского флота вышли из порта",
    "Trials of the new air defence system continue",
    "Бойцы открыли ответный огонь по позициям ВСУ",
])
def test_fate_ships_trials_and_return_fire_are_no_court_or_response(text):
    assert not claim_of(text).kinds & {"court", "retaliation"}


def test_long_range_drones_are_drones_not_missiles_and_a_head_of_administration_ends_a_text():
    assert claim_of("ЗСУ атакували далекобійні дрони по Курській області").kinds & {"missile"} == set()
    assert "missile" in claim_of("ВСУ нанесли удар дальнобойными ракетами").kinds
    assert claim_of("Обстріл Сум, повідомляє ОВА").actor == "governor"


@pytest.mark.parametrize("text", [
    "Air defences shot down 34 drones overnight, 27 of them over Kursk region.",
    "Сбиты 34 беспилотника, 27 из них над Курской областью.",
    "Збито 34 дрони, 27 з них над Курською областю.",
])
def test_a_part_told_after_its_number_is_a_part_of_the_total(text):
    assert [(f.unit, f.value, f.parts) for f in extract_figures(text)] == [("drones shot down", 34, (27,))]


def test_a_date_after_a_digest_word_that_dates_the_event_is_the_events():
    published = datetime(2024, 8, 7, 9, tzinfo=timezone.utc)
    assert extract_when("По итогам атаки 6 августа пострадали 5 человек", published).day(published) == "2024-08-06"
    assert extract_when("Согласно сводке Минобороны, 6 августа ВСУ атаковали Суджу", published).day(published) \
        == "2024-08-06"
    assert extract_when("Итоги дня 6 августа: обстрелы Курской области", published).day(published) is None


@pytest.mark.parametrize("text, expected", [
    ("Как сообщил источник, 3 человека погибли", [("killed", 3)]),
    ("Взрывы слышны в городе, сообщает источник 112", []),
    ("Про вибухи пише Telegram-канал 112", []),
])
def test_a_number_names_a_source_only_right_after_its_word(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Air defence downed 40 of 50 drones", [("drones shot down", 40), ("drones", 50)]),
    ("Air defence shot down 66 of the 93 drones launched", [("drones shot down", 66), ("drones", 93)]),
    ("ПВО сбила 7 из 8 ракет", [("missiles shot down", 7), ("missiles", 8)]),
])
def test_a_count_of_a_total_is_those_shot_down_and_the_total_is_all_there_were(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("В результате удара по Украине погибли 5 человек в Днепре", [("killed", 5)]),
    ("Массированная атака по всей Украине: в Одессе погибли 5 человек", [("killed", 5)]),
    ("Russian strikes across Ukraine killed 5 people in Odesa", [("killed", 5)]),
    ("Над Курской и другими областями уничтожены 30 беспилотников", [("drones shot down", 30)]),
    ("По всей Украине погибли 5 человек", []),
    ("Над другими областями уничтожены 30 беспилотников", []),
])
def test_a_count_is_the_whole_countrys_or_other_regions_only_when_its_clause_names_them_alone(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize("text, day", [
    ("9 ноября — 10 человек пострадали", "2024-11-09"),
    ("On November 9 - 10 people were injured", "2024-11-09"),
    ("On the night of November 9–10, drones hit the port", "2024-11-10 night"),
])
def test_a_count_after_a_date_is_no_end_of_a_night_range(text, day):
    published = datetime(2024, 11, 11, 9, tzinfo=timezone.utc)
    assert extract_when(text, published).day(published) == day


@pytest.mark.parametrize("text, expected", [
    ("Two dozen drones were shot down", [("drones shot down", 24)]),
    ("Three dozen drones attacked the city", [("drones", 36)]),
    ("Half a dozen drones attacked the city", [("drones", 6)]),
    ("A dozen drones attacked the city", [("drones", 12)]),
])
def test_a_dozen_multiplies_the_number_before_it(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("На месте работают 15 пожарных расчётов", []),
    ("Пожар тушат 40 пожарных", []),
    ("На місці працюють 20 пожежних", []),
    ("В городе вспыхнули 3 пожара", [("fires", 3)]),
    ("Виникли 2 пожежі", [("fires", 2)]),
])
def test_firefighters_are_no_count_of_fires(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Число погибших возросло до 5, пострадали 12 человек", [("killed", 5), ("injured", 12)]),
    ("Кількість загиблих зросла до 5, поранено 12 людей", [("killed", 5), ("injured", 12)]),
    ("Число погибших возросло до 5, среди них 2 человека", [("killed", 5)]),
])
def test_a_count_in_another_clause_of_a_tolls_sentence_counts_its_own_event(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Погибли 2 из 3 пострадавших", [("killed", 2), ("injured", 3)]),
    ("2 из 3 погибших — дети", [("killed", 3)]),
    ("ПВО сбила 5 из 6 ракет", [("missiles shot down", 5), ("missiles", 6)]),
])
def test_a_count_of_people_out_of_a_total_is_not_given_the_totals_noun(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Strike On Odesa Kills 10 As Drones Hit Port", [("killed", 10)]),
    ("13 Kursk residents were evacuated", [("evacuated", 13)]),
    ("Strike Kills 10 In Kyiv Drones Attack", [("killed", 10)]),
])
def test_one_capitalised_name_may_stand_before_a_counts_noun_but_no_headlines_function_word(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize("text, shot_down", [
    ("В Харькове сбиты 5 дронов, ещё 3 дрона упали", []),
    ("В Харькове сбиты 5 дронов, ещё 3 дрона сбиты над Сумами", [("drones shot down", 3)]),
    ("Five drones were shot down, two more drones fell on the city", []),
])
def test_an_increment_is_of_a_count_shot_down_only_when_its_own_clause_says_so(text, shot_down):
    added: list = []
    extract_figures(text, added)
    assert [(f.unit, f.value) for f in added] == shot_down


@pytest.mark.parametrize("text, expected", [
    ("Загинули 5 людей, 47-ма бригада відбила атаку", [("killed", 5, ())]),
    ("Загинули 5 людей, 25-та бригада відбила атаку", [("killed", 5, ())]),
    ("Загинули 5 людей, 1-ша бригада відбила атаку", [("killed", 5, ())]),
    ("Загинули 5 людей, 3-тя бригада відбила атаку", [("killed", 5, ())]),
    ("Удар завдано 5-ма ракетами", [("missiles", 5, ())]),
])
def test_a_ukrainian_ordinal_is_no_count_and_a_case_ending_keeps_the_count(text, expected):
    assert [(f.unit, f.value, f.also) for f in extract_figures(text)] == expected


@pytest.mark.parametrize("text, approximate", [
    ("Пострадали более 120 человек", True),
    ("More than 150 people were injured", True),
    ("Постраждали понад 20 осіб", True),
    ("Пострадали не менее 30 человек", True),
    ("Пострадали 120 человек", False),
])
def test_a_count_told_as_approximate_says_so(text, approximate):
    [figure] = extract_figures(text)
    assert figure.approximate is approximate


@pytest.mark.parametrize("text, court", [
    ("Россия возбудила уголовные дела против журналистов", True),
    ("Следственный комитет возбудил уголовное дело о теракте", True),
    ("Investigators opened a criminal case over the strike", True),
    ("Триває розслідування у кримінальному провадженні", True),
    ("The criminal army of the Russian Federation struck the centre of Odesa", False),
    ("Уголовники из ЧВК атаковали позиции", False),
])
def test_a_criminal_case_is_a_court_matter_but_criminal_as_a_label_is_none(text, court):
    assert ("court" in extract_kinds(text)) is court


@pytest.mark.parametrize("text, outage", [
    ("«Укрэнерго» срочно ввело экстренные отключения света", True),
    ("В Одесі після атаки знеструмлено частину міста", True),
    ("В Курске перебои с электричеством после удара", True),
    ("Emergency power cuts were introduced in the region", True),
    ("Half of the city is without power after the strike", True),
    ("The power plant was not hit, officials said", False),
    ("Отключили сирену после отбоя тревоги в Курске", False),
    ("Это уже перебор, заявил губернатор", False),
    ("Power was cut to 5,000 homes after the strike", True),
    ("Без світла залишились понад 10 тисяч абонентів", True),
    ("Отключение сирен в Курске после отбоя тревоги", False),
    ("В регионе отключение мобильного интернета", False),
    ("На фронте перебои с поставками снарядов", False),
    ("Отключение газа в трёх домах после удара", False),
    ("The region is under a media blackout", False),
])
def test_a_power_outage_is_an_event_of_its_own(text, outage):
    assert ("outage" in extract_kinds(text)) is outage


def test_airports_and_airfields_are_named_alike_in_each_language_and_case():
    assert set(extract_facilities("В аэропорту Шереметьево ввели план «Ковёр»")) == {"wrmtv"}
    assert set(extract_facilities("Moscow's Sheremetyevo airport suspended flights")) == {"wrmtv"}
    assert set(extract_facilities("В аэропортах «Внуково», «Домодедово» и Жуковский задержаны рейсы")) == {"vnkv", "dmdv", "jkvsk"}
    assert set(extract_facilities("Одна ракета попала в пустой аэродром \"Халино\"")) == {"xln"}
    assert set(extract_facilities("Рейси в аеропорту Бориспіль скасовано")) == {"brspl"}
    assert set(extract_facilities("Boryspil airport")) == {"brspl"}
    assert extract_facilities("Drones hit a Moscow Oblast airfield; two airports closed") == {}
    assert extract_facilities("В аэропортах «Внуково» и «Домодедово» объявлен план")["vnkv"] == "Внуково"


@pytest.mark.parametrize("one, other", [
    ("Аеродром Миргород атаковано", "Drones hit Myrhorod airfield"),
    ("Бои за аэродром Гостомель", "Fighting for Hostomel airport"),
    ("Удар по аеродрому Чугуїв", "A strike on Chuhuiv airfield"),
    ("Ограничения в аэропорту Шереметьево", "Restrictions at Sheremetyevo airport"),
    ("Ограничения в аэропорту Уфа", "Restrictions at Ufa airport"),
    ("В аэропорту Белгород закрыто небо", "Над аэропортом Белгородом сбит дрон"),
])
def test_one_airport_has_one_key_in_every_language_and_case(one, other):
    assert set(extract_facilities(one)) == set(extract_facilities(other)) != set()


@pytest.mark.parametrize("one, other", [
    ("Ограничения в аэропорту Краснодар", "Ограничения в аэропорту Красноярск"),
    ("Ограничения в аэропорту Белгород", "Ограничения в аэропорту Белогорск"),
    ("Ограничения в аэропорту Нижнекамск", "Ограничения в аэропорту Нижнего Новгорода"),
])
def test_two_airports_have_two_keys(one, other):
    assert set(extract_facilities(one)).isdisjoint(extract_facilities(other))


@pytest.mark.parametrize("text, names", [
    ("Ukraine Strikes Airfield In Kursk Region", {}),
    ("Authorities closed the airport Sunday after the attack", {}),
    ("The airfield Ukraine struck overnight was empty", {}),
    ("Дрон атаковал объект рядом с аэродромом Минобороны", {}),
    ("Ограничения сняты в аэропорту Внуково, Собянин сообщил об отражении атаки", {"vnkv": "Внуково"}),
    ("Flights at Boryspil International Airport resumed", {"brspl": "Boryspil"}),
    ("Обломки дрона упали у аэропорта в Курске", {"krsk": "Курске"}),
    ("Удар по аэродрому в Курской области", {}),
    ("ATACMS hit an airfield in Russia’s Kursk region", {}),
])
def test_only_names_are_read_as_airports(text, names):
    assert extract_facilities(text) == names


@pytest.mark.parametrize("text, denies", [
    ("Украинские СМИ сами же себя опровергли, опубликовав видео", True),
    ("Генштаб ЗСУ спростував заяву про удар по лікарні", True),
    ("The ministry denied that civilians were targeted", True),
    ("ЦПД спростовує фейк про удар по Сумах", True),
    ("Інформацію про удар по лікарні спростовано", True),
    ("Рост спросов на генераторы после ударов", False),
    ("В Минобороны не опровергли сообщения об ударе", False),
    ("Ракета попала в жилой дом, погибли 8 человек", False),
    ("Удар отрицательно сказался на энергоснабжении Курска", False),
    ("В Минобороны не смогли ни подтвердить, ни опровергнуть сообщения об ударе", False),
    ("Подтвердить или опровергнуть эту информацию пока не удалось", False),
    ("Опровергнуть эти сведения в штабе не удалось", False),
    ("The strike was neither confirmed nor denied by the ministry", False),
    ("Officials could not confirm or deny the reports", False),
    ("Residents were denied access to the site", False),
    ("Access to the site was denied", False),
    ("\"Опровергли\" — пишут блогеры об ударе по Судже", False),
    ("Минобороны опровергло удар по Судже", True),
])
def test_a_denial_is_read_unless_negated(text, denies):
    assert claim_of(text).denies is denies


def test_a_later_count_told_as_risen_is_the_posts_latest_value_of_its_unit():
    risen = extract_figures("Вже 10 загиблих та понад 40 поранених. Оновлено: кількість поранених зросла до 47 людей.")
    assert [(f.unit, f.value, f.also) for f in risen] == [("killed", 10, ()), ("injured", 47, (40,))]
    assert [(f.unit, f.value) for f in extract_figures("20 people were injured. Later the number of injured rose to 25")] == [("injured", 25)]
    # a smaller value told beside it stays a part, and a second count without a word of rising stays another
    assert [(f.unit, f.value, f.also) for f in extract_figures("Ранены 20 человек. В Курске ранены 25 человек")] == \
        [("injured", 20, (25,))]
    # a total since a longer time told as risen is no later value of the post's own count
    assert [(f.unit, f.value, f.also) for f in extract_figures(
        "В Курске ранены 5 человек. Всего с начала года число раненых в области выросло до 300.")] == [("injured", 5, (300,))]
    assert [(f.unit, f.value, f.also) for f in extract_figures(
        "A drone strike injured 12 people. Since the start of the invasion the number of injured has risen to 1,200.")] \
        == [("injured", 12, (1200,))]
    assert [(f.unit, f.value, f.also) for f in extract_figures(
        "У Сумах поранені 4 людини. Від початку року кількість поранених зросла до 150.")] == [("injured", 4, (150,))]


@pytest.mark.parametrize("text, fire", [
    ("Ukraine fires long-range Storm Shadow missiles into Russia", True),
    ("Ukraine fires UK Storm Shadow missiles for the first time", True),
    ("The convoy came under fire near Sudzha", True),
    ("Fire control systems were destroyed", True),
    ("Debris hit a building and a fire broke out in Kursk", False),
    ("Drones hit the houses, causing fires, destruction and injuries", False),
    ("В Курске после удара начался пожар", False),
    ("Fire in Ukraine's Odesa after drone strike", False),
    ("Fire at Ukrainian energy facility after attack", False),
    ("Huge fire in western Lviv after Russian strike", False),
    ("Fire crews used foam to put out the blaze", False),
    ("Fire at drone depot in Kursk region", False),
    ("The fire burned long into the night", False),
    ("Fires broke out after the drone attack", False),
    ("Russia fires ballistic missiles at Kyiv", True),
    ("Fires at two substations after the attack", False),
    ("Massive fires on the outskirts of Kursk", False),
])
def test_fire_as_shooting_is_no_blaze(text, fire):
    assert ("fire" not in extract_kinds(text)) is fire


@pytest.mark.parametrize("text", ["24 июня объявлено в Севастополе Днем траура", "В Одесі оголошено день жалоби",
                                  "Sevastopol declared a day of mourning"])
def test_a_day_of_mourning_is_an_event_kind(text):
    assert "mourning" in extract_kinds(text)


@pytest.mark.parametrize("text, mourning", [
    ("В Курске объявлен трёхдневный траур", True),
    ("Траур в области объявлен до пятницы", True),
    ("У місті жалобу оголошено на 2 і 3 листопада", True),
    ("Ukraine's Odesa declares two days of mourning", True),
    ("Kursk declared national mourning", True),
    ("Mourning relatives gathered at the site", False),
    ("В Курске прошёл траурный митинг", False),
    ("Мешканці подали жалобу до суду", False),
    ("Жалоби мешканців на відключення води", False),
])
def test_mourning_is_a_day_of_it_declared_not_any_word_of_grief(text, mourning):
    assert ("mourning" in extract_kinds(text)) is mourning


def test_points_opened_for_residents_without_power_are_counted():
    assert [(f.unit, f.value) for f in extract_figures("Kiper noted that 445 resilience points have been deployed")] == \
        [("aid points", 445)]
    assert [(f.unit, f.value) for f in extract_figures("В області розгорнуто 674 пункти незламності")] == [("aid points", 674)]


@pytest.mark.parametrize("text, regime", [
    ("В Курской области ввели режим КТО", True),
    ("На территории области введён режим контртеррористической операции", True),
    ("A counter-terrorism regime was declared in Kursk region", True),
    ("Кто стоит за атакой на Курск, пока неизвестно", False),
    ("В Курской области сохраняется режим, кто бы что ни говорил", False),
    ("Ввели режим. Кто ответит за ущерб?", False),
    ("Область живёт в режиме КТО третий день", True),
    ("Белгород остаётся под режимом КТО", True),
    ("The counter-terrorism center of the SBU said the suspect was detained", False),
    ("Russia's counterterrorism committee said the attack was repelled", False),
    ("Russia announced a counter-terrorism operation in Kursk region", True),
])
def test_a_counter_terrorism_regime_is_an_event_kind_and_who_is_none(text, regime):
    assert ("counter-terrorism" in extract_kinds(text)) is regime
