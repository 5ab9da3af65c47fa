"""Regions and places as people read them: "Kursk Oblast", "Sudzha (Kursk Oblast)".

The archive keeps gazetteer ids (``RU-KRS``, ``RU-KRS:sudzha``); mails, the story board and
the CLI show the English names of the gazetteer records instead. An id the gazetteer does
not know is shown as it is.
"""

from __future__ import annotations

import os
import re
from typing import Any

from .gazetteer import Gazetteer, imported_dir, load_gazetteer

# A region code (RU-KRS, UA-59) or a place id (RU-KRS:sudzha), standing alone in a text.
_ID = re.compile(r"(?<![\w:-])([A-Z]{2}-[A-Z0-9]{1,3})(?::([a-z0-9][a-z0-9_-]*))?(?![\w:])")


class PlaceLabels:
    """English names of a gazetteer's regions and places."""

    def __init__(self, gazetteer: Gazetteer):
        self.regions = {code: region.get("en") or code for code, region in gazetteer.regions.items()}
        self.places: dict[str, dict[str, Any]] = {p["id"]: p for p in gazetteer.places}

    def region(self, code: str) -> str:
        """"Kursk Oblast" for RU-KRS."""
        return self.regions.get(code, code)

    def place(self, place_id: str) -> str:
        """"Sudzha (Kursk Oblast)" for RU-KRS:sudzha."""
        place = self.places.get(place_id)
        if place is None:
            return place_id
        return f"{place['en']} ({self.region(place['region'])})"

    def label(self, ref: str) -> str:
        """A place id or a region code, in words."""
        return self.place(ref) if ":" in ref else self.region(ref)

    def readable(self, text: str) -> str:
        """``text`` with every region code and place id in it replaced by its name."""
        def name(m: re.Match) -> str:
            return self.label(m.group(0)) if (m.group(2) is None and m.group(1) in self.regions) \
                or m.group(0) in self.places else m.group(0)

        return _ID.sub(name, text or "")


def labels_for(storage_path: str | os.PathLike | None = None) -> PlaceLabels:
    """The labels of the bundled gazetteer plus the places imported beside the archive at ``storage_path``."""
    return PlaceLabels(load_gazetteer(imported_dir(storage_path)))
