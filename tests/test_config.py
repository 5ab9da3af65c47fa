"""monitor.toml: validation against the schema, error messages that name the place, and `monitor check`."""

from __future__ import annotations

import pytest

from monitor.config import ConfigError, find_config_path, load_config
from monitor.config.schema import SECTIONS

from .conftest import ROOT, invoke, write_config


def errors_of(tmp_path, body: str) -> list[str]:
    path = write_config(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value.errors


def test_the_bundled_default_configuration_is_valid():
    config = load_config(ROOT / "monitor.toml")
    assert config.storage.path.endswith("archive.db")
    assert config.translation.backend == "none"
    assert [w.name for w in config.watchlists] == ["kursk"]


def test_relative_paths_are_relative_to_the_files_folder(tmp_path):
    sub = tmp_path / "etc"
    sub.mkdir()
    config = load_config(write_config(sub, '[storage]\npath = "data/a.db"\n'))
    assert config.storage.path == str(sub / "data" / "a.db")
    assert config.maildir == sub / "data" / "maildir"


def test_an_unknown_key_names_the_path_the_line_and_the_closest_key(tmp_path):
    errors = errors_of(tmp_path, """
        [[watchlist]]
        name = "kursk"
        regoins = ["RU-KRS"]
        recipients = ["desk@example.org"]
        """)
    assert any(e.endswith('monitor.toml:6: watchlist[0].regoins: unknown key; did you mean "regions"?') for e in errors), errors


def test_an_unknown_section_is_an_error_with_a_suggestion(tmp_path):
    errors = errors_of(tmp_path, "[watchlists]\nname = 1\n")
    assert len(errors) == 1
    assert "watchlists" in errors[0] and 'did you mean "watchlist"' in errors[0]


def test_a_wrong_type_names_the_expected_type(tmp_path):
    errors = errors_of(tmp_path, "[translation]\nbackend = 5\n")
    assert errors == [f"{tmp_path / 'monitor.toml'}:4: translation.backend: expected a string, got an integer 5"]


def test_every_error_of_the_file_is_reported_at_once(tmp_path):
    errors = errors_of(tmp_path, """
        [translation]
        backend = 5
        [[watchlist]]
        name = "a"
        recipients = ["not-an-address"]
        colour = "red"
        """)
    assert len(errors) >= 3
    assert any("translation.backend" in e for e in errors)
    assert any("watchlist[0].recipients" in e and "not-an-address" in e for e in errors)
    assert any("watchlist[0].colour: unknown key" in e for e in errors)


def test_a_missing_required_setting_is_named(tmp_path):
    errors = errors_of(tmp_path, "[[watchlist]]\nregions = []\n")
    assert any("watchlist[0].name: required setting missing" in e for e in errors), errors


def test_invalid_toml_names_the_file_and_position(tmp_path):
    path = tmp_path / "monitor.toml"
    path.write_text("[storage\npath = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message and "not valid TOML" in message and "line 1" in message


def test_a_password_in_the_file_is_refused_with_where_it_belongs(tmp_path):
    errors = errors_of(tmp_path, '[email]\nhost = "mail"\nsender = "m@example.org"\npassword = "hunter2"\n')
    assert any("email.password: secrets do not belong" in e and "MONITOR_SMTP_PASSWORD" in e for e in errors), errors
    assert not any("hunter2" in e for e in errors)


def test_an_unknown_region_code_is_rejected(tmp_path):
    errors = errors_of(tmp_path, '[[watchlist]]\nname = "x"\nregions = ["RU-KURSK", "Kursk"]\n')
    assert any('"Kursk" is not an ISO 3166-2 code' in e for e in errors), errors


def test_bad_email_settings_are_rejected(tmp_path):
    errors = errors_of(tmp_path, '[email]\nhost = "mail"\nsender = "m@example.org"\nport = "25"\ndigest_times = ["25:00"]\n')
    assert any("email.port: expected an integer" in e for e in errors), errors
    assert any("email.digest_times" in e and "25:00" in e for e in errors), errors


def test_the_schema_gives_every_setting_a_type_and_help():
    for section in SECTIONS:
        for setting in section.settings:
            assert setting.type and setting.help, (section.name, setting.name)


def test_config_is_found_in_the_working_folder_then_in_the_environment(tmp_path, monkeypatch):
    elsewhere = write_config(tmp_path, "", name="elsewhere.toml")
    monkeypatch.setenv("MONITOR_CONFIG", str(elsewhere))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert find_config_path(cwd=empty) == elsewhere
    local = write_config(empty, "")
    assert find_config_path(cwd=empty) == local
    monkeypatch.delenv("MONITOR_CONFIG")
    with pytest.raises(ConfigError, match="pass --config"):
        find_config_path(cwd=tmp_path / "nowhere")


def test_check_prints_a_summary_and_exits_zero(tmp_path, config_path):
    result = invoke("check", config=config_path)
    assert result.returncode == 0, result.stderr
    assert "storage:" in result.stdout and str(tmp_path / "archive.db") in result.stdout
    assert "kursk: posts naming Kursk Oblast (RU-KRS) or a place in it -> desk@example.org" in result.stdout


def test_check_exits_non_zero_and_lists_the_errors(tmp_path):
    path = write_config(tmp_path, '[[watchlist]]\nname = "k"\nregoins = ["RU-KRS"]\n')
    result = invoke("check", config=path)
    assert result.returncode == 1
    assert 'watchlist[0].regoins: unknown key; did you mean "regions"?' in result.stderr
    assert "Traceback" not in result.stderr


def test_the_config_option_reads_the_environment_when_not_given(tmp_path, config_path, monkeypatch):
    monkeypatch.chdir(tmp_path / "..")  # a folder without a monitor.toml
    result = invoke("check", env={"MONITOR_CONFIG": str(config_path)})
    assert result.returncode == 0, result.stderr
    assert str(config_path) in result.stdout


def _line_error(errors, line, where):
    """The error of ``where`` (a key path), at ``line`` of the file."""
    found = [e for e in errors if f"monitor.toml:{line}: {where}:" in e]
    assert found, errors
    return found[0]


@pytest.mark.parametrize("body, line, where, expected", [
    ('[email]\nhost = "mail"\nsender = "m@example.org"\nport = 70000\n', 6, "email.port", "at most 65535"),
    ('[email]\nhost = "mail"\nsender = "m@example.org"\nport = 0\n', 6, "email.port", "at least 1"),
    ('[[feed]]\nname = "f"\nurl = "https://example.org/rss"\ninterval_seconds = 99999999999999\n', 6,
     "feed[0].interval_seconds", "at most 604800"),
    ('[webpreview]\ninterval_seconds = 99999999999999\n', 4, "webpreview.interval_seconds", "at most 604800"),
    ("[stories]\nwindow_hours = inf\n", 4, "stories.window_hours", "finite"),
    ("[stories]\nwindow_hours = nan\n", 4, "stories.window_hours", "finite"),
    ("[stories]\nsimilarity = 2.0\n", 4, "stories.similarity", "at most 1"),
    ("[stories]\nsimilarity = nan\n", 4, "stories.similarity", "finite"),
    ("[stories]\nsimilarity = -0.1\n", 4, "stories.similarity", "at least 0"),
    ('[[watchlist]]\nname = ""\n', 4, "watchlist[0].name", "must not be empty"),
    ('[[watchlist]]\nname = "   "\n', 4, "watchlist[0].name", "must not be empty"),
    ('[[watchlist]]\nname = "kursk\\r\\nBcc: x@example.org"\n', 4, "watchlist[0].name", "printable"),
    ('[[watchlist]]\nname = " kursk"\n', 4, "watchlist[0].name", "begin or end with spaces"),
    ('[[feed]]\nname = "\\t"\nurl = "https://example.org/rss"\n', 4, "feed[0].name", "must not be empty"),
    ('[[feed]]\nname = "f"\nurl = "http://"\n', 5, "feed[0].url", "not an http(s) URL with a host"),
    ('[[feed]]\nname = "f"\nurl = "ftp://example.org/rss"\n', 5, "feed[0].url", "not an http(s) URL"),
    ('[webpreview]\nbase_url = "https://"\n', 4, "webpreview.base_url", "not an http(s) URL"),
    ('[translation]\nbackend = "libre"\nurl = "http://"\n', 5, "translation.url", "not an http(s) URL"),
    ('[email]\nhost = ""\nsender = "m@example.org"\n', 4, "email.host", "must not be empty"),
    ('[email]\nhost = "mail example"\nsender = "m@example.org"\n', 4, "email.host", "not a host name"),
    ('[storage]\npath = "/tmp"\n', 2, "storage.path", "is a folder"),
    ('[storage]\npath = ""\n', 2, "storage.path", "must not be empty"),
    ('[storage]\npath = "/dev/null"\n', 2, "storage.path", "not a regular file"),
    ('[storage]\npath = "archive.db"\nmaildir = "/dev/null"\n', 3, "storage.maildir", "not a folder"),
    ('[telegram]\nsession = "/tmp"\n', 4, "telegram.session", "is a folder"),
    ('[translation]\ntimeout_seconds = 1e308\n', 4, "translation.timeout_seconds", "at most 600"),
    ('[translation]\ndaily_characters = 9223372036854775807\n', 4, "translation.daily_characters", "at most"),
])
def test_a_setting_out_of_range_or_malformed_is_refused_at_its_line(tmp_path, body, line, where, expected):
    errors = errors_of(tmp_path, body)
    assert expected in _line_error(errors, line, where)


def test_a_secret_where_a_variable_name_belongs_is_refused_without_showing_it(tmp_path):
    errors = errors_of(tmp_path, '[email]\nhost = "mail"\nsender = "m@example.org"\npassword_env = "hunter2-SECRET"\n'
                                 '[translation]\napi_key_env = 12345\n')
    message = _line_error(errors, 6, "email.password_env")
    assert "name of an environment variable" in message and "MONITOR_SMTP_PASSWORD" in message
    assert _line_error(errors, 8, "translation.api_key_env")
    assert not any("hunter2" in e or "SECRET" in e or "12345" in e for e in errors), errors


def test_the_edges_of_each_range_are_accepted(tmp_path):
    config = load_config(write_config(tmp_path, """
        [stories]
        similarity = 0.0
        window_hours = 0.1
        [email]
        host = "127.0.0.1"
        sender = "m@example.org"
        port = 65535
        [[feed]]
        name = "f"
        url = "http://localhost:8080/rss"
        interval_seconds = 604800
        """))
    assert config.stories.similarity == 0.0 and config.email.port == 65535


def test_a_similarity_of_zero_reaches_the_story_detector_as_zero(tmp_path):
    from monitor.pipeline import default_stages
    from monitor.storage import Archive

    config = load_config(write_config(tmp_path, "[stories]\nsimilarity = 0.0\nwindow_hours = 24\n"))
    with Archive(config.storage.path) as archive:
        [stories] = [s for s in default_stages(archive, config, lambda: None) if s.name == "stories"]
        detector = stories.detector(archive)
    assert (detector.threshold, detector.window.total_seconds()) == (0.0, 24 * 3600)


def test_the_configuration_is_typed_and_cannot_be_changed(tmp_path, config_path):
    import dataclasses

    config = load_config(config_path)
    assert config.watchlists[0].regions == ("RU-KRS",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.stories.similarity = 0.1  # type: ignore[misc]
    empty = load_config(write_config(tmp_path, ""))
    assert empty.email is None and empty.watchlists == () and empty.stories.similarity == 0.6


def test_tls_turns_starttls_off(tmp_path):
    config = load_config(write_config(tmp_path, '[email]\nhost = "mail"\nsender = "m@example.org"\ntls = true\n'))
    assert config.email.tls and not config.email.starttls


def _documented_default(value):
    import json

    from monitor.config.schema import REQUIRED

    if value is REQUIRED:
        return "required"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, tuple):
        return "`[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]`"
    if isinstance(value, str):
        return "`" + json.dumps(value, ensure_ascii=False) + "`"
    return f"`{value!r}`"


def test_every_setting_is_documented_in_the_readme_with_its_default():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip()
            for line in readme.splitlines() if line.startswith("| `") and line.count("|") >= 4}
    for section in SECTIONS:
        for setting in section.settings:
            key = f"`{section.name}.{setting.name}`"
            assert key in rows, f"{key} is not documented in README.md"
            assert rows[key] == _documented_default(setting.default), key
    declared = {f"`{section.name}.{setting.name}`" for section in SECTIONS for setting in section.settings}
    documented = {key for key in rows if "." in key and key.strip("`").split(".")[0] in {s.name for s in SECTIONS}}
    assert documented <= declared, documented - declared  # no setting documented that does not exist
