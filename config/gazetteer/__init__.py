"""The bundled gazetteer: regions (ISO 3166-2) and the places inside them.

Data files beside this module: ``regions.json``, ``places/<REGION>.json``,
``exclusions.json``; operators' additions (``monitor gazetteer import``) live in
the archive folder and are merged at load time.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def load_regions() -> tuple[dict, ...]:
    path = DATA_DIR / "regions.json"
    if not path.exists():
        return ()
    return tuple(json.loads(path.read_text(encoding="utf-8")))


def known_region_codes() -> frozenset[str]:
    return frozenset(r["code"] for r in load_regions())
