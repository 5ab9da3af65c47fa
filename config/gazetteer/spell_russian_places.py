"""Add to places/RU-*.json the spellings other sources give the hand-checked Russian names.

    python config/gazetteer/spell_russian_places.py

Ukrainian news often spells a Russian village letter by letter («Ніколаєво-Дар'їно») rather than by its
Ukrainian form («Миколаєво-Дар'їно»): each place's Russian names, spelled by
``translit.ru_to_uk_letters``, are added to its Ukrainian names where missing. Running it again
changes nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from monitor.matching.translit import ru_to_uk_letters  # noqa: E402

REGIONS = ("RU-KRS", "RU-BEL", "RU-BRY")


def spell(places: list[dict]) -> int:
    added = 0
    for place in places:
        names = place.setdefault("names", {})
        uk = names.setdefault("uk", [])
        for ru in names.get("ru", []):
            spelled = ru_to_uk_letters(ru)
            if spelled != ru and spelled not in uk:
                uk.append(spelled)
                added += 1
    return added


def main() -> None:
    for region in REGIONS:
        path = HERE / "places" / f"{region}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        added = spell(data["places"] if isinstance(data, dict) else data)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{path}: {added} Ukrainian spellings added")


if __name__ == "__main__":
    main()
