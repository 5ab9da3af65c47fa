"""Extending the gazetteer from a GeoNames dump (geonames.org, tab-separated).

Columns: geonameid, name, asciiname, alternatenames (comma-separated), latitude,
longitude, feature class, feature code, country code, cc2, admin1 code, admin2
code, admin3 code, admin4 code, population, elevation, dem, timezone,
modification date.

Kept: populated places (feature class P), first-level regions (ADM1) and
districts (ADM2). Everything else is skipped.

Which region a line belongs to (ISO 3166-2), first rule that applies:

1. ``region=`` (``--region CODE``): every line of the file goes to that region;
2. the built-in table of GeoNames admin1 codes of Russia and Ukraine
   (``RU.41`` -> ``RU-KRS``, ``UA.21`` -> ``UA-59``);
3. an admin1 codes file (``--admin1-codes``, GeoNames ``admin1CodesASCII.txt``:
   ``RU.41<TAB>Kursk<TAB>Kursk Oblast<TAB>554234``) whose region name matches a
   region of the gazetteer by English name.

Names are sorted by script: Cyrillic with Ukrainian letters (і ї є ґ) -> uk,
other Cyrillic -> ru, Latin -> en; other scripts are left out. A single-word
Russian or Ukrainian name that is also an ordinary word (Белая, Мирный) marks
the place ambiguous, so it needs extra evidence in a post.

The result is stored as JSON in the gazetteer folder beside the archive
(``regions.json``, ``places/<REGION>.json``), merged at load time. Importing a
line whose geonameid was imported before replaces it. A file with any bad line
is not applied at all: every problem is reported with its line number.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.matching.gazetteer import load_gazetteer, read_places, read_regions

COLUMNS = 19
_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
_UK_LETTERS = set("іїєґІЇЄҐ")
_CYRILLIC_RU_UK = re.compile(r"^[А-Яа-яЁёІіЇїЄєҐґ'’ʼ\- .()]+$")
_LATIN_NAME = re.compile(r"^[A-Za-z\u00c0-\u024f'’ʼ\- .]+$")

# GeoNames admin1 codes (FIPS 10-4 numbers) of Russia and Ukraine -> ISO 3166-2.
ADMIN1_TO_ISO: dict[str, str] = {
    "RU.01": "RU-AD", "RU.03": "RU-AL", "RU.04": "RU-ALT", "RU.05": "RU-AMU", "RU.06": "RU-ARK",
    "RU.07": "RU-AST", "RU.08": "RU-BA", "RU.09": "RU-BEL", "RU.10": "RU-BRY", "RU.11": "RU-BU",
    "RU.12": "RU-CE", "RU.13": "RU-CHE", "RU.15": "RU-CHU", "RU.16": "RU-CU", "RU.17": "RU-DA",
    "RU.19": "RU-IN", "RU.20": "RU-IRK", "RU.21": "RU-IVA", "RU.22": "RU-KB", "RU.23": "RU-KGD",
    "RU.24": "RU-KL", "RU.25": "RU-KLU", "RU.27": "RU-KC", "RU.28": "RU-KR", "RU.29": "RU-KEM",
    "RU.30": "RU-KHA", "RU.31": "RU-KK", "RU.32": "RU-KHM", "RU.33": "RU-KIR", "RU.34": "RU-KO",
    "RU.37": "RU-KOS", "RU.38": "RU-KDA", "RU.40": "RU-KGN", "RU.41": "RU-KRS", "RU.42": "RU-LEN",
    "RU.43": "RU-LIP", "RU.44": "RU-MAG", "RU.45": "RU-ME", "RU.46": "RU-MO", "RU.47": "RU-MOS",
    "RU.48": "RU-MOW", "RU.49": "RU-MUR", "RU.50": "RU-NEN", "RU.51": "RU-NIZ", "RU.52": "RU-NGR",
    "RU.53": "RU-NVS", "RU.54": "RU-OMS", "RU.55": "RU-ORE", "RU.56": "RU-ORL", "RU.57": "RU-PNZ",
    "RU.59": "RU-PRI", "RU.60": "RU-PSK", "RU.61": "RU-ROS", "RU.62": "RU-RYA", "RU.63": "RU-SA",
    "RU.64": "RU-SAK", "RU.65": "RU-SAM", "RU.66": "RU-SPE", "RU.67": "RU-SAR", "RU.68": "RU-SE",
    "RU.69": "RU-SMO", "RU.70": "RU-STA", "RU.71": "RU-SVE", "RU.72": "RU-TAM", "RU.73": "RU-TA",
    "RU.75": "RU-TOM", "RU.76": "RU-TUL", "RU.77": "RU-TVE", "RU.78": "RU-TYU", "RU.79": "RU-TY",
    "RU.80": "RU-UD", "RU.81": "RU-ULY", "RU.83": "RU-VLA", "RU.84": "RU-VGG", "RU.85": "RU-VLG",
    "RU.86": "RU-VOR", "RU.87": "RU-YAN", "RU.88": "RU-YAR", "RU.89": "RU-YEV", "RU.90": "RU-PER",
    "RU.91": "RU-KYA", "RU.92": "RU-KAM", "RU.93": "RU-ZAB",
    "UA.01": "UA-71", "UA.02": "UA-74", "UA.03": "UA-77", "UA.04": "UA-12", "UA.05": "UA-14",
    "UA.06": "UA-26", "UA.07": "UA-63", "UA.08": "UA-65", "UA.09": "UA-68", "UA.10": "UA-35",
    "UA.11": "UA-43", "UA.12": "UA-30", "UA.13": "UA-32", "UA.14": "UA-09", "UA.15": "UA-46",
    "UA.16": "UA-48", "UA.17": "UA-51", "UA.18": "UA-53", "UA.19": "UA-56", "UA.20": "UA-40",
    "UA.21": "UA-59", "UA.22": "UA-61", "UA.23": "UA-05", "UA.24": "UA-07", "UA.25": "UA-21",
    "UA.26": "UA-23", "UA.27": "UA-18",
}


class GeoNamesError(Exception):
    """The file (or the admin1 codes file) has bad lines; nothing was applied."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass
