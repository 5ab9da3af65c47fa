"""monitor match (explain what a post matches) and monitor gazetteer import (extend the gazetteer)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import main


@main.command()
@click.option("--text", "texts", multiple=True, help="a post to match (repeatable); without it, one post per line on stdin")
@click.option("--lang", help="take the posts to be in this language instead of detecting it")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per post")
@click.pass_obj
def match(app, texts: tuple[str, ...], lang: str | None, as_json: bool) -> None:
    """Show what posts match: language, regions, places, keywords, watchlists.

    The operator's tool for tuning watchlists: it uses the watchlists of the
    configuration and the gazetteer (bundled and imported) exactly as the daemon does.

    Examples:

        monitor match --text "Обстрел в Судже, пострадали 5 человек"

        monitor match --json < posts.txt
    """
    from ..language import detect
    from ..matching import matcher_for

    matcher = matcher_for(app.config)
    lines = list(texts) if texts else (line.rstrip("\n") for line in sys.stdin)
    for text in lines:
        found_lang = lang or detect(text).code
        result = matcher.match(text, lang=found_lang)
        if as_json:
            data = result.to_dict()
            data["watchlists"] = [w["name"] for w in data["watchlists"]]
            data["matches"] = [w.__dict__ | {"places": [p.id for p in w.places]} for w in result.watchlists]
            click.echo(json.dumps({"text": text, **data}, ensure_ascii=False))
            continue
        click.echo(text)
        click.echo(f"  lang:       {result.lang}")
        click.echo(f"  regions:    {', '.join(result.regions) or '-'}")
        if result.places:
            for p in result.places:
                click.echo(f"  place:      {p.name} ({p.kind}, {p.region}) from {', '.join(repr(w) for w in p.words)}")
        else:
            click.echo("  places:     -")
        click.echo(f"  keywords:   {', '.join(result.keywords) or '-'}")
        click.echo(f"  watchlists: {', '.join(w.name for w in result.watchlists) or '-'}"
                   + (f" (excluded: {', '.join(result.excluded)})" if result.excluded else ""))


@main.group()
def gazetteer() -> None:
    """The gazetteer of regions and places that watchlists match."""


@gazetteer.command("import")
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--region", help="put every place of the file into this region (ISO 3166-2 code)")
@click.option("--admin1-codes", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="GeoNames admin1CodesASCII.txt, to place regions outside Russia and Ukraine")
@click.pass_obj
def gazetteer_import(app, path: Path, region: str | None, admin1_codes: Path | None) -> None:
    """Extend the gazetteer from a GeoNames dump (tab-separated, geonames.org format).

    Populated places, regions (ADM1) and districts (ADM2) with their alternate
    names are added to the gazetteer beside the archive; the daemon picks them up
    at its next start (or reload). A file with any bad line changes nothing.

    Example:

        monitor gazetteer import RU.txt --region RU-VOR
    """
    from monitor.matching.gazetteer import imported_dir

    from ..matching.geonames import GeoNamesError, import_geonames

    folder = imported_dir(app.config.storage.path)
    assert folder is not None  # the archive's path is always set
    try:
        report = import_geonames(path, folder, admin1_codes=admin1_codes, region=region)
    except GeoNamesError as exc:
        for error in exc.errors:
            click.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None
    click.echo(f"{path}: {report.places} places, {report.districts} districts, {report.regions} regions"
               f" ({report.replaced} replaced, {report.skipped} lines of other kinds skipped) -> {report.folder}")
    for code, count in sorted(report.by_region.items()):
        click.echo(f"  {code}: {count}")
