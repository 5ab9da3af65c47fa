"""monitor.toml: validation against the schema, error messages that name the place, and `monitor check`."""

from __future__ import annotations

import pytest

from monitor.config import ConfigError, find_config_path, load_config
from monitor.config.schema import SECTIONS

from .conftest import ROOT, run_cli, write_config


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
    result = run_cli("check", config=config_path)
    assert result.returncode == 0, result.stderr
    assert "storage:" in result.stdout and str(tmp_path / "archive.db") in result.stdout
    assert "kursk: posts naming Kursk Oblast (RU-KRS) or a place in it -> desk@example.org" in result.stdout


def test_check_exits_non_zero_and_lists_the_errors(tmp_path):
    path = write_config(tmp_path, '[[watchlist]]\nname = "k"\nregoins = ["RU-KRS"]\n')
    result = run_cli("check", config=path)
    assert result.returncode == 1
    assert 'watchlist[0].regoins: unknown key; did you mean "regions"?' in result.stderr
    assert "Traceback" not in result.stderr


def test_the_config_option_reads_the_environment_when_not_given(tmp_path, config_path):
    result = run_cli("check", env={"MONITOR_CONFIG": str(config_path)}, cwd=tmp_path / ".." )
    assert result.returncode == 0, result.stderr
    assert str(config_path) in result.stdout