class ImportReport:
    folder: Path
    places: int = 0
    districts: int = 0
    regions: int = 0
    replaced: int = 0
    skipped: int = 0  # lines of other feature classes
    by_region: dict[str, int] = field(default_factory=dict)


def read_admin1_codes(path: str | os.PathLike) -> dict[str, str]:
    """``RU.41`` -> region name, from a GeoNames admin1CodesASCII.txt file."""
    path = Path(path)
    out: dict[str, str] = {}
    errors = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GeoNamesError([f"{path}: cannot read: {exc}"]) from None
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 3 or not re.match(r"^[A-Z]{2}\.[0-9A-Za-z]+$", cols[0]):
            errors.append(f"{path}:{number}: expected 'CC.code<TAB>name<TAB>ascii name<TAB>geonameid' (admin1CodesASCII.txt format)")
            continue
        out[cols[0]] = cols[2] or cols[1]
    if errors:
        raise GeoNamesError(errors)
    return out


def _simplify(name: str) -> str:
    name = name.lower().replace("'", "").replace("’", "")
    for word in (" oblast", " oblast'", " region", " krai", " kray", " republic", "republic of ", " province"):
        name = name.replace(word, "")
    return re.sub(r"[^a-z]", "", name)


def _classify(names: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"ru": [], "uk": [], "en": []}
    for name in names:
        name = name.strip()
        if not name or not any(c.isalpha() for c in name) or len(name) > 60:
            continue
        if _CYRILLIC_RU_UK.match(name):
            lang = "uk" if any(c in _UK_LETTERS for c in name) else "ru"
        elif _LATIN_NAME.match(name):
            lang = "en"
        else:
            continue
        if name not in out[lang]:
            out[lang].append(name)
    return {lang: names for lang, names in out.items() if names}


