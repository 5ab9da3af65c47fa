"""Stories and alert decisions: one alert per claim, another when figures change; never for a repeat."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from monitor.config import load_config
from monitor.pipeline import Pipeline
from monitor.storage import Archive, Post
from monitor.stories.claims import extract_figures, extract_kinds, minhash, shingles, similarities, to_blob

from .conftest import EXAMPLES, invoke, write_config


def test_figures_are_counts_with_their_nouns_not_dates_or_times():
    text = "В 08.00 6 августа до 300 военнослужащих при поддержке 11 танков атаковали, пострадали 5 мирных жителей."
    assert [(f.unit, f.value) for f in extract_figures(text)] == [("soldiers", 300), ("tanks", 11), ("injured", 5)]
    assert [(f.unit, f.value) for f in extract_figures("24 people injured, including 6 children, on August 7")] == \
        [("injured", 24), ("children", 6)]
    assert [(f.unit, f.value) for f in extract_figures("постраждали 24 людини, серед них 6 дітей")] == \
        [("injured", 24), ("children", 6)]
    assert extract_figures("Курс доллара превысил 87 рублей в 2024 году, 12:30") == []


def test_a_tolls_noun_ages_and_the_next_numbers_words_do_not_give_a_count_its_unit():
    # the toll's own noun, not the weapon named between it and the number
    assert figure_pairs("Число погибших в результате ракетного удара по Одессе выросло до 11") == [("killed", 11)]
    assert figure_pairs("Число пострадавших от ракетного удара возросло до 39 человек") == [("injured", 39)]
    assert figure_pairs("The death toll from the missile strike rose to 12") == [("killed", 12)]
    # the words after a comma or after the next number belong to the next count
    assert figure_pairs("Russian missile attack on Odesa kills 10, injures 55") == [("killed", 10), ("injured", 55)]
    assert figure_pairs("Число погибших возросло до 3 — 2 ребенка и взрослый.") == [("killed", 3), ("children", 2)]
    # «ещё» after another count lists more victims: a toll of its own, not an increment
    added: list = []
    assert [(f.unit, f.value) for f in extract_figures("Число погибших увеличилось до 10. Еще 43 человека пострадали", added)] \
        == [("killed", 10), ("injured", 43)] and added == []
    # flights held or diverted and fires started are counts a desk follows
    assert figure_pairs("Семь рейсов задержаны на прилёт, at least 366 flights were diverted") == [("flights", 7)]
    assert figure_pairs("В результате атаки возникло 7 пожаров") == [("fires", 7)]
    # an age is no count
    assert figure_pairs("Среди погибших детей – 9-летняя дочь чиновника") == []
    assert figure_pairs("52-летняя женщина попала в реанимацию, a 7-year-old boy was injured") == [("injured", 1)]  # one boy


def figure_pairs(text: str) -> list[tuple[str, int]]:
    return [(f.unit, f.value) for f in extract_figures(text)]


def test_a_first_count_of_one_toll_told_with_another_after_a_count_of_another_toll_is_no_increment():
    # «ещё»/"another" after a count of the dead adds the injured, it does not add to a toll already told
    increments: list = []
    figures = extract_figures("Кипер сообщает о 8 погибших, еще 18 человек ранены. Среди пострадавших 1 ребенок, "
                              "4 человека в тяжелом состоянии", increments)
    assert [(f.unit, f.value) for f in figures][:2] == [("killed", 8), ("injured", 18)] and increments == []
    assert figure_pairs("4 people were killed. In addition, another 153 people were injured") == \
        [("killed", 4), ("injured", 153)]
    increments = []
    assert figure_pairs("На Одессу погибла женщина, еще 2 человека ранены") == [("killed", 1), ("injured", 2)]
    extract_figures("На Одессу погибла женщина, еще 2 человека ранены", increments)
    assert increments == []
    # a count added to a toll already told is still an increment, and so is one added to a count shot down
    increments = []
    assert figure_pairs("Погибли 5 человек. Ещё одна женщина умерла в реанимации") == [("killed", 5)]
    extract_figures("Погибли 5 человек. Ещё одна женщина умерла в реанимации", increments)
    assert [(f.unit, f.value) for f in increments] == [("killed", 1)]
    increments = []
    assert figure_pairs("Сбиты 4 беспилотника. UPD: Ещё восемь беспилотников сбиты") == [("drones shot down", 4)]
    extract_figures("Сбиты 4 беспилотника. UPD: Ещё восемь беспилотников сбиты", increments)
    assert [(f.unit, f.value) for f in increments] == [("drones shot down", 8)]
    increments = []
    assert figure_pairs("Погибли 5 человек. Ещё двое погибших найдены под завалами") == [("killed", 5)]
    extract_figures("Погибли 5 человек. Ещё двое погибших найдены под завалами", increments)
    assert [(f.unit, f.value) for f in increments] == [("killed", 2)]


def test_an_event_word_after_a_count_and_its_auxiliaries_names_what_it_counts():
    assert figure_pairs("Russian authorities said six people died and over 100 were wounded") == \
        [("killed", 6), ("injured", 100)]
    assert figure_pairs("4 people, including 2 children, were killed, 151 others were hurt") == \
        [("people", 4), ("children", 2), ("injured", 151)]
    assert figure_pairs("погибли 12 мирных жителей, 121 человек получили ранения") == [("killed", 12), ("injured", 121)]
    assert figure_pairs("Станом на ранок 55 людей отримали поранення") == [("injured", 55)]
    assert figure_pairs("1 жінка загинула, the strike was killing at least 10 civilians") == [("killed", 1)]


def test_a_count_of_people_in_a_tolls_sentence_is_never_a_count_of_the_weapons_it_names():
    assert figure_pairs("Число жертв в результате ракетной атаки на Севастополь возросло до 5 человек") == [("killed", 5)]
    assert figure_pairs("Число пострадавших при ракетной атаке возросло до 39 человек") == [("injured", 39)]


def test_victims_are_the_dead_and_one_of_a_group_is_no_count_of_its_own():
    assert figure_pairs("Жертвами атаки стали 4 человека") == [("killed", 4)]
    assert figure_pairs("Кількість жертв удару по Одесі зросла – у лікарні помер 1 з поранених. Загалом загинули 11 людей") \
        == [("killed", 11)]
    assert figure_pairs("18 injured. 4 of the wounded are in critical condition") == [("injured", 18)]


def test_lives_taken_are_a_count_of_the_dead_in_three_languages():
    assert figure_pairs("Загалом російський удар 18 листопада забрав життя 11 людей.") == [("killed", 11)]
    assert figure_pairs("Удар унёс жизни двух человек, ещё пятеро ранены.") == [("killed", 2), ("injured", 5)]
    assert figure_pairs("The strike claimed the lives of 11 people.") == [("killed", 11)]
    assert figure_pairs("Врачи боролись за жизнь 3 человек.") == [("people", 3)]


def test_those_still_in_hospital_are_a_count_of_their_own_not_the_injured_or_the_hospitalised():
    assert figure_pairs("Пострадали 153 человека. В больницах остаются 77 пострадавших.") \
        == [("injured", 153), ("in hospital", 77)]
    assert figure_pairs("As of this morning, 23 patients remain in Sevastopol hospitals.") == [("in hospital", 23)]
    assert figure_pairs("У лікарнях залишаються 30 людей, 82 госпіталізовано.") == [("in hospital", 30), ("hospitalised", 82)]
    assert figure_pairs("30 people were hospitalized.") == [("hospitalised", 30)]


def test_a_total_others_stay_in_hospital_of_and_a_count_far_from_the_verb_of_staying_are_not_in_hospital():
    assert figure_pairs("Из 12 пострадавших 8 остаются в больнице.") == [("injured", 12), ("in hospital", 8)]
    assert figure_pairs("Remaining 3 injured were treated at a hospital.") == [("injured", 3)]
    assert figure_pairs("2 people were injured and are still in hospital.") == [("injured", 2)]


def test_people_of_a_toll_named_not_counted_are_counted_in_three_languages():
    assert figure_pairs("В результате погибли водитель и фельдшер, врач получил ранения.") == [("killed", 2)]
    assert figure_pairs("Загинули водій та фельдшер.") == [("killed", 2)]
    assert figure_pairs("Погибла женщина, ранены двое детей.") == [("killed", 1), ("children", 2)]
    assert figure_pairs("Two girls and an adult died.") == [("killed", 3)]
    assert figure_pairs("A driver and a paramedic were killed.") == [("killed", 2)]
    # a count already, or people named without their number: nothing more
    assert figure_pairs("Two children injured by the attack are in serious condition.") == [("children", 2)]
    assert figure_pairs("Doctors fight for the lives of adults and children injured in the attack.") == []


def test_a_count_of_a_toll_in_the_sentence_naming_people_of_it_is_the_toll():
    assert figure_pairs("Пострадал полицейский, ранены 3 человека.") == [("injured", 3)]
    assert figure_pairs("A woman and a man were injured, 10 people in total were hurt.") == [("injured", 10)]
    assert figure_pairs("Погибла женщина, ранены 2 человека.") == [("killed", 1), ("injured", 2)]  # another toll


def test_people_of_a_toll_named_before_its_verb_and_lives_taken_in_english():
    assert figure_pairs("Водитель и пассажир погибли на месте.") == [("killed", 2)]
    assert figure_pairs("Мужчина и женщина ранены.") == [("injured", 2)]
    assert figure_pairs("Поранено жінку та дитину.") == [("injured", 2)]
    assert figure_pairs("Ранены двое мужчин и женщина.") == [("injured", 3)]
    assert figure_pairs("The war has claimed the lives of more than 10,000 civilians.") == [("killed", 10000)]
    assert figure_pairs("The attack claimed 5 lives.") == [("killed", 5)]


def test_people_named_in_a_toll_are_told_in_the_posts_words_and_beside_its_count_are_no_change(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "В Курске при ракетном ударе ранены два человека, сообщил губернатор."),
        ("c", 60, "При ракетном ударе по Курску пострадал полицейский, ранены два человека."),
        ("d", 90, "При ракетном ударе по Курску погибли водитель и пассажир."),
    ])
    assert [d for d, _ in made] == ["new", "repeat", "update"]
    assert "new figure: водитель и пассажир (killed)" in made[2][1]


def test_ages_ordinals_and_a_sources_number_are_no_counts():
    assert figure_pairs("39 человек пострадали, среди них четыре ребенка в возрасте 7, 10 и 11 лет") == \
        [("injured", 39), ("children", 4)]
    assert figure_pairs("A total of 39 people were injured, including 4 children aged 7 and 10") == \
        [("injured", 39), ("children", 4)]
    assert figure_pairs("погибли 5 человек, еще 9 получили ранения – источник 112") == [("killed", 5), ("injured", 9)]
    assert figure_pairs("Погибшим при взрыве оказался командир 41-й бригады") == []


def test_areas_in_square_metres_feet_or_miles_are_no_square_kilometres():
    assert figure_pairs("a forest fire of over 150 square meters (1,600 square feet)") == []
    assert figure_pairs("горить лісова територія площею 150 квадратних метрів") == []
    assert [(f.unit, f.value, f.also) for f in extract_figures("control of 1,000 square kilometers (386 square miles)")] \
        == [("square km", 1000, ())]


def test_a_childrens_building_is_no_count_of_children_and_units_of_vehicles_count_vehicles():
    assert figure_pairs("Незначительно повреждены 2 детских сада, банк, почта") == []
    assert figure_pairs("потеряли 315 человек, включая 100 убитых, а также 54 единицы бронетехники") == \
        [("people", 315), ("killed", 100), ("armoured vehicles", 54)]


def test_a_shoot_down_word_in_the_counts_clause_or_before_its_noun_makes_it_a_count_shot_down():
    assert figure_pairs("Минобороны России заявило о 23 сбитых украинских дронах") == [("drones shot down", 23)]
    assert figure_pairs("силы ПВО уничтожили над Курской областью 27 украинских беспилотников") == \
        [("drones shot down", 27)]
    assert figure_pairs("ВСУ выпустили 75 дронов по 7 регионам, ПВО работала") == [("drones", 75)]


def test_a_count_out_of_a_total_counts_the_totals_noun_and_the_total_is_not_shot_down():
    assert figure_pairs("Восемь ракет были выпущены. Семь из восьми ракет были сбиты") == \
        [("missiles", 8), ("missiles shot down", 7)]
    assert figure_pairs("Russia had only intercepted two out of the eight total missiles") == \
        [("missiles shot down", 2), ("missiles", 8)]


def test_a_count_of_other_regions_or_the_whole_country_is_not_the_posts_own_and_a_range_reads_to_its_upper_end():
    assert figure_pairs("Russia's defense ministry reported that an additional 36 Ukrainian drones were shot down in "
                        "other western regions. Ukraine sent at least 34 drones toward Moscow") == [("drones", 34)]
    assert figure_pairs("в Подмосковье сбито два дрона, вместе с другими регионами — 42") == [("drones shot down", 2)]
    assert figure_pairs("Під Одесою загинули 2 людей. Росія вдарила по нашій країні 120 ракетами і 90 безпілотниками") \
        == [("killed", 2)]
    assert [(f.unit, f.value, f.also) for f in extract_figures("транспортування до Москви 15-20 постраждалих")] == \
        [("injured", 20, (15,))]


def test_a_capitalised_name_between_a_count_and_its_noun_leaves_the_noun_its_own():
    assert figure_pairs("Ukrainian Attack Leaves 13 Kursk Residents Injured, 2 of Them Seriously") == [("injured", 13)]


def test_an_event_word_before_a_contrast_does_not_name_what_the_count_after_it_counts():
    assert figure_pairs("4 постраждалих було госпіталізовано до медичних закладів, а 3 отримали допомогу на місці") \
        == [("injured", 4)]


def test_ukrainian_collective_and_genitive_numerals_and_a_dozen_are_read_as_counts():
    assert figure_pairs("Дев’ятеро поранених, серед них дванадцятеро дітей") == [("injured", 9), ("children", 12)]
    assert figure_pairs("атакували понад двадцяти п’яти дронів і тридцяти ракет") == [("drones", 25), ("missiles", 30)]
    assert figure_pairs("a dozen drones were shot down") == [("drones shot down", 12)]


def test_event_kinds_are_recognised_in_three_languages():
    assert extract_kinds("обстрел Суджи") == extract_kinds("обстріл Суджі") == extract_kinds("shelling of Sudzha") == {"shelling"}
    assert "emergency" in extract_kinds("введён режим ЧС") and "emergency" in extract_kinds("state of emergency")
    assert "evacuation" in extract_kinds("евакуація мешканців") and "drone" in extract_kinds("атака БПЛА")


# Signatures made by datasketch 2.0's MinHash (scheme "affine32", the project's seed), which
# earlier versions used and whose values are stored in archives: the first eight values and
# the sum of all 64.
STORED_SIGNATURES = {
    "Противник обстрелял Суджу: пострадали 5 человек, повреждены 3 домов.": (
        [622413349, 741694101, 348931192, 234659786, 56452565, 868161166, 14465658, 890743302], 41200318665),
    "Shelling of Sumy injured 4 people and damaged 2 houses, officials said.": (
        [319155800, 1636296314, 54777184, 698744012, 229822042, 1637669387, 718689081, 463742103], 29607735722),
}


def test_a_bombardment_in_english_is_any_attack_not_a_strike_by_bombs():
    assert extract_kinds("The bombardment caused fires in three houses.") == {"shelling", "fire"}
    assert "bombing" in extract_kinds("Russian aircraft dropped guided bombs on Kharkiv.")
    assert extract_kinds("A Bombardier aircraft landed in Kursk.") == set()  # a maker's name


def test_signatures_stay_those_stored_by_earlier_versions():
    for text, (first, total) in STORED_SIGNATURES.items():
        for _ in range(2):  # the second time from the cache of shingle hashes
            signature = minhash(shingles(text))
            assert signature.tolist()[:8] == first
            assert int(signature.sum()) == total
    ru, en = (minhash(shingles(t)) for t in STORED_SIGNATURES)
    same_words = minhash(shingles("Противник обстрелял Суджу: пострадали 7 человек, повреждены 9 домов."))
    assert similarities(ru, [to_blob(same_words), to_blob(en)]).tolist()[0] == 1.0  # figures are not words
    assert similarities(ru, [to_blob(en)])[0] < 0.2
    assert minhash(set()) is None


def test_a_forward_is_a_repeat_and_an_edit_that_changes_a_figure_is_an_update(tmp_path):
    config = load_config(write_config(tmp_path, '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\n'))
    t0 = datetime(2024, 8, 6, 9, tzinfo=timezone.utc)
    original = Post(source="telegram", channel="1", message_id=10, date=t0, channel_title="Губернатор",
                    text="Противник обстрелял Суджу, пострадали 5 человек.")
    forward = Post(source="telegram", channel="2", message_id=77, date=t0.replace(hour=10), channel_title="Блог",
                   text="Противник обстрелял Суджу, пострадали 5 человек.", fwd_from_channel="1", fwd_from_id=10)
    edited = Post(source="telegram", channel="1", message_id=10, date=t0, channel_title="Губернатор",
                  text="Противник обстрелял Суджу, пострадали 7 человек.", edit_date=t0.replace(hour=11))
    with Archive(config.storage.path) as archive:
        pipeline = Pipeline(archive, config)
        pipeline.ingest([original])
        pipeline.ingest([forward])
        pipeline.ingest([edited])
        alerts = list(archive.conn.execute("SELECT kind, reason FROM alerts ORDER BY id"))
        repeat = archive.conn.execute("SELECT decision, reason FROM story_posts WHERE post_id = 2").fetchone()
        story = archive.conn.execute("SELECT sources, figures FROM stories").fetchone()
    assert [a[0] for a in alerts] == ["new", "update"]
    assert "new figure: 7 человек (injured) (was 5)" in alerts[1][1]
    # a forward's reason names the claim frame it carries, as every other decision's does
    assert repeat == ("repeat", "forward of Губернатор/10: event casualties, shelling; place Sudzha; figures injured 5")
    assert story[0] == 2 and json.loads(story[1]) == {"injured": [5, 7]}


def test_forwards_are_found_by_channel_id_or_username_whatever_their_age(tmp_path):
    # the original is days older than the window: only the forward rule can join its story
    config = load_config(write_config(tmp_path, '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\n'))
    t0 = datetime(2024, 8, 6, 9, tzinfo=timezone.utc)
    original = Post(source="telegram", channel="1001", channel_username="Kursk_Gov", message_id=10, date=t0,
                    text="Противник обстрелял Суджу, пострадали 5 человек.")
    by_username = Post(source="webpreview", channel="blogger", message_id=3, date=t0.replace(day=11),
                       text="Срочно: враг бьёт по Судже", fwd_from_channel="kursk_gov", fwd_from_id=10)
    by_id = Post(source="telegram", channel="2002", message_id=4, date=t0.replace(day=12),
                 text="Суджа под огнём, есть раненые", fwd_from_channel="1001", fwd_from_id=10)
    unknown = Post(source="telegram", channel="2002", message_id=5, date=t0.replace(day=12, hour=10),
                   text="Суджа: снова прилёты", fwd_from_channel="1001", fwd_from_id=999)
    with Archive(config.storage.path) as archive:
        Pipeline(archive, config).ingest([original])
        Pipeline(archive, config).ingest([by_username])  # a fresh detector: nothing in memory
        pipeline = Pipeline(archive, config)
        pipeline.ingest([by_id])
        pipeline.ingest([unknown])
        rows = archive.conn.execute("SELECT post_id, story_id, decision, reason FROM story_posts ORDER BY post_id").fetchall()
    assert [r[1] for r in rows] == [1, 1, 1, 2]
    assert rows[1][2:] == ("repeat", "forward of Kursk_Gov/10: place Sudzha")
    assert rows[2][2:] == ("repeat", "forward of Kursk_Gov/10: event casualties; place Sudzha")
    assert rows[3][2] == "new"


def story_tables(path: Path) -> dict[str, list[tuple]]:
    with Archive(path) as archive:
        return {table: archive.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3").fetchall()
                for table in ("stories", "story_posts", "story_keys", "alerts", "deliveries")}


def test_imports_build_stories_without_alerts_and_replay_shows_what_would_be_raised(tmp_path, config_path):
    exports = [str(p) for p in sorted(EXAMPLES.glob("*/result.json"))]
    assert invoke("import", *exports, config=config_path).returncode == 0
    listed = invoke("stories", "--json", config=config_path)
    stories = [json.loads(line) for line in listed.stdout.splitlines()]
    assert stories and all(s["watchlist"] == "kursk" for s in stories)
    biggest = max(stories, key=lambda s: s["sources"])
    assert biggest["sources"] >= 4 and set(biggest["languages"]) == {"ru", "uk", "en"}
    before = story_tables(tmp_path / "archive.db")
    replayed = invoke("replay", "--dry-run", "--json", "--watchlist", "kursk", config=config_path)
    assert replayed.returncode == 0, replayed.stderr
    assert story_tables(tmp_path / "archive.db") == before  # a dry run changes nothing stored
    alerts = [json.loads(line) for line in replayed.stdout.splitlines()]
    assert alerts[0]["kind"] == "new" and alerts[0]["message_id"] == 2101
    for key in ("kind", "watchlist", "story_id", "source", "channel", "message_id", "url", "date", "regions", "keywords", "reason"):
        assert key in alerts[0]
    # the governor's toll two days on (31 injured): past the day a story spans, it alerts as a claim of its own
    assert any("injured 31" in a["reason"] and a["message_id"] == 2107 for a in alerts)
    assert not any(a["message_id"] in (501, 9001, 301) for a in alerts)  # forward and translations of the claim
    status = invoke("alerts", "--json", config=config_path)
    assert status.stdout.strip() == ""  # imports never alert
    timeline = invoke("story", str(biggest["id"]), config=config_path)
    assert timeline.returncode == 0
    assert "forward of" in timeline.stdout or "repeat of" in timeline.stdout


def test_replay_needs_dry_run_and_a_known_watchlist(tmp_path, config_path):
    assert invoke("replay", config=config_path).returncode == 2
    result = invoke("replay", "--dry-run", "--watchlist", "nope", config=config_path)
    assert result.returncode == 2 and 'no watchlist "nope"' in result.stderr


def test_replay_forgets_the_posts_of_a_story_once_they_leave_the_window(tmp_path):
    from datetime import timedelta

    from monitor.matching import matcher_for
    from monitor.storage import iso
    from monitor.storage.schema_stories import create_story_tables
    from monitor.stories.detector import StoryDetector

    config = load_config(write_config(tmp_path, '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\n'))
    t0 = datetime(2024, 8, 6, 9, tzinfo=timezone.utc)
    text = "Противник снова обстрелял Суджу и Теткино, жителей просят оставаться в укрытиях до отбоя тревоги."
    posts = [Post(source="telegram", channel="1", message_id=i, date=t0 + timedelta(hours=2 * i), text=text, lang="ru")
             for i in range(10)]
    with Archive(config.storage.path) as archive:
        stored = archive.store_posts(posts)
        conn = archive.conn
        conn.execute("ATTACH DATABASE ':memory:' AS replay")
        create_story_tables(conn, "replay")
        detector = StoryDetector(conn, window_hours=72, schema="replay")
        matcher = matcher_for(config)
        for s in stored:
            row = {"id": s.id, "source": "telegram", "channel": "1", "message_id": s.post.message_id,
                   "date": iso(s.post.date), "text": text, "translation": None, "lang": "ru"}
            decisions = detector.process(row, matcher.match(text, lang="ru").watchlists)
        assert [d.kind for d in decisions] == ["repeat"]  # one story, repeated every two hours
        before = iso(posts[-1].date - timedelta(hours=6))
        detector.prune(before)
        kept = [r[0] for r in conn.execute("SELECT date FROM replay.story_posts ORDER BY date")]
        assert kept and all(date >= before for date in kept)
        assert len(kept) == 4  # hours 12 to 18
        assert conn.execute("SELECT count(*) FROM replay.stories").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM replay.story_keys WHERE date < ?", (before,)).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM replay.story_bands WHERE date < ?", (before,)).fetchone()[0] == 0


def test_an_import_builds_stories_in_the_order_things_happened_across_its_channels(tmp_path, config_path):
    def message(i, unix, text):
        return {"id": i, "type": "message", "date": "2024-08-06T10:00:00", "date_unixtime": str(unix), "text": text}

    claim = "Противник обстрелял Суджу: пострадали 5 человек, повреждены 3 дома. Жителей просят оставаться в укрытиях."
    export = {"chats": {"list": [
        # the blogger's repost comes first in the file (with more than a batch of later posts),
        # five minutes after the governor's post
        {"name": "Блог", "type": "public_channel", "id": 11, "messages": [message(1, 1722938700, claim)] + [
            message(i, 1722940000 + 60 * i, f"Прогноз погоды на завтра, выпуск {i}.") for i in range(2, 602)]},
        {"name": "Губернатор", "type": "public_channel", "id": 22, "messages": [message(7, 1722938400, claim)]},
    ]}}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    assert invoke("import", str(path), config=config_path).returncode == 0
    with Archive(tmp_path / "archive.db") as archive:
        rows = archive.conn.execute(
            "SELECT p.channel_title, sp.decision FROM story_posts sp JOIN posts p ON p.id = sp.post_id ORDER BY sp.date"
        ).fetchall()
        first = archive.conn.execute(
            "SELECT p.channel_title FROM stories s JOIN posts p ON p.id = s.first_post_id").fetchall()
    assert rows == [("Губернатор", "new"), ("Блог", "repeat")]
    assert first == [("Губернатор",)]


# -- one alert per claim across languages (each a failure seen on real streams) ---------------------

KURSK = '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nrecipients = ["desk@example.org"]\n'
BELGOROD = '[[watchlist]]\nname = "belgorod"\nregions = ["RU-BEL"]\nrecipients = ["desk@example.org"]\n'


def stream(tmp_path: Path, posts: list[tuple[str, str, str]], *, toml: str = KURSK) -> list[tuple[str, str]]:
    """Each (channel, minutes after 06:00, text) ingested live, one at a time; the decisions made."""
    from datetime import timedelta

    tmp_path.mkdir(parents=True, exist_ok=True)
    config = load_config(write_config(tmp_path, toml))
    t0 = datetime(2024, 8, 7, 6, tzinfo=timezone.utc)
    with Archive(config.storage.path) as archive:
        pipeline = Pipeline(archive, config, clock=lambda: t0)
        for i, (channel, minutes, text) in enumerate(posts, 1):
            pipeline.ingest([Post(source="telegram", channel=channel, message_id=i, channel_title=channel,
                                  date=t0 + timedelta(minutes=float(minutes)), text=text)])
        return archive.conn.execute("SELECT decision, reason FROM story_posts ORDER BY post_id").fetchall()


def test_retellings_in_ukrainian_and_english_of_a_russian_count_are_repeats(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "Из Суджи эвакуировано более 200 человек, сообщил губернатор Курской области."),
        ("ua", 40, "З Суджі евакуйовано понад 200 осіб, повідомив губернатор Курської області."),
        ("wire", 90, "More than 200 people were evacuated from Sudzha, the Kursk regional governor said."),
    ])
    assert [d for d, _ in made] == ["new", "repeat", "repeat"]
    assert "figures evacuated 200" in made[2][1]


def test_a_generic_count_of_people_is_the_same_figure_as_the_soldiers_it_counts(tmp_path):
    made = stream(tmp_path, [
        ("mod", 0, "До 300 военнослужащих ВСУ при поддержке 11 танков атаковали позиции у Суджи."),
        ("blog", 30, "До 300 человек и 11 танков: ВСУ атаковали позиции у Суджи, сообщает Минобороны."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]


def test_naming_the_town_of_a_district_the_story_names_is_not_a_new_place(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "Противник обстрелял Суджанский район, пострадали 3 человека."),
        ("blog", 20, "Обстрел Суджи: пострадали 3 человека."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]
    (tmp_path / "bel").mkdir()
    made = stream(tmp_path / "bel", [
        ("gov", 0, "ВСУ обстреляли Краснояружский район, ранены 2 мирных жителя."),
        ("blog", 20, "Красная Яруга под обстрелом: ранены 2 мирных жителя."),
    ], toml=BELGOROD)
    assert [d for d, _ in made] == ["new", "repeat"]


def test_a_statement_without_figures_retold_in_other_languages_is_one_claim(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "Губернатор Курской области: ситуация в приграничных районах под контролем, паники нет."),
        ("ua", 30, "Губернатор Курської області заявив, що ситуація в прикордонних районах під контролем, паніки немає."),
        ("wire", 60, "The Kursk regional governor said the situation in the border districts is under control, "
                     "there is no panic."),
    ])
    assert [d for d, _ in made] == ["new", "repeat", "repeat"]
    assert "meaning" in made[1][1]


def test_different_claims_about_one_town_on_one_day_each_alert(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "Противник обстрелял Суджу из артиллерии, повреждены жилые дома."),
        ("gov", 60, "В Судже беспилотник ударил по зданию школы, возник пожар."),
        ("gov", 120, "Из Суджи начата эвакуация детей, их вывозят автобусами в Курск."),
    ])
    assert [d for d, _ in made] == ["new", "new", "new"]


def test_a_stale_figure_is_no_news_and_a_downward_correction_is(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "Противник обстрелял Суджу, пострадали 2 человека."),
        ("gov", 60, "Число пострадавших при обстреле Суджи выросло до 9 человек."),
        ("wire", 90, "Обстрел Суджи: пострадали 2 человека."),  # the wire's older figure, retold
        ("gov", 120, "Уточнение: при обстреле Суджи пострадали 8 человек, а не 9."),
    ])
    assert [d for d, _ in made] == ["new", "update", "repeat", "update"]
    assert "new figure: 8 человек (injured) (was 9)" in made[3][1]


def test_a_story_takes_changes_a_day_after_its_first_post_and_retellings_after_that(tmp_path):
    text = "Противник снова обстрелял Суджу и Теткино, пострадали 2 человека."
    # the same claim every six hours: each post is near the one before; a day after the first a
    # retelling is still a repeat, a change opens a story of its own
    made = stream(tmp_path, [(f"c{i}", 360 * i, text) for i in range(6)]
                  + [("c6", 361 * 6, "Противник снова обстрелял Суджу и Теткино, пострадали 4 человека.")])
    assert [d for d, _ in made] == ["new", "repeat", "repeat", "repeat", "repeat", "repeat", "new"]
    with Archive(tmp_path / "archive.db") as archive:
        stories = archive.conn.execute("SELECT story_id FROM story_posts ORDER BY post_id").fetchall()
    assert len({s for s, in stories[:6]}) == 1 and stories[6] != stories[0]


def test_each_decision_names_the_claim_frame_and_the_meaning(tmp_path):
    made = stream(tmp_path, [
        ("mod", 0, "До 300 военнослужащих ВСУ при поддержке 11 танков атаковали позиции у Николаево-Дарьино."),
        ("wire", 30, "Up to 300 Ukrainian soldiers backed by 11 tanks attacked positions near Nikolayevo-Daryino."),
    ])
    assert made[0] == ("new", "new claim: event attack; place Nikolayevo-Daryino; figures soldiers 300, tanks 11")
    assert made[1][0] == "repeat"
    assert made[1][1].startswith("same claim as mod/1: event attack; place Nikolayevo-Daryino; "
                                 "figures soldiers 300, tanks 11; meaning 0.")


def test_matched_live_posts_keep_their_sentence_vectors_and_without_meaning_the_frame_decides(tmp_path):
    posts = [
        ("gov", 0, "Противник обстрелял Суджу, пострадали 5 человек."),
        ("ua", 30, "Ворог обстріляв Суджу, постраждали 5 людей."),
        ("weather", 40, "Завтра в Москве дождь и ветер."),
    ]
    (tmp_path / "on").mkdir()
    (tmp_path / "off").mkdir()
    with_meaning = stream(tmp_path / "on", posts)
    frame_only = stream(tmp_path / "off", posts, toml=KURSK + "[stories]\nmeaning = false\n")
    assert [d for d, _ in with_meaning] == [d for d, _ in frame_only] == ["new", "repeat"]
    assert "meaning" in with_meaning[1][1] and "meaning" not in frame_only[1][1]
    with Archive(tmp_path / "on" / "archive.db") as archive:
        vectors = archive.conn.execute("SELECT post_id, length(vector) FROM post_vectors ORDER BY post_id").fetchall()
    assert vectors == [(1, 768), (2, 768)]  # the matched posts only
    with Archive(tmp_path / "off" / "archive.db") as archive:
        assert archive.conn.execute("SELECT count(*) FROM post_vectors").fetchone()[0] == 0
    # an import (no alerts) decides on the frame and encodes nothing inside its long transaction
    (tmp_path / "import").mkdir()
    config = load_config(write_config(tmp_path / "import", KURSK))
    with Archive(config.storage.path) as archive:
        Pipeline(archive, config).ingest([Post(source="telegram", channel=c, message_id=i, text=t,
                                               date=datetime(2024, 8, 7, 6, i, tzinfo=timezone.utc))
                                          for i, (c, _, t) in enumerate(posts)], alerts=False)
        assert archive.conn.execute("SELECT count(*) FROM post_vectors").fetchone()[0] == 0
        assert [r[0] for r in archive.conn.execute("SELECT decision FROM story_posts ORDER BY post_id")] == \
            ["new", "repeat"]


def test_a_part_of_a_count_retold_is_no_change_and_a_negated_number_is_no_figure(tmp_path):
    made = stream(tmp_path, [
        ("mod", 0, "Минобороны: силами ПВО за ночь уничтожены 42 беспилотника, из них 30 над Курской областью."),
        ("blog", 20, "Над Курской областью за ночь сбиты 30 беспилотников, всего над регионами 42."),
        ("wire", 40, "Над Курской областью за ночь сбиты 30 беспилотников, а не 25, уточнили в Минобороны."),
    ])
    assert [d for d, _ in made] == ["new", "repeat", "repeat"]


def test_what_struck_tells_claims_apart_but_a_kind_named_more_generally_does_not(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "Дрон атаковал Суджу, повреждена машина."),
        ("gov", 60, "Ракетный удар по Судже: на окраине слышны взрывы, жителей просят не выходить из домов."),
        ("ua", 90, "Атака на Суджу: пошкоджено автомобіль."),
    ])
    assert [d for d, _ in made][:2] == ["new", "new"]
    assert made[2][0] == "repeat"


def test_nightly_counts_of_consecutive_days_are_different_claims(tmp_path):
    made = stream(tmp_path, [
        ("mod", 0, "ПВО за ночь уничтожила 12 беспилотников над Курской областью, сообщило Минобороны."),
        ("blog", 30, "Минувшей ночью над Курской областью сбиты 12 БПЛА, сообщили в Минобороны."),
        ("mod", 23 * 60, "ПВО за ночь уничтожила 15 беспилотников над Курской областью, сообщило Минобороны."),
    ])
    assert [d for d, _ in made] == ["new", "repeat", "new"]
    assert "day 2024-08-07 night" in made[0][1] and "day 2024-08-08 night" in made[2][1]


def test_statements_by_different_speakers_are_different_claims_and_a_retelling_is_not(tmp_path):
    made = stream(tmp_path, [
        ("tass", 0, "Удары по Курской области ракетами — сигнал, что Запад хочет эскалации, заявил Лавров."),
        ("ua", 20, "Удари по Курській області ракетами – сигнал, що Захід хоче ескалації, – Лавров."),
        ("un", 60, "Генсек ООН выразил обеспокоенность ударами ракетами по Курской области."),
    ])
    assert [d for d, _ in made] == ["new", "repeat", "new"]
    assert "speaker United Nations" in made[2][1]


def test_candidate_stories_meaning_is_read_once_per_decision(tmp_path):
    config = load_config(write_config(tmp_path, KURSK))
    t0 = datetime(2024, 8, 7, 6, tzinfo=timezone.utc)
    texts = ["Противник обстрелял Суджу, пострадали 5 человек.", "Дрон атаковал Теткино, повреждена машина.",
             "В Курской области объявлена ракетная опасность.", "Обстрел Суджи: пострадали 5 человек."]
    with Archive(config.storage.path) as archive:
        pipeline = Pipeline(archive, config, clock=lambda: t0)
        for i, text in enumerate(texts[:3], 1):
            pipeline.ingest([Post(source="telegram", channel=f"c{i}", message_id=i, date=t0, text=text)])
        reads: list[str] = []
        archive.conn.set_trace_callback(lambda sql: reads.append(sql) if "SELECT" in sql and "post_vectors" in sql
                                        else None)
        pipeline.ingest([Post(source="telegram", channel="c4", message_id=4, date=t0, text=texts[3])])
        archive.conn.set_trace_callback(None)
    assert len([sql for sql in reads if "story_posts" in sql]) == 1  # one read for every candidate story


def test_a_digest_is_read_by_its_items_about_the_watched_region_only(tmp_path):
    made = stream(tmp_path, [
        ("mod", 0, "Минобороны: за ночь над Курской областью сбиты 12 беспилотников."),
        ("digest", 60, "Главное к утру:\n\n🔻 В Сумах при атаке дронов погибли два человека.\n\n"
                       "🔻 Над Курской областью за ночь сбиты 12 беспилотников, сообщило Минобороны."),
    ])
    # the two killed in Sumy are another item's figure, not a change of the Kursk count
    assert [d for d, _ in made] == ["new", "repeat"]


def test_a_report_of_its_own_time_without_figures_does_not_join_a_story_of_figures(tmp_path):
    made = stream(tmp_path, [
        ("mod", 0, "Минобороны: за ночь над Курской областью сбиты 12 беспилотников."),
        ("mod", 270, "Около 10.30 мск дежурными средствами ПВО уничтожен беспилотный летательный аппарат"
                     " над территорией Курской области."),
    ])
    assert [d for d, _ in made] == ["new", "new"]


def test_a_report_of_its_own_time_joins_a_story_of_the_region_only_as_a_retelling(tmp_path):
    made = stream(tmp_path, [
        ("blog", 0, "Над Курской областью ВСУ применили дроны Switchblade, их сбивает ПВО."),
        ("mod", 270, "Около 10.30 мск дежурными средствами ПВО уничтожен беспилотный летательный аппарат"
                     " над территорией Курской области."),
    ])
    assert [d for d, _ in made] == ["new", "new"]


def test_strikes_by_different_named_weapons_are_different_claims_and_a_retelling_is_not(tmp_path):
    made = stream(tmp_path, [
        ("wire", 0, "ВСУ нанесли удар ракетами ATACMS по Курской области, сообщило Минобороны."),
        ("blog", 60, "ВСУ впервые ударили британскими ракетами Storm Shadow по Курской области."),
        ("ua", 90, "ЗСУ вперше вдарили британськими ракетами Storm Shadow по Курській області."),
    ])
    assert [d for d, _ in made] == ["new", "new", "repeat"]
    assert "object Storm Shadow" in made[2][1]


def test_a_larger_total_told_with_the_storys_count_as_its_part_is_no_change(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "27 беспилотников и две ракеты сбиты над Курской областью, сообщил губернатор."),
        ("mod", 60, "Минобороны: за ночь средствами ПВО уничтожено 34 БПЛА, из них над Курской областью"
                    " уничтожено 27 дронов, четыре перехвачены над Липецкой областью."),
        ("wire", 90, "Над Курской областью сбиты 31 беспилотник и две ракеты, уточнил губернатор."),
    ])
    assert [d for d, _ in made] == ["new", "repeat", "update"]
    assert "(was 27)" in made[2][1]


def test_a_larger_count_of_drones_over_several_regions_is_their_total_not_the_regions_count_risen(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "Над Курской областью сбиты два беспилотника, сообщил губернатор."),
        ("mod", 60, "Над Курской, Брянской, Смоленской, Орловской и Ростовской областями сбиты 42 беспилотника,"
                    " сообщило Минобороны."),
        ("wire", 90, "Над Курской областью сбиты семь беспилотников, уточнил губернатор."),
    ])
    assert [d for d, _ in made] == ["new", "repeat", "update"]
    assert "a total over several regions" in made[1][1]
    assert "(was 2)" in made[2][1]
    made = stream(tmp_path / "first", [
        ("gov", 0, "Курскую область атаковали беспилотники, сообщил губернатор."),
        ("mod", 60, "Над Курской, Брянской и Орловской областями сбиты 42 беспилотника, сообщило Минобороны."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]  # the first count, but of three regions
    made = stream(tmp_path / "watched", [
        ("gov", 0, "Два беспилотника, летевших на Москву, сбиты в Раменском городском округе, сообщил Собянин."),
        ("c", 60, "Четыре беспилотника, летевших на Москву, сбиты в Раменском городском округе, сообщил Собянин."),
    ], toml=MOSCOW)
    assert [d for d, _ in made] == ["new", "update"]  # the watched regions' own count, though two are named


MOSCOW = """
[[watchlist]]
name = "moscow"
regions = ["RU-MOW", "RU-MOS"]
recipients = ["desk@example.org"]
"""


def test_a_count_told_for_the_watched_region_in_a_post_naming_another_is_the_regions_own(tmp_path):
    made = stream(tmp_path / "beside", [
        ("gov", 0, "Над Курской областью сбиты два беспилотника, сообщил губернатор."),
        ("mod", 60, "Над Курской областью сбиты семь беспилотников, ещё три — над Белгородской, сообщило Минобороны."),
    ])
    assert [d for d, _ in made] == ["new", "update"]
    assert "(was 2)" in made[1][1]
    made = stream(tmp_path / "apart", [
        ("gov", 0, "Над Курской областью сбиты два беспилотника, сообщил губернатор."),
        ("c", 60, "Над Курской областью сбиты 9 беспилотников, сообщил губернатор. В Белгородской области ранен мужчина."),
    ])
    assert [d for d, _ in made] == ["new", "update"]
    assert "(was 2)" in made[1][1]
    made = stream(tmp_path / "country", [
        ("gov", 0, "Над Курской областью сбиты два беспилотника, сообщил губернатор."),
        ("mod", 60, "Над территорией России сбиты 42 беспилотника, в том числе над Курской и Белгородской областями,"
                    " сообщило Минобороны."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]


def test_the_all_clear_after_an_attack_is_a_claim_of_its_own_and_retold_a_repeat(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "Суджу атаковали беспилотники, сообщил губернатор Курской области."),
        ("c", 60, "В Судже власти сообщили об отбое опасности БПЛА."),
        ("d", 70, "В Судже отменили опасность БПЛА."),
        ("e", 80, "Беспилотники атаковали Суджу, сообщил губернатор."),
    ])
    assert [d for d, _ in made] == ["new", "new", "repeat", "repeat"]
    assert "a statement of all-clear, which the story does not tell" in made[1][1]
    assert extract_kinds("Відбій повітряної тривоги в Сумах") == {"all-clear"}  # the alert's end, not an alert
    assert "all-clear" in extract_kinds("The air raid alert was lifted, all clear in Kharkiv")
    assert "all-clear" not in extract_kinds("Рейсы отменены, в Сумах объявлена воздушная тревога")


def test_an_all_clear_is_told_in_its_own_clause_and_leaves_an_alert_declared_after_it():
    assert extract_kinds("Матчи отменены, тревога продолжается в Курске.") == {"air alert"}
    assert {"air alert", "all-clear"} <= extract_kinds("Опасность отменили, но через час снова объявили ракетную тревогу.")
    assert "all-clear" not in extract_kinds("В Курске отбоя нет от волонтеров.")
    assert "all-clear" not in extract_kinds("В Курске сломался отбойный молоток.")
    assert extract_kinds("The alert was lifted after two hours") == {"all-clear"}
    assert extract_kinds("Отбой тревоги в Курске") == {"all-clear"}


def test_a_larger_count_of_another_party_told_beside_the_storys_is_a_change_once(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "В Курске при ракетном ударе ранены шесть человек, сообщил губернатор."),
        ("c", 60, "При ракетном ударе по Курску ранены шесть человек, сообщил губернатор. По данным МЧС, пострадали"
                  " восемь человек."),
        ("d", 70, "МЧС: при ракетном ударе по Курску пострадали восемь человек."),
    ])
    assert [d for d, _ in made] == ["new", "update", "repeat"]
    assert "new figure: 8 (injured) from another source (was 6)" in made[1][1]
    made = stream(tmp_path / "rescuers", [
        ("gov", 0, "В Курске при ракетном ударе ранены шесть человек, сообщил губернатор."),
        ("c", 60, "В Курске при ракетном ударе ранены шесть человек. Спасательная служба объявила о восьми пострадавших."),
    ])
    assert [d for d, _ in made] == ["new", "update"]


def test_a_larger_count_of_a_longer_time_or_of_no_other_speaker_is_no_other_partys_count(tmp_path):
    made = stream(tmp_path / "year", [
        ("gov", 0, "В Курске при ракетном ударе ранены шесть человек, сообщил губернатор."),
        ("c", 60, "В Курске при ракетном ударе ранены шесть человек. Всего с начала года в области ранены 120 человек."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]
    made = stream(tmp_path / "nobody", [
        ("gov", 0, "В Курске при ракетном ударе ранены шесть человек, сообщил губернатор."),
        ("c", 60, "В Курске при ракетном ударе ранены шесть человек. При обстреле пострадали 11 человек."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]


def test_explosions_heard_are_news_only_before_a_strikes_toll_is_known(tmp_path):
    made = stream(tmp_path / "toll", [
        ("gov", 0, "В Курске при ракетном ударе ранены шесть человек, сообщил губернатор."),
        ("c", 60, "В Курске прогремели 4 мощных взрыва, при ракетном ударе ранены шесть человек."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]
    assert "explosions heard, no news once the toll is known" in made[1][1]
    made = stream(tmp_path / "first", [
        ("a", 0, "Ракетный удар по Курску: жители сообщают о взрывах."),
        ("b", 60, "При ракетном ударе по Курску прогремели 14 мощных взрывов, сообщают жители."),
    ])
    assert [d for d, _ in made] == ["new", "update"]


def test_those_in_hospital_and_those_hospitalised_are_one_count(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "При ракетном ударе по Курску ранены 40 человек, в больницах находятся 30 пострадавших, сообщил"
                   " губернатор."),
        ("c", 60, "Ракетный удар по Курску: 30 человек госпитализированы."),
        ("d", 90, "Ракетный удар по Курску: 35 человек госпитализированы."),
    ])
    assert [d for d, _ in made] == ["new", "repeat", "update"]
    assert "(was 30)" in made[2][1]


def test_a_statement_of_what_is_done_about_an_event_is_a_claim_of_its_own(tmp_path):
    made = stream(tmp_path, [
        ("bbc", 0, "Российские источники сообщили о взятом в плен в Курской области гражданине Британии."),
        ("bbc", 24 * 60, "Суд в Курске заключил под стражу захваченного в плен гражданина Великобритании."),
        ("ria", 25 * 60, "Минобороны подтвердило удары ВСУ ракетами ATACMS по Курской области."),
        ("ria", 25 * 60 + 1, "Минобороны заявило, что готовит ответные действия на атаки ВСУ ракетами ATACMS"
                             " в Курской области."),
    ])
    assert [d for d, _ in made] == ["new", "new", "new", "new"]
    assert "a statement of court, which the story does not tell" in made[1][1]
    assert "a statement of retaliation, which the story does not tell" in made[3][1]


def test_meaning_across_languages_weighs_a_translation_as_near_as_a_retelling_in_one_language(tmp_path):
    from monitor.stories.detector import CROSS_LANGUAGE
    from monitor.stories.meaning import from_blob
    from monitor.stories.stage import detector_for

    config = load_config(write_config(tmp_path, KURSK))
    t0 = datetime(2024, 8, 7, 6, tzinfo=timezone.utc)
    with Archive(config.storage.path) as archive:
        Pipeline(archive, config, clock=lambda: t0).ingest([Post(
            source="telegram", channel="gov", message_id=1, date=t0, lang="ru",
            text="Губернатор Курской области: ситуация в приграничных районах под контролем.")])
        story, blob = archive.conn.execute(
            "SELECT sp.story_id, v.vector FROM story_posts sp JOIN post_vectors v USING (post_id)").fetchone()
        stored = from_blob(blob)
        other = np.roll(stored, 1)  # a vector of its own, at a known cosine to the story's post
        other /= np.linalg.norm(other)
        cosine = float(stored @ other)
        detector = detector_for(archive.conn, config)
        assert detector._meanings([story], other, "ru")[story] == pytest.approx(cosine, abs=1e-6)
        assert detector._meanings([story], other, "en")[story] == pytest.approx(cosine + CROSS_LANGUAGE, abs=1e-6)
        assert detector._meanings([story], other, None)[story] == pytest.approx(cosine, abs=1e-6)  # unknown: as one


def test_a_region_named_only_in_passing_raises_nothing_and_an_item_of_its_own_does(tmp_path):
    config = load_config(write_config(tmp_path, KURSK))
    t0 = datetime(2024, 11, 20, 5, tzinfo=timezone.utc)
    texts = [
        # the lead is about Samara region; Kursk region only in a list of regions at the end
        "В Самарской области сбиты шесть беспилотников — губернатор\n\nГубернатор объявил, что утром над "
        "областью сбиты шесть дронов.\n\nЗа ночь о сбитых беспилотниках сообщали также Московская, Брянская, "
        "Курская и Орловская области.",
        # the lead is about Bryansk and Kaluga regions; Kursk region has an item of its own
        "Система ПВО за ночь уничтожила шесть беспилотников над Брянской областью и восемь — над Калужской.\n\n"
        "Над Курской областью сбиты семь ракет, сообщил губернатор.",
    ]
    with Archive(config.storage.path) as archive:
        pipeline = Pipeline(archive, config, clock=lambda: t0)
        for i, text in enumerate(texts, 1):
            pipeline.ingest([Post(source="telegram", channel=f"c{i}", message_id=i, date=t0, text=text)])
        alerts = archive.conn.execute("SELECT post_id, kind FROM alerts").fetchall()
        decided = archive.conn.execute("SELECT post_id FROM story_posts").fetchall()
    assert alerts == [(2, "new")]
    assert decided == [(2,)]  # a post naming the region in passing joins no story


def test_the_first_confirmation_of_an_unconfirmed_claim_alerts_once(tmp_path):
    made = stream(tmp_path, [
        ("blog", 0, "Военкоры сообщают о применении ракет Storm Shadow по Рыльскому району Курской области."),
        ("wire", 40, "Американские СМИ подтвердили: ВСУ впервые ударили ракетами Storm Shadow по Рыльскому району"
                     " Курской области."),
        ("ua", 60, "ЗМІ підтвердили: ЗСУ вперше вдарили ракетами Storm Shadow по Рильському району Курської області."),
    ])
    assert [d for d, _ in made] == ["new", "update", "repeat"]
    assert made[1][1].startswith("confirmed for the first time")
    (tmp_path / "told").mkdir()
    made = stream(tmp_path / "told", [  # told as fact by a named speaker: a confirmation retold is no news
        ("gov", 0, "Губернатор сообщил, что ракеты Storm Shadow ударили по Рыльскому району Курской области."),
        ("wire", 40, "Губернатор подтвердил удар ракетами Storm Shadow по Рыльскому району Курской области."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]


def test_a_region_named_only_recalling_earlier_news_raises_nothing(tmp_path):
    config = load_config(write_config(tmp_path, KURSK + BELGOROD.replace('"belgorod"', '"bel"')))
    t0 = datetime(2024, 11, 20, 12, tzinfo=timezone.utc)
    text = ("Bloomberg: ВСУ впервые ударили по России британскими ракетами Storm Shadow\n\n"
            "Украина впервые выпустила британские крылатые ракеты по российской территории, сообщает Bloomberg.\n\n"
            "Накануне Минобороны заявило, что ВСУ нанесли удар по Курской области ракетами ATACMS.\n\n"
            "Ранее о взрывах сообщали жители Белгородской области.")
    with Archive(config.storage.path) as archive:
        Pipeline(archive, config, clock=lambda: t0).ingest([Post(source="telegram", channel="c", message_id=1,
                                                                  date=t0, text=text)])
        assert archive.conn.execute("SELECT watchlist, reason FROM alerts").fetchall() == []


def test_statements_sharing_nothing_of_the_frame_are_one_claim_only_when_near_word_for_word(tmp_path):
    made = stream(tmp_path, [
        ("ria", 0, "Киев обманом заводит солдат ВСУ на передовую в Курскую область, заявил РИА Новости военнопленный."),
        ("ria", 60, "Киев не хоронит погибших в Курской области боевиков ВСУ, заявил РИА Новости пленный."),
        ("copy", 70, "Киев обманом заводит солдат ВСУ на передовую в Курскую область, заявил военнопленный РИА Новости."),
    ])
    assert [d for d, _ in made] == ["new", "new", "repeat"]


def test_a_toll_told_as_a_change_from_the_known_value_is_an_update(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "При обстреле Белгорода погибли 21 человек, сообщил губернатор."),
        ("wire", 60, "The death toll from the shelling of Belgorod rose from 21 to 24 people killed, the governor said."),
    ], toml=BELGOROD)
    assert [d for d, _ in made] == ["new", "update"]
    assert "(was 21)" in made[1][1]


def test_a_region_named_only_as_where_something_did_not_happen_raises_nothing(tmp_path):
    config = load_config(write_config(tmp_path, KURSK))
    t0 = datetime(2024, 11, 19, 14, tzinfo=timezone.utc)
    texts = ["Журнал ставит на ядерную войну в 2025 году. Первый удар ATACMS не был направлен против "
             "северокорейцев, и не был в Курской области. Байден опять наврал.",
             "Удар ракетами ATACMS пришёлся не на Брянскую область, а на Курскую область, сообщили источники."]
    with Archive(config.storage.path) as archive:
        pipeline = Pipeline(archive, config, clock=lambda: t0)
        for i, text in enumerate(texts, 1):
            pipeline.ingest([Post(source="telegram", channel=f"c{i}", message_id=i, date=t0, text=text)])
        assert archive.conn.execute("SELECT post_id FROM alerts").fetchall() == [(2,)]


def test_a_response_told_only_in_a_retellings_background_is_no_statement_of_its_own(tmp_path):
    made = stream(tmp_path, [
        ("blog", 0, "ВСУ впервые ударили британскими ракетами Storm Shadow по Курской области."),
        ("wire", 60, "Ukraine fired British Storm Shadow missiles at Russia's Kursk region for the first time. "
                     "The strike came days after the approval. Moscow has long vowed to retaliate."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]


def test_a_deeper_advance_is_an_update_and_the_older_depth_retold_is_a_repeat(tmp_path):
    made = stream(tmp_path, [
        ("wire", 0, "Ukrainian troops advanced up to 10 kilometers deep into Kursk region near Sudzha, the ISW said."),
        ("wire2", 60, "Ukrainian troops have advanced as much as 15 kilometers into Kursk region near Sudzha, "
                      "according to the ISW."),
        ("wire3", 90, "The ISW said Ukrainian troops advanced up to 10 kilometers deep into Kursk region near Sudzha."),
    ])
    assert [d for d, _ in made] == ["new", "update", "repeat"]
    assert "new figure: 15 kilometers (km advanced) (was 10)" in made[1][1]


def test_a_sentence_of_its_own_figure_or_place_about_the_watched_region_is_never_a_mention(tmp_path):
    for name in "abc":
        (tmp_path / name).mkdir()
    made = stream(tmp_path / "a", [
        ("c", 0, "Обстрел Белгородской области: двое погибших.\n\nВ Грайвороне повреждены жилые дома и автомобили."
                 "\n\nВ Курской области при атаке дрона на Суджу погибли 2 человека, в Брянской области ранен"
                 " 1 человек."),
    ])
    assert [d for d, _ in made] == ["new"]
    made = stream(tmp_path / "b", [
        ("c", 0, "Губернатор Белгородской области сообщил об атаке дронов на Шебекино. Пострадали двое. Также в"
                 " Курской области при атаке дрона на Суджу погиб мужчина."),
    ])
    assert [d for d, _ in made] == ["new"]
    made = stream(tmp_path / "c", [
        ("gov", 0, "Губернатор Курской области: при обстреле Суджи пострадали 3 человека."),
        ("c", 60, "Число пострадавших выросло до пяти — губернатор.\n\nСреди раненых двое детей, их доставили в"
                  " больницу.\n\nРанее губернатор Курской области сообщал о трёх пострадавших при обстреле Суджи."
                  " Также обстрелу подвергся Белгородский район."),
    ])
    assert [d for d, _ in made] == ["new", "update"]
    assert "(was 3)" in made[1][1]


def test_a_region_named_outside_the_lead_in_no_sentence_of_an_event_or_figure_is_background(tmp_path):
    for name in "abcde":
        (tmp_path / name).mkdir()
    background = ["Актера осудили заочно. Так решил суд. Он часто выступал в Курске.",
                  "Население Припяти выросло с 10 до 125 тысяч человек. Так люди получают пособия. Среди"
                  " переселенцев много уехавших из Курска."]
    for name, text in zip("ab", background):
        assert stream(tmp_path / name, [("c", 0, text)]) == []  # a mention: no story, no alert
    events = ["Актера осудили заочно. Так решил суд. Вечером Курск атаковали беспилотники.",
              "Актера осудили заочно. Так решил суд. В Курске ранены 2 человека.",
              "Ночью прогремели взрывы. Горят склады. Об этом рассказал губернатор Курской области."]
    for name, text in zip("cde", events):
        assert [d for d, _ in stream(tmp_path / name, [("c", 0, text)])] == ["new"]


def test_an_event_told_in_the_lead_without_a_place_is_where_a_later_sentence_names_the_region(tmp_path):
    posts = ["Беспилотник атаковал легковой автомобиль на трассе. Водитель получил ранения. Это произошло в"
             " Глушковском районе Курской области.",
             "Беспилотник атаковал легковой автомобиль на трассе. Водитель получил ранения. Видео очевидцев из Курска.",
             "Ночью беспилотники атаковали город. Разрушен жилой дом.\n#Курск",
             "A drone hit an apartment block overnight, injuring two. Rescuers are at the scene. The building is in"
             " Kursk.",
             "Дрон влучив у склад. Спалахнула пожежа. Це в Курській області.",
             "Ракетный удар по городу. Есть погибшие. Место — Курск."]
    for i, text in enumerate(posts):
        made = stream(tmp_path / str(i), [("c", 0, text)])
        assert [d for d, _ in made] == ["new"], text


def test_a_sentence_dated_the_evening_before_tells_an_event_not_a_recall(tmp_path):
    made = stream(tmp_path, [
        ("c", 0, "Bloomberg: ВСУ впервые ударили по России британскими ракетами Storm Shadow\n\n"
                 "Украина впервые выпустила британские крылатые ракеты по российской территории, сообщает Bloomberg."
                 "\n\nНакануне вечером ВСУ нанесли удар по Курской области ракетами ATACMS.\n\n"
                 "Ранее о взрывах сообщали жители Белгородской области."),
    ])
    assert [d for d, _ in made] == ["new"]


def test_a_headline_word_like_fate_is_no_statement_and_a_near_copy_joins_whatever_its_kinds(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "ВСУ атаковали дронами Курчатов Курской области, сообщил губернатор."),
        ("blog", 30, "Судьба Курчатова: ВСУ атаковали город дронами, сообщил губернатор Курской области."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]


def test_a_named_speaker_telling_as_fact_what_was_unconfirmed_is_the_confirmation_update(tmp_path):
    made = stream(tmp_path, [
        ("blog", 0, "Военкоры сообщают о применении ракет Storm Shadow по Рыльскому району Курской области."),
        ("mod", 40, "Минобороны заявило, что ВСУ ударили ракетами Storm Shadow по Рыльскому району Курской области."),
        ("wire", 60, "Минобороны: ВСУ ударили ракетами Storm Shadow по Рыльскому району Курской области."),
    ])
    assert [d for d, _ in made] == ["new", "update", "repeat"]
    assert made[1][1].startswith("confirmed for the first time (defence ministry)")


def test_a_governors_telegram_channel_is_no_hedge_and_its_retelling_no_confirmation(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "Губернатор сообщил в своём Telegram-канале, что при обстреле Суджи пострадали 3 человека."),
        ("wire", 40, "Губернатор Курской области подтвердил: при обстреле Суджи пострадали 3 человека."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]


def test_a_translation_about_another_place_is_no_repeat_however_near_its_meaning(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "ВСУ обстреляли Суджу, пострадали 3 человека, сообщил губернатор Курской области."),
        ("ua", 30, "ЗСУ обстріляли Рильськ, повідомив губернатор Курської області. Постраждалих немає."),
    ])
    assert [d for d, _ in made] == ["new", "new"]


def test_a_rise_of_the_storys_own_count_told_with_the_old_count_as_its_part_is_an_update(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "Над Курской областью ночью сбиты 27 беспилотников, сообщил губернатор."),
        ("gov", 600, "Всего за сутки над Курской областью сбиты 45 беспилотников, из них 27 — ночью, сообщил"
                     " губернатор."),
    ])
    assert [d for d, _ in made] == ["new", "update"]
    assert "(was 27)" in made[1][1]


def test_a_count_added_to_a_toll_is_an_update_for_the_desk(tmp_path):
    from monitor.stories.changes import describe_changes

    config = load_config(write_config(tmp_path, KURSK))
    t0 = datetime(2024, 8, 7, 6, tzinfo=timezone.utc)
    texts = ["При обстреле Суджи пострадали 5 человек, сообщил губернатор Курской области.",
             "Ещё двое мирных жителей ранены при обстреле Суджи, сообщил губернатор Курской области.",
             "Губернатор Курской области: ещё двое мирных жителей ранены при обстреле Суджи."]  # retold: no news
    with Archive(config.storage.path) as archive:
        pipeline = Pipeline(archive, config, clock=lambda: t0)
        for i, text in enumerate(texts, 1):
            pipeline.ingest([Post(source="telegram", channel="gov", message_id=i, date=t0.replace(minute=i),
                                  text=text)])
        alerts = archive.conn.execute("SELECT kind, changes FROM alerts ORDER BY id").fetchall()
        decided = [row[0] for row in archive.conn.execute("SELECT decision FROM story_posts ORDER BY post_id")]
    assert decided == ["new", "update", "repeat"]
    assert [kind for kind, _ in alerts] == ["new", "update"]
    assert describe_changes(json.loads(alerts[1][1])) == ["injured: +2"]


def test_the_subject_of_a_confirmation_or_an_added_count_says_so():
    from monitor.mail.compose import AlertView, subject

    post = {"text": "Минобороны подтвердило удар по Рыльскому району", "translation": None}
    confirming = AlertView(1, "kursk", "update", 1, "confirmed for the first time", {"figures": [], "places": [],
                           "confirmed": "defence ministry"}, "2024-08-07T06:00:00+00:00", post)
    assert subject(confirming).startswith("[kursk] UPDATE confirmed: ")
    adding = AlertView(2, "kursk", "update", 1, "added", {"figures": [{"unit": "injured", "value": 2, "words": "2",
                       "added": True}], "places": []}, "2024-08-07T06:00:00+00:00", post)
    assert subject(adding).startswith("[kursk] UPDATE injured +2: ")


def test_replay_shows_a_mention_with_its_reason_when_asked(tmp_path):
    from monitor.stories import replay

    config = load_config(write_config(tmp_path, KURSK))
    t0 = datetime(2024, 11, 20, 5, tzinfo=timezone.utc)
    text = ("В Самарской области сбиты шесть беспилотников — губернатор\n\nГубернатор объявил, что утром над "
            "областью сбиты шесть дронов.\n\nЗа ночь о сбитых беспилотниках сообщали также Московская, Брянская, "
            "Курская и Орловская области.")
    with Archive(config.storage.path) as archive:
        Pipeline(archive, config, clock=lambda: t0).ingest([Post(source="telegram", channel="c", message_id=1,
                                                                  date=t0, text=text)])
        assert list(replay(archive, config)) == []
        shown = list(replay(archive, config, mentions=True))
    assert [(m["kind"], m["watchlist"], m["post_id"]) for m in shown] == [("mention", "kursk", 1)]
    assert shown[0]["reason"].startswith("named in passing: the post's lead is about ")
    printed = invoke("replay", "--dry-run", "--mentions", config=tmp_path / "monitor.toml")
    assert printed.returncode == 0, printed.stderr
    assert "MENTION kursk  no story  c/1: named in passing" in printed.stdout
    assert "0 alerts, 1 mentions" in printed.stderr


def test_the_stories_list_shows_event_kinds_and_an_unconfirmed_claim_apart(tmp_path):
    from monitor.storage.story_queries import get_story, list_stories

    config = load_config(write_config(tmp_path, KURSK))
    t0 = datetime(2024, 8, 7, 6, tzinfo=timezone.utc)
    with Archive(config.storage.path) as archive:
        Pipeline(archive, config, clock=lambda: t0).ingest([Post(
            source="telegram", channel="blog", message_id=1, date=t0,
            text="Военкоры сообщают о применении ракет Storm Shadow по Рыльскому району Курской области.")])
        listed = list_stories(archive.conn)
        one = get_story(archive.conn, listed[0]["id"])
    for row in (listed[0], one):
        assert row["unconfirmed"] is True
        assert not [k for k in row["kinds"] if k.startswith("told:")]


def test_a_count_added_beside_a_count_of_its_unit_is_a_part_not_a_change(tmp_path):
    made = stream(tmp_path, [
        ("mod", 0, "Потери ВСУ в Курской области составили 315 человек, из которых не менее 100 погибли,"
                   " 215 человек получили ранения, сообщил Герасимов."),
        ("ria", 60, "Потери у противника в Курской области составили 315 человек, из которых не менее 100 погибли,"
                    " а еще 215 человек получили ранения, — отметил Герасимов."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]


def test_a_place_of_the_watched_region_listed_with_another_regions_is_a_mention_and_an_evacuation_no_increment(tmp_path):
    config = load_config(write_config(tmp_path, BELGOROD))
    t0 = datetime(2024, 11, 28, 6, tzinfo=timezone.utc)
    text = ("Жители против новогоднего украшения центра Курска за 15 млн рублей.\n\nМэрия ищет подрядчика."
            "\n\nВдобавок припоминают, что в соседних Белгороде и Брянске чиновники вообще отказались от украшений.")
    with Archive(config.storage.path) as archive:
        Pipeline(archive, config, clock=lambda: t0).ingest([Post(source="telegram", channel="c", message_id=1,
                                                                  date=t0, text=text)])
        assert archive.conn.execute("SELECT watchlist FROM alerts").fetchall() == []
    from monitor.stories.claims import claim_of

    assert claim_of("С места трагедии спасли 15 жильцов и еще 30 эвакуировали.").increments == []


def test_a_count_shot_down_that_grows_by_more_is_an_update_and_its_retelling_is_not(tmp_path):
    made = stream(tmp_path, [
        ("mayor", 0, "Два беспилотника, летевших на Курск, сбиты в Курчатовском районе, сообщил губернатор Курской области."),
        ("mayor", 6, "Еще два беспилотника, летевших на Курск, сбиты в Курчатовском районе, сообщил губернатор Курской области."),
        ("blog", 9, "Губернатор Курской области: в Курчатовском районе сбиты еще два беспилотника, летевших на Курск."),
    ])
    assert [d for d, _ in made] == ["new", "update", "repeat"]
    assert "added: +2" in made[1][1]


def test_a_criminal_case_is_a_statement_of_what_is_done_about_an_event(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "При обстреле Суджи пострадали 5 человек, сообщил губернатор Курской области."),
        ("sk", 30, "СК возбудил уголовное дело после обстрела Суджи Курской области."),
        ("wire", 50, "Investigators opened a criminal case after the shelling of Sudzha in Kursk region."),
    ])
    assert [d for d, _ in made] == ["new", "new", "repeat"]


def test_after_a_storys_span_one_count_in_common_is_another_claim_and_two_are_a_retelling(tmp_path):
    made = stream(tmp_path, [
        ("mod", 0, "Минобороны: над Курской областью уничтожены 2 беспилотника, пострадали 3 человека."),
        ("mod", 26 * 60, "Дежурные средства ПВО перехватили и уничтожили 2 украинских беспилотника над Курской областью,"
                         " заявили в Минобороны. Обломки упали в поле, возгорания нет."),
        ("wire", 27 * 60, "Ранее над Курской областью уничтожены 2 беспилотника, пострадали 3 человека, сообщило Минобороны."),
    ])
    assert [d for d, _ in made] == ["new", "new", "repeat"]
    assert "told again after the story's span" in made[2][1]


def test_a_known_toll_rounded_down_is_no_change_and_a_correction_is(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "При обстреле Суджи пострадали 124 человека, сообщил губернатор Курской области."),
        ("wire", 30, "More than 120 people were injured in the shelling of Sudzha, Kursk region's governor said."),
        ("gov", 60, "Губернатор Курской области уточнил: при обстреле Суджи пострадали 123 человека."),
    ])
    assert [d for d, _ in made] == ["new", "repeat", "update"]
    assert "(was 124)" in made[2][1]


def test_two_counts_retold_under_a_later_days_date_are_a_repeat_and_one_count_is_that_days_claim(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "7 августа при ракетном ударе по Судже погибли 3 человека, пострадали 151, сообщил губернатор Курской области."),
        ("wire", 22 * 60, "8 августа: при ракетном ударе по Судже погибли 3 человека, 151 пострадал, сообщил губернатор Курской области."),
        ("gov", 23 * 60, "8 августа при ракетном ударе по Судже погиб 1 человек, сообщил губернатор Курской области."),
    ])
    assert [d for d, _ in made] == ["new", "repeat", "new"]
    assert "day 2024-08-08, not 2024-08-07" in made[2][1]


def test_a_region_named_only_in_a_wires_dateline_is_a_mention_and_a_dateline_of_its_own_event_is_not(tmp_path):
    made = stream(tmp_path, [
        ("tass", 0, "КУРСК, 7 августа. /ТАСС/. Песков отказался комментировать переговоры в Стамбуле с представителями Турции."),
        ("tass", 30, "КУРСК, 7 августа. /ТАСС/. При обстреле Суджи пострадали 5 человек, сообщил губернатор."),
    ])
    assert [d for d, _ in made] == ["new"]  # a mention is in no story
    with Archive(tmp_path / "archive.db") as archive:
        assert archive.conn.execute("SELECT count(*) FROM alerts").fetchone()[0] == 1


def test_a_new_speakers_statement_retelling_the_storys_counts_is_a_claim_of_its_own(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "При ракетном ударе по Судже погибли 3 человека, сообщил губернатор Курской области."),
        ("tass", 40, "Лавров заявил, что удар по Судже, при котором погибли 3 человека, готовился с участием Запада."),
        ("wire", 60, "При ракетном ударе по Судже Курской области погибли 3 человека, сообщил губернатор."),
    ])
    assert [d for d, _ in made] == ["new", "new", "repeat"]
    assert "speaker Lavrov" in made[1][1]


def test_a_fire_first_told_after_a_strike_is_an_update_and_its_retelling_is_not(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "Над Суджей сбиты 4 беспилотника, сообщил губернатор Курской области."),
        ("gov", 20, "В Судже пожар на фоне атаки беспилотников, сообщил губернатор Курской области."),
        ("blog", 30, "Пожар в Судже Курской области на фоне атаки беспилотников, пишет губернатор."),
    ])
    assert [d for d, _ in made] == ["new", "update", "repeat"]
    assert made[1][1].startswith("new: fire")


def test_a_count_another_story_of_the_same_event_holds_is_no_change_where_a_post_joins(tmp_path):
    first = [("gov", 0, "В Судже при артиллерийском обстреле пострадали 5 человек, сообщил губернатор Курской области."),
             ("mod", 10, "Над Суджей сбиты 3 беспилотника, сообщило Минобороны.")]
    made = stream(tmp_path / "told", first + [
        ("blog", 30, "Над Суджей сбиты 3 беспилотника, при обстреле Суджи пострадали 5 человек, пишет губернатор Курской области.")])
    assert [d for d, _ in made] == ["new", "new", "repeat"]
    assert "3 беспилотника (drones shot down) told before by mod/2" in made[2][1]
    made = stream(tmp_path / "new", first + [
        ("blog", 30, "Над Суджей сбиты 3 беспилотника, при атаке пострадали 7 человек, пишет губернатор Курской области.")])
    assert [d for d, _ in made] == ["new", "new", "update"]


def test_an_approximate_round_count_below_the_known_one_is_no_change_and_an_exact_one_is(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "При обстреле Суджи пострадали 124 человека, сообщил губернатор Курской области."),
        ("gov", 30, "Губернатор Курской области уточнил: при обстреле Суджи пострадали 120 человек."),
    ])
    assert [d for d, _ in made] == ["new", "update"]


def test_a_dateline_is_only_where_the_agency_filed_not_a_first_sentence_after_a_dash(tmp_path):
    from monitor.stories.items import without_dateline

    assert without_dateline("KYIV, Nov 7 (Reuters) - Text").strip() == "Text"
    assert without_dateline("СИМФЕРОПОЛЬ,11 авг - РИА Новости Крым. Пиротехники").strip() == "Пиротехники"
    assert without_dateline("КУРСК, 7 ноября — взрывы в Курске, сбиты 5 дронов.").startswith("КУРСК")


def test_a_toll_retold_without_change_after_the_storys_window_is_a_repeat_and_one_count_of_it_is_not(tmp_path):
    day = 24 * 60
    made = stream(tmp_path, [
        ("gov", 0, "При ракетном ударе по Судже погибли 5 человек, пострадали 124, сообщил губернатор Курской области."),
        ("wire", 7 * day, "Неделю назад при ракетном ударе по Судже погибли 5 человек и 124 пострадали, напомнил губернатор."),
        ("gov", 8 * day, "При ракетном ударе по Судже погибли 5 человек, сообщил губернатор Курской области."),
        ("wire", 30 * day, "Месяц назад при ракетном ударе по Судже погибли 5 человек и 124 пострадали, напомнил губернатор."),
    ])
    assert [d for d, _ in made] == ["new", "repeat", "new", "new"]
    assert "told again after the story's window" in made[1][1]


def test_a_toll_retold_a_week_later_is_a_repeat_in_replay_too_whatever_replay_prunes_between(tmp_path, monkeypatch):
    from monitor.stories import replay, stage

    day = 24 * 60
    made = stream(tmp_path, [
        ("gov", 0, "При ракетном ударе по Судже погибли 5 человек, пострадали 124, сообщил губернатор Курской области."),
        ("wire", 7 * day, "Неделю назад при ракетном ударе по Судже погибли 5 человек и 124 пострадали, напомнил губернатор."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]
    monkeypatch.setattr(stage, "PRUNE_EVERY", 1)  # a prune before each post
    config = load_config(tmp_path / "monitor.toml")
    with Archive(config.storage.path) as archive:
        assert [(a["kind"], a["post_id"]) for a in replay(archive, config)] == [("new", 1)]


def test_the_storys_counts_alone_retold_the_next_day_within_its_span_are_a_repeat_told_in_other_words(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "7 августа при ракетном ударе по Судже погибли 3 человека, пострадали 151, сообщил губернатор Курской области."),
        ("wire", 23 * 60, "8 August: Sudzha mourns its dead after the missile strike. 3 people were killed and 151 injured,"
                          " the Kursk governor said."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]
    assert "figures injured 151, killed 3" in made[1][1]


def test_an_emergency_regime_after_a_post_telling_the_emergency_response_is_news_of_its_own(tmp_path):
    made = stream(tmp_path, [
        ("wire", 0, "A missile strike on Sudzha in Kursk region injured 5 people; roads were closed for hours amid the"
                    " emergency response, the governor said."),
        ("gov", 60, "В Судже Курской области ввели режим ЧС после ракетного удара, сообщил губернатор."),
    ])
    assert [d for d, _ in made] == ["new", "update"]
    assert "new: emergency" in made[1][1]


def test_a_power_outage_first_told_after_a_strike_is_an_update_and_its_retelling_is_not(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "Курск атакован ракетами, пострадали 3 человека, сообщил губернатор Курской области."),
        ("city", 30, "В Курске после ракетного удара перебои с электричеством, сообщил губернатор Курской области."),
        ("wire", 50, "Kursk: power outages after the missile strike, the regional governor said."),
    ])
    assert [d for d, _ in made] == ["new", "update", "repeat"]
    assert "new: outage" in made[1][1]


def test_an_airfield_first_named_as_hit_is_an_update_and_its_retelling_in_english_is_not(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "Над Курской областью сбиты 7 ракет ATACMS, сообщил губернатор Курской области."),
        ("mil", 30, "Над Курской областью сбиты 7 ракет ATACMS, одна попала в аэродром «Халино», сообщил губернатор."),
        ("wire", 50, "Seven ATACMS missiles were shot down over Kursk region, one hit the Khalino airfield, the governor said."),
    ])
    assert [d for d, _ in made] == ["new", "update", "repeat"]
    assert "new: facility Халино" in made[1][1]


def test_the_first_denial_told_of_a_story_is_an_update_and_the_next_is_not(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "При ракетном ударе по Судже погибли 8 человек, сообщил губернатор Курской области."),
        ("mil", 40, "При ракетном ударе по Судже погибли 8 человек. В ВСУ опровергли удар: в дом упала ракета ПВО."),
        ("blog", 60, "ВСУ опровергли удар по Судже, где погибли 8 человек: в дом упала ракета ПВО, пишут блогеры."),
    ])
    assert [d for d, _ in made] == ["new", "update", "repeat"]
    assert "a denial, the first told" in made[1][1]


def test_a_storys_first_denial_and_airfield_are_news_whatever_another_story_of_the_region_told(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "При ракетном ударе по Судже погибли 8 человек, сообщил губернатор Курской области."),
        ("mod", 20, "Минобороны опровергло сообщения о захвате Коренево. Над аэродромом «Халино» сбит беспилотник."),
        ("mil", 40, "При ракетном ударе по Судже погибли 8 человек. В ВСУ опровергли удар: в дом упала ракета ПВО."),
        ("gov", 60, "При ракетном ударе по Судже погибли 8 человек, ещё одна ракета попала в аэродром «Халино»."),
    ])
    assert [d for d, _ in made] == ["new", "new", "update", "update"]
    assert "a denial, the first told" in made[2][1] and "facility Халино" in made[3][1]


def test_a_toll_told_as_risen_later_in_a_post_is_its_change_and_its_retelling_is_not(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "При ракетном ударе по Курску погибли 10 человек, более 40 ранены, сообщил губернатор Курской области."),
        ("news", 60, "Удар по Курску: 10 погибших и более 40 раненых. Обновлено: по данным губернатора Курской области,"
                     " число раненых возросло до 47 человек."),
        ("wire", 90, "Число раненых при ракетном ударе по Курску возросло до 47, погибли 10 человек, сообщил губернатор."),
    ])
    assert [d for d, _ in made] == ["new", "update", "repeat"]
    assert "(was 40)" in made[1][1]


def test_a_retelling_saying_a_side_fires_missiles_tells_no_fire(tmp_path):
    made = stream(tmp_path, [
        ("mod", 0, "ВСУ впервые атаковали Курскую область ракетами Storm Shadow, сообщило Минобороны."),
        ("wire", 60, "Ukraine fires long-range Storm Shadow missiles into Kursk region for the first time,"
                     " the Russian defence ministry said."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]


def test_a_day_of_mourning_first_told_anywhere_in_a_post_is_an_update_and_its_retelling_is_not(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "При ракетном ударе по Курску погибли 5 человек, сообщил губернатор Курской области."),
        ("news", 60, "Губернатор Курской области рассказал о помощи пострадавшим при ракетном ударе по Курску, где погибли"
                     " 5 человек. 24 июня в Курске объявлено днём траура."),
        ("wire", 90, "При ракетном ударе по Курску погибли 5 человек; в городе объявлен день траура, сообщил губернатор."),
    ])
    assert [d for d, _ in made] == ["new", "update", "repeat"]
    assert "new: a day of mourning" in made[1][1]


def test_a_retelling_naming_the_same_airfield_in_another_language_joins_its_story(tmp_path):
    made = stream(tmp_path, [
        ("gur", 0, "ГУР: на аэродроме «Халино» в Курской области уничтожен вертолёт Ми-24."),
        ("wire", 60, "Ukraine's intelligence says a Russian Mi-24 helicopter was destroyed at the Khalino airfield"
                     " in Kursk Oblast, a video shows."),
    ])
    assert [d for d, _ in made] == ["new", "repeat"]
    assert "facility Khalino" in made[1][1]


def test_a_changed_count_of_points_opened_for_residents_is_an_update(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "После удара по Курску развернуты 445 пунктов несокрушимости, сообщил губернатор Курской области."),
        ("gov", 300, "В Курске работают уже 674 пункта несокрушимости, сообщил губернатор Курской области."),
        ("wire", 330, "674 resilience points are open in Kursk, the regional governor said."),
    ])
    assert [d for d, _ in made] == ["new", "update", "repeat"]
    assert "(was 445)" in made[1][1]


def test_a_counter_terrorism_regime_first_told_after_an_attack_is_an_update_and_its_retelling_is_not(tmp_path):
    made = stream(tmp_path, [
        ("gov", 0, "ВСУ атаковали Суджу Курской области, пострадали 5 человек, сообщил губернатор."),
        ("nak", 60, "В Курской области после атаки ВСУ на Суджу введён режим КТО, сообщил губернатор."),
        ("wire", 90, "A counter-terrorism regime was declared in Kursk region after the attack on Sudzha, the governor said."),
    ])
    assert [d for d, _ in made] == ["new", "update", "repeat"]
    assert "new: a counter-terrorism regime" in made[1][1]


ODESA = '[[watchlist]]\nname = "odesa"\nregions = ["UA-51"]\nrecipients = ["desk@example.org"]\n'


def test_a_town_that_labels_no_region_names_its_watched_region_in_the_lead(tmp_path):
    # Odesa and Izmail label no region (a region watched at region level): for an Odesa Oblast watchlist they are its places
    made = stream(tmp_path, [
        ("wire", 0, "Атакована Одесса. Ранее в Киеве сообщили о массированной атаке беспилотников по всей Украине."),
        ("news", 30, "В Измаиле повреждён порт. Ночью Россия также атаковала Киевскую и Харьковскую области."),
    ], toml=ODESA)
    assert [d for d, _ in made] == ["new", "new"]



CRIMEA = '[[watchlist]]\nname = "crimea"\nregions = ["UA-40", "UA-43"]\nrecipients = ["desk@example.org"]\n'


def test_a_count_of_a_city_regions_strike_by_the_same_weapon_is_the_storys_at_the_frames_nearness(tmp_path):
    from monitor.stories.detector import MEANING_WITH_FRAME, MEANING_WITH_REGION, Frame
    from monitor.stories.stage import detector_for

    config = load_config(write_config(tmp_path, CRIMEA))
    story = {"places": [], "regions": ["UA-40"], "figures": {"injured": [22], "killed": [2]}, "actors": ["governor"],
             "kinds": ["attack", "casualties", "missile"], "day": None, "late": False}
    near = (MEANING_WITH_FRAME + MEANING_WITH_REGION) / 2  # a retelling by another party, in its own words

    def compare(text: str, kinds: set[str], places: list[str] | None = None) -> bool:
        frame = Frame(kinds, places or [], ["UA-40"], extract_figures(text), "defence ministry",
                      "2024-06-23T11:35:00+00:00")
        with Archive(config.storage.path) as archive:
            return detector_for(archive.conn, config)._compare(frame, story, near).same

    assert compare("Над Севастополем сбиты четыре ракеты, пострадали 20 человек.", {"attack", "missile"})
    # struck by drones, not missiles; or a place of its own named: told apart by meaning alone
    assert not compare("Беспилотники атаковали Севастополь, пострадали 3 человека.", {"attack", "drone"})
    assert not compare("Ракетный удар по Инкерману, пострадали 3 человека.", {"attack", "missile"},
                       ["UA-40:geonames-712930"])
    assert not compare("После ракетного удара по Севастополю повреждены 5 домов.", {"attack", "missile"})  # no count shared
