"""monitor search / export / stats on a real archive, as an analyst runs them; the archive in Datasette."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import datetime, timezone

import pytest

from monitor.config import load_config
from monitor.storage import Archive

from .conftest import EXAMPLES, ROOT, invoke, storage_section, write_config

EXPORTS = [str(p) for p in sorted(EXAMPLES.glob("*/result.json"))]
KURSK = '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nrecipients = ["desk@example.org"]\n'


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(request, tmp_path_factory):
    """The example exports imported once for this module's tests, which only read the archive: on
    each engine (a SQLite file; a PostgreSQL database on the session's server)."""
    pg = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    config_path = write_config(tmp_path_factory.mktemp("loaded"), storage_section(request.param, pg) + KURSK)
    result = invoke("import", *EXPORTS, config=config_path)
    assert result.returncode == 0, result.stderr
    return config_path


def lines(result):
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_search_json_carries_the_post_fields_newest_first(loaded):
    posts = lines(invoke("search", "Олешня", "--exact", "--json", config=loaded))
    assert [p["message_id"] for p in posts] == [501, 40001]  # the forward (14:07:40) is newer than the claim (14:05:12)
    for p in posts:
        assert {"source", "channel", "message_id", "date", "lang", "text", "translation", "url"} <= set(p)
        assert "[Олешня]" in p["snippet"]
    assert posts[1]["url"] == "https://t.me/c/1000000101/40001" and posts[1]["lang"] == "ru"


def test_search_filters_by_language_channel_and_dates(loaded):
    uk = lines(invoke("search", "Курщині OR Курщина OR Kursk", "--exact", "--lang", "uk", "--json", config=loaded))
    assert uk and {p["lang"] for p in uk} == {"uk"}
    governor = lines(invoke("search", "пострадавших", "--exact", "--channel", "Губернатор Курской области", "--json", config=loaded))
    assert [p["message_id"] for p in governor] == [2102]
    day = lines(invoke("search", "Kursk", "--exact", "--since", "2024-08-07", "--until", "2024-08-07", "--json", config=loaded))
    assert [p["message_id"] for p in day] == [303]


def test_search_limit_and_table_output(loaded):
    result = invoke("search", "Курской", "--exact", "--limit", "2", config=loaded)
    assert result.returncode == 0
    table = result.stdout.splitlines()
    assert table[0].split()[:4] == ["date", "where", "message_id", "lang"]
    assert len(table) == 4  # header, rule, two rows


def test_a_search_syntax_error_is_a_message_not_a_traceback(loaded):
    result = invoke("search", '"state of', config=loaded)
    assert result.returncode == 1
    assert "a double quote is not closed" in result.stderr and "Traceback" not in result.stderr
    result = invoke("search", "Суджа AND", "--exact", config=loaded)
    assert result.returncode == 1 and "cannot search for" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_date_filter_names_the_option(loaded):
    result = invoke("search", "Суджа", "--since", "last tuesday", config=loaded)
    assert result.returncode == 2 and "--since/--until" in result.stderr and "last tuesday" in result.stderr


def test_search_before_anything_was_imported_says_so(tmp_path, config_path):
    result = invoke("search", "Суджа", config=config_path)
    assert result.returncode == 1 and "archive does not exist" in result.stderr


def test_export_formats_carry_every_post(loaded, tmp_path):
    ndjson = lines(invoke("export", config=loaded))
    assert len(ndjson) == 33 and ndjson[0]["date"] <= ndjson[-1]["date"]
    whole = invoke("export", "--format", "json", config=loaded)
    assert json.loads(whole.stdout) == ndjson
    target = tmp_path / "out.csv"
    result = invoke("export", "--format", "csv", "-o", str(target), "--lang", "en", config=loaded)
    assert result.returncode == 0 and "wrote 5 posts" in result.stderr
    table = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(table) == 5 and {r["lang"] for r in table} == {"en"}
    assert {"source", "channel", "message_id", "date", "lang", "text", "translation", "url"} <= set(table[0])


def test_export_with_a_query_exports_the_matches(loaded):
    posts = lines(invoke("export", "Тёткино OR Tyotkino", "--exact", config=loaded))
    assert sorted(p["message_id"] for p in posts) == [305, 2106]


def test_stats_counts_per_channel_language_and_day(loaded):
    rows = lines(invoke("stats", "--json", config=loaded))
    per_channel = {r["title"]: r["posts"] for r in rows if r["by"] == "channel"}
    assert per_channel == {"Фронтовая сводка": 9, "Минобороны России": 8, "Губернатор Курской области": 6,
                           "Сумщина онлайн": 5, "Border Watch": 5}
    per_lang = {r["lang"]: r["posts"] for r in rows if r["by"] == "lang"}
    assert per_lang["uk"] == 5 and per_lang["en"] == 5 and sum(per_lang.values()) == 33
    per_day = {r["day"]: r["posts"] for r in rows if r["by"] == "day"}
    assert per_day == {"2024-08-01": 1, "2024-08-06": 13, "2024-08-07": 14, "2024-08-08": 5}
    csv_out = invoke("stats", "--by", "lang", "--csv", config=loaded)
    assert csv_out.stdout.splitlines()[0] == "lang,posts"


def test_story_status_alerts_and_rematch_work_on_each_engine(loaded):
    stories = lines(invoke("stories", "--json", config=loaded))
    opened = max(stories, key=lambda s: s["posts"])
    timeline = lines(invoke("story", str(opened["id"]), "--json", config=loaded))
    assert len(timeline) == opened["posts"] and timeline[0]["decision"] == "new"
    status = json.loads(invoke("status", "--json", config=loaded).stdout)
    assert status["posts"] == 33
    assert status["archive"].startswith("postgresql://") == ("url =" in loaded.read_text())
    assert lines(invoke("alerts", "--json", config=loaded)) == []  # an import of history mails nothing
    with Archive.of(load_config(loaded).storage, readonly=True) as archive:
        matched = archive.conn.execute("SELECT count(*) FROM post_matches").fetchone()[0]
    assert matched >= 20  # most example posts are about the Kursk region
    again = invoke("rematch", config=loaded)  # the same watchlists: the same matches, written again
    assert again.returncode == 0, again.stderr
    assert f"matched 33 stored posts again with 1 watchlists: {matched} -> {matched}" in again.stdout
    assert lines(invoke("stories", "--json", config=loaded)) == stories


def test_the_archive_opens_in_datasette_with_full_text_search(loaded):
    from datasette.app import Datasette

    if "url =" in loaded.read_text():
        pytest.skip("Datasette opens SQLite archives only; a PostgreSQL archive is read with its own tools")

    async def query():
        ds = Datasette([str(loaded.parent / "archive.db")], metadata=json.loads((ROOT / "config" / "datasette.json").read_text()))
        await ds.invoke_startup()
        response = await ds.client.get("/archive/posts.json?_search=Nikolayevo&_shape=array")
        return response.status_code, response.json()

    status, rows = asyncio.run(query())
    assert status == 200
    assert [r["message_id"] for r in rows] == [301]


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_demo_loads_the_examples_and_shows_the_archive_stories_and_alerts(tmp_path, engine, request):
    pg = request.getfixturevalue("pg_server") if engine == "postgresql" else None
    config_path = write_config(tmp_path, storage_section(engine, pg) + KURSK)
    result = invoke("demo", config=config_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "imported 3 of 3 files: 33 new" in out
    assert f"== archive {'postgresql://' if pg else tmp_path / 'archive.db'}" in out
    assert "posts per channel" in out and "Минобороны России" in out
    assert "== watchlist kursk (RU-KRS)" in out
    assert "== stories" in out and "== the alerts monitor would have mailed" in out
    assert "NEW    [kursk] Губернатор Курской области/2101" in out
    assert "Курском вокзале" not in out.split("== watchlist kursk")[1]  # the false friend matched nothing
    again = invoke("demo", config=config_path)
    assert again.returncode == 0 and "0 new, 0 updated, 33 unchanged" in again.stdout


# -- searching across scripts, filters over stored matches, query pitfalls (one imported archive, in process) --


@pytest.fixture(scope="module")
def archive_config(tmp_path_factory):
    from .conftest import write_config

    folder = tmp_path_factory.mktemp("analyst")
    path = write_config(folder, '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nrecipients = ["desk@example.org"]\n')
    result = run_here(path, "import", *EXPORTS)
    assert result.exit_code == 0, result.output
    return path


def run_here(config, *args):
    """The CLI in process on the module's archive, with click's own result (exit_code, stdout, stderr)."""
    from click.testing import CliRunner

    from monitor.cli import main

    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def ids(result):
    assert result.exit_code == 0, result.stderr
    return [json.loads(line)["message_id"] for line in result.stdout.splitlines()]


def test_a_place_name_finds_its_posts_in_every_script_and_says_so(archive_config):
    russian = run_here(archive_config, "search", "Суджа", "--json")
    english = run_here(archive_config, "search", "Sudzha", "--json")
    assert "Суджа: also Sudzha, Sudja, Sudža" in russian.stderr
    assert set(ids(russian)) == set(ids(english))
    assert {302, 2102, 9002} <= set(ids(russian))  # the English, Russian and Ukrainian reports of the injured
    nikolayevo = ids(run_here(archive_config, "search", "Nikolayevo-Daryino", "--json"))
    assert {301, 9001, 40001} <= set(nikolayevo)  # en, uk, ru
    kursk_uk = ids(run_here(archive_config, "search", "Курськ", "--json"))
    assert 303 in kursk_uk and 2107 in kursk_uk  # "Kursk Oblast", «в Курской области»
    exact = ids(run_here(archive_config, "search", "Суджа", "--exact", "--json"))
    assert 302 not in exact  # --exact: as written


def test_place_and_region_filters_read_the_stored_matches(archive_config):
    by_name = ids(run_here(archive_config, "search", "--place", "Суджі", "--json"))
    by_id = ids(run_here(archive_config, "search", "--place", "RU-KRS:sudzha", "--json"))
    assert by_name == by_id and {302, 2102, 9002} <= set(by_name)
    with_query = ids(run_here(archive_config, "search", "children", "--place", "Sudzha", "--json"))
    assert with_query == [302]
    region = ids(run_here(archive_config, "search", "--region", "RU-KRS", "--limit", "500", "--json"))
    assert set(by_name) < set(region)
    unknown = run_here(archive_config, "search", "--place", "Atlantis")
    assert unknown.exit_code == 2 and 'no place "Atlantis" in the gazetteer' in unknown.stderr
    bad_region = run_here(archive_config, "search", "--region", "RU-KRZ")
    assert bad_region.exit_code == 2 and "not a region code" in bad_region.stderr


@pytest.mark.parametrize("query, message", [
    ("NOT Суджа", "NOT needs a word before it"),
    ("Суджа AND", "AND at the end needs a word after it"),
    ("Суджа OR", "OR at the end needs a word after it"),
    ("Суджа AND OR Курск", "OR needs a word on each side"),
    ("-вокзал", "no word left to search for"),
    ("*", "no word to search for; a * goes after the start of a word"),
    ("NEAR(суджа района, abc)", 'expected integer, got "abc"'),
])
def test_query_pitfalls_get_a_clear_error(archive_config, query, message):
    for exact in ((), ("--exact",)):
        result = run_here(archive_config, "search", *exact, "--", query)
        assert result.exit_code == 1 and message in result.stderr, (query, exact, result.stderr)


def test_minus_leaves_a_word_out_and_near_works_without_exact(archive_config):
    both = ids(run_here(archive_config, "search", "Суджа", "--json"))
    without = ids(run_here(archive_config, "search", "Суджа -детей", "--json"))
    assert 2102 in both and 2102 not in without and set(without) < set(both)
    near = ids(run_here(archive_config, "search", "NEAR(суджанского района)", "--json"))
    assert near and near == ids(run_here(archive_config, "search", "NEAR(суджанского района)", "--exact", "--json"))


def test_unknown_channel_or_language_lists_what_the_archive_has(archive_config):
    channel = run_here(archive_config, "search", "Суджа", "--channel", "mod_russia")
    assert channel.exit_code == 1
    assert 'no channel "mod_russia"' in channel.stderr and "Минобороны России (1000000101)" in channel.stderr
    lang = run_here(archive_config, "export", "--lang", "be")
    assert lang.exit_code == 1 and "no posts in language be; the archive has: en, ru, uk" in lang.stderr


def test_readme_examples_hold_on_the_bundled_data(archive_config):
    exported = run_here(archive_config, "export", "--format", "csv", "--channel", "Минобороны России")
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert len(rows) > 1 and {r["channel_title"] for r in rows} == {"Минобороны России"}
    assert {r["deleted"] for r in rows} == {"0"}  # plain values, not False
    assert run_here(archive_config, "stories", "--since", "2024-08-07").stdout.count("\n") > 2
    assert "story 2 (kursk)" in run_here(archive_config, "story", "2").stdout


def test_snippet_shows_the_matching_words_even_inside_a_link(tmp_path):
    from monitor.storage import Archive, Post
    from monitor.storage.queries import search_posts

    archive = Archive(tmp_path / "archive.db")
    with archive.transaction():
        archive.store_posts([Post(source="telegram", channel="1", message_id=1, date=datetime(2024, 8, 6, tzinfo=timezone.utc),
                                  text="Видео: https://t.me/mod_russia/40001 и подробности")])
    (row,) = search_posts(archive.conn, "russia")
    assert "[russia]" in row["snippet"]


def test_stories_show_their_sort_column_and_csv_holds_plain_values(archive_config):
    table = run_here(archive_config, "stories").stdout.splitlines()
    assert table[0].split()[:3] == ["id", "last_seen", "watchlist"]
    seen = [line.split()[1] for line in table[2:]]
    assert seen == sorted(seen, reverse=True)
    rows = list(csv.DictReader(io.StringIO(run_here(archive_config, "stories", "--csv").stdout)))
    assert any(len(r["languages"].split(", ")) == 3 for r in rows)  # a list of words, joined
    assert not any(value.startswith("[") for r in rows for value in r.values())