def _ambiguous(names: dict[str, list[str]]) -> bool:
    """A one-word Cyrillic name that is an ordinary word in the dictionary (Белая, Мирный)."""
    from .morphology import analyzer
    from .normalise import fold

    for lang in ("ru", "uk"):
        for name in names.get(lang, []):
            if " " in name or "-" in name:
                continue
            word = fold(name)
            if len(word) <= 3:
                return True
            morph = analyzer(lang)
            if morph.word_is_known(word):
                top = morph.parse(word)[0]
                if not ({"Geox", "Name", "Surn", "Patr", "Orgn"} & top.tag.grammemes):
                    return True
    return False


def _kind(feature_code: str, population: int) -> str:
    if feature_code == "ADM2":
        return "district"
    if feature_code in ("PPLC", "PPLA") or population >= 100_000:
        return "city"
    if feature_code == "PPLA2" or population >= 5_000:
        return "town"
    return "village"


def _write_json(path: Path, data: Any) -> Path:
    """Write next to ``path`` and return the temporary file (renamed by the caller)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")
    return Path(tmp)


def import_geonames(
    path: str | os.PathLike,
    folder: str | os.PathLike,
    *,
    admin1_codes: str | os.PathLike | None = None,
    region: str | None = None,
) -> ImportReport:
    """Read a GeoNames dump and merge it into the gazetteer folder ``folder``. Raises GeoNamesError."""
    path, folder = Path(path), Path(folder)
    if region is not None and not _CODE.match(region):
        raise GeoNamesError([f'--region: "{region}" is not an ISO 3166-2 code (like "RU-VOR" or "UA-59")'])
    admin1_names = read_admin1_codes(admin1_codes) if admin1_codes else {}
    gazetteer = load_gazetteer(folder)
    by_name: dict[tuple[str, str], str] = {}
    for region_code, r in gazetteer.regions.items():
        for n in [r["en"], *r["names"].get("en", [])]:
            by_name.setdefault((region_code[:2], _simplify(n)), region_code)

    errors: list[str] = []
    unmapped: dict[str, tuple[int, int]] = {}
    new_regions: dict[str, dict[str, Any]] = {}
    new_places: list[dict[str, Any]] = []
    report = ImportReport(folder)
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise GeoNamesError([f"{path}: cannot read: {exc}"]) from None
    with handle:
        try:
            for number, line in enumerate(handle, 1):
                line = line.rstrip("\r\n")
                if not line.strip() or line.startswith("#"):
                    continue
                cols = line.split("\t")
                if len(cols) != COLUMNS:
                    errors.append(f"{path}:{number}: expected {COLUMNS} tab-separated columns (geonames.org format), got {len(cols)}")
                    continue
                (gid, name, ascii_name, alternates, lat, lon, fclass, fcode, cc, _cc2, admin1, _admin2,
                 *_rest) = cols
                population_text = cols[14]
                if not gid.isdigit():
                    errors.append(f"{path}:{number}: geonameid must be a number, got {gid!r}")
                    continue
                if not name.strip():
                    errors.append(f"{path}:{number}: name is empty")
                    continue
                try:
                    latitude, longitude = float(lat), float(lon)
                except ValueError:
                    errors.append(f"{path}:{number}: latitude and longitude must be numbers, got {lat!r}, {lon!r}")
                    continue
                if population_text and not population_text.lstrip("-").isdigit():
                    errors.append(f"{path}:{number}: population must be a whole number, got {population_text!r}")
                    continue
                population = int(population_text or 0)
                if not (fclass == "P" or fcode in ("ADM1", "ADM2")):
                    report.skipped += 1
                    continue
                key = f"{cc}.{admin1}"
                code = region or ADMIN1_TO_ISO.get(key)
                if code is None and key in admin1_names:
                    code = by_name.get((cc, _simplify(admin1_names[key])))
                if code is None:
                    first, count = unmapped.get(key, (number, 0))
                    unmapped[key] = (first, count + 1)
                    continue
                names = _classify([name, ascii_name, *alternates.split(",")])
                en = ascii_name or name
                names.setdefault("en", [])
                if en not in names["en"]:
                    names["en"].insert(0, en)
                record: dict[str, Any] = {"geonameid": int(gid), "names": names, "source": "geonames"}
                if fcode == "ADM1":
                    record.update({"code": code, "country": cc or code[:2], "en": en, "adjectives": {}})
                    new_regions[code] = record
                    continue
                record.update(
                    {
                        "id": f"geonames:{gid}",
                        "kind": _kind(fcode, population),
                        "region": code,
                        "en": en,
                        "ambiguous": _ambiguous(names),
                        "population": population,
                        "lat": latitude,
                        "lon": longitude,
                    }
                )
                new_places.append(record)
        except UnicodeDecodeError as exc:
            errors.append(f"{path}: not UTF-8 text: {exc}")
    for key, (first, count) in sorted(unmapped.items()):
        more = f" and {count - 1} more line(s)" if count > 1 else ""
        errors.append(
            f"{path}:{first}: admin1 code {key} has no ISO 3166-2 region{more}: pass --admin1-codes FILE or --region CODE"
        )
    known = set(gazetteer.regions) | set(new_regions)
    missing: dict[str, int] = {}
    for p in new_places:
        if p["region"] not in known:
            missing[p["region"]] = missing.get(p["region"], 0) + 1
    for code, count in sorted(missing.items()):
        errors.append(
            f"{path}: region {code} ({count} place(s)) is not in the gazetteer: include its ADM1 line in the file"
        )
    if errors:
        raise GeoNamesError(errors)
    if not new_places and not new_regions:
        raise GeoNamesError([f"{path}: no populated places (feature class P), ADM1 or ADM2 lines found"])
    _apply(folder, new_regions, new_places, report)
    return report


def _apply(folder: Path, new_regions: dict[str, dict[str, Any]], new_places: list[dict[str, Any]], report: ImportReport) -> None:
    ids = {p["geonameid"] for p in new_places} | {r["geonameid"] for r in new_regions.values()}
    places_dir = folder / "places"
    current: dict[str, list[dict[str, Any]]] = {}
    if places_dir.is_dir():
        for file in sorted(places_dir.glob("*.json")):
            current[file.stem] = read_places(file)
    touched: set[str] = set()
    for code, places in current.items():
        kept = [p for p in places if p.get("geonameid") not in ids]
        if len(kept) != len(places):
            report.replaced += len(places) - len(kept)
            current[code] = kept
            touched.add(code)
    for p in new_places:
        current.setdefault(p["region"], []).append(p)
        touched.add(p["region"])
        report.by_region[p["region"]] = report.by_region.get(p["region"], 0) + 1
        if p["kind"] == "district":
            report.districts += 1
        else:
            report.places += 1
    pending: list[tuple[Path, Path]] = []
    try:
        if new_regions:
            regions_path = folder / "regions.json"
            regions = read_regions(regions_path) if regions_path.exists() else []
            regions = [r for r in regions if r.get("geonameid") not in ids and r["code"] not in new_regions]
            regions.extend(new_regions.values())
            report.regions = len(new_regions)
            pending.append((_write_json(regions_path, regions), regions_path))
        for code in sorted(touched):
            target = places_dir / f"{code}.json"
            pending.append((_write_json(target, current[code]), target))
    except OSError as exc:
        _cleanup(pending)
        raise GeoNamesError([f"{folder}: cannot write the gazetteer: {exc}"]) from None
    for tmp, target in pending:
        os.replace(tmp, target)


def _cleanup(pending: list[tuple[Path, Path]]) -> None:
    for tmp, _ in pending:
        tmp.unlink(missing_ok=True)
