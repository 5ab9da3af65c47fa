"""What an UPDATE changed, in lines desk staff read: "killed: 2 (new)", "injured: 12 -> 20", "injured: +2",
"new place: Sudzha", "confirmed for the first time by defence ministry"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def describe_changes(changes: dict[str, Any], place_name: Callable[[str], str] = str) -> list[str]:
    """Lines for the "What changed" part of an alert, from its ``changes`` (``Decision.changes``
    as stored in ``alerts.changes``): one per figure, then one per new place (a gazetteer id,
    named by ``place_name``)."""
    lines = []
    for figure in changes.get("figures") or []:
        if not isinstance(figure, dict):  # as written, by an earlier version
            lines.append(f"new figure: {figure}")
            continue
        unit, value, was = figure.get("unit", "figure"), figure.get("value"), figure.get("was")
        if figure.get("added"):  # a count added to a toll («ещё двое ранены»)
            lines.append(f"{unit}: +{value}")
        else:
            lines.append(f"{unit}: {value} (new)" if was is None else f"{unit}: {was} -> {value}")
    for place in changes.get("places") or []:
        name = place.get("name") or place.get("id") if isinstance(place, dict) else place_name(place)
        lines.append(f"new place: {name}")
    if changes.get("confirmed"):
        confirmed = changes["confirmed"]
        lines.append("confirmed for the first time" + (f" by {confirmed}" if confirmed != "yes" else ""))
    return lines
