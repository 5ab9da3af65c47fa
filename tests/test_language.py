"""Language of a post: script cues first, langdetect for the rest; one-sentence posts must be right."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from monitor.language import detect

SENTENCES = Path(__file__).parent / "data" / "language_sentences.tsv"


def load_sentences() -> list[tuple[str, str]]:
    with SENTENCES.open(encoding="utf-8", newline="") as handle:
        return [(row["lang"], row["text"]) for row in csv.DictReader(handle, delimiter="\t")]


def test_one_sentence_posts_are_right_at_least_97_percent_of_the_time():
    rows = load_sentences()
    assert len(rows) >= 300 and {lang for lang, _ in rows} == {"ru", "uk", "en"}
    wrong = [(lang, detect(text).code, text) for lang, text in rows if detect(text).code != lang]
    accuracy = 1 - len(wrong) / len(rows)
    assert accuracy >= 0.97, f"accuracy {accuracy:.3f}; wrong: {wrong[:15]}"


def test_the_hard_cases_without_cue_letters_are_in_the_test_set():
    rows = load_sentences()
    uk_plain = [t for lang, t in rows if lang == "uk" and not set("іїєґІЇЄҐ") & set(t)]
    ru_plain = [t for lang, t in rows if lang == "ru" and not set("ыэъёЫЭЪЁ") & set(t)]
    assert len(uk_plain) >= 20 and len(ru_plain) >= 20


@pytest.mark.parametrize(
    "text, code",
    [
        ("У Суджі оголошено евакуацію", "uk"),
        ("В Судже объявлена эвакуация", "ru"),
        ("Ворог атакував Суми дронами вночі", "uk"),
        ("Противник атаковал Сумы дронами ночью", "ru"),
        ("Що відомо про ситуацію на кордоні", "uk"),
        ("Что известно о ситуации на границе", "ru"),
        ("Kursk governor says 24 people injured in Sudzha", "en"),
        ("Повітряна тривога у Харкові та області", "uk"),
        ("Губернатор Курской области Алексей Смирнов", "ru"),
    ],
)
def test_short_posts(text, code):
    assert detect(text).code == code


@pytest.mark.parametrize("text", ["", "   ", "🔥🔥🔥", "https://t.me/example/42", "12:00 08.08.2024", "@channel_name", "👍 https://example.org"])
def test_a_post_without_letters_is_undetermined_never_an_error(text):
    assert detect(text) == ("und", 0.0)


def test_detection_is_deterministic_and_gives_a_confidence():
    text = "Сили оборони продовжують операцію"
    first = detect(text)
    assert all(detect(text) == first for _ in range(5))
    assert 0 < first.confidence <= 1


def test_a_russian_post_quoting_a_ukrainian_name_stays_russian():
    assert detect("Минобороны сообщило о боях у Вовчанська и под Харьковом, ситуация остается сложной").code == "ru"


def test_latin_text_in_another_language_is_not_forced_into_english():
    assert detect("Die ukrainische Armee hat die Grenze zur russischen Region Kursk überschritten").code == "de"
