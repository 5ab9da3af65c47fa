"""Where places lie: a settlement in its district and region, from the gazetteer's own fields
(``region``, and ``district`` where the place record names one), so that naming Sudzha after
Sudzhansky district is the same place, not a new one."""

from __future__ import annotations

from typing import Any

from ..matching.normalise import fold


def _key(name: str) -> str:
    return " ".join(fold(word) for word in name.split())


class PlaceTree:
    def __init__(self, places: list[dict[str, Any]]):
        self.names: dict[str, str] = {p["id"]: p.get("en") or p["id"] for p in places}
        # a district place by region and any of its names (folded), and by id
        districts: dict[tuple[str, str], str] = {}
        for p in places:
            if p.get("kind") == "district":
                for names in p.get("names", {}).values():
                    for name in names:
                        districts[(p["region"], _key(name))] = p["id"]
                districts[(p["region"], _key(p["id"]))] = p["id"]
        self.parents: dict[str, tuple[str, ...]] = {}
        for p in places:
            district = p.get("district")
            found = districts.get((p["region"], _key(district))) if district else None
            self.parents[p["id"]] = tuple(x for x in (found, p["region"]) if x and x != p["id"])

    @classmethod
    def empty(cls) -> PlaceTree:
        return cls([])

    def within(self, place: str) -> tuple[str, ...]:
        """The district and region ``place`` lies in (region codes are places too)."""
        return self.parents.get(place) or ((place.split(":")[0],) if ":" in place else ())

    def related(self, one: str, other: str) -> bool:
        """Whether one place is the other or lies inside it (either way)."""
        return one == other or one in self.within(other) or other in self.within(one)

    def overlap(self, ours: list[str], theirs: list[str]) -> list[str]:
        """The places of ``ours`` that are, contain or lie in a place of ``theirs``."""
        return [p for p in ours if any(self.related(p, q) for q in theirs)]

    def name(self, place: str) -> str:
        return self.names.get(place, place)
