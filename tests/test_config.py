"""config.toml: what is read, and one named problem per thing that is wrong."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from broadsheet.config import load_config, save_theme


def _config(tmp_path: Path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path), str(path)


def test_a_full_config_is_read(tmp_path: Path):
    config, _ = _config(tmp_path, 'theme = "nord"\nreading_width = 100\n[keys]\n"app.quit" = "x"\n')
    assert config.theme == "nord"
    assert config.reading_width == 100
    assert config.keys == {"app.quit": "x"}
    assert config.problems == []


def test_missing_file_gives_defaults(tmp_path: Path):
    config = load_config(tmp_path / "nothing.toml")
    assert (config.theme, config.reading_width, config.keys, config.problems) == (None, 80, {}, [])


def test_each_problem_is_named_and_the_rest_applies(tmp_path: Path):
    config, path = _config(tmp_path, 'theme = 3\nreading_width = 5\nwidht = 2\n[keys]\n"app.quit" = 1\n'
                                     '"list.down" = "n"\n')
    assert config.keys == {"list.down": "n"}
    assert config.reading_width == 80
    assert len(config.problems) == 4
    assert all(p.startswith(path) for p in config.problems)
    joined = " | ".join(config.problems)
    assert "theme must be a string" in joined
    assert "reading_width must be a number of columns" in joined
    assert "unknown setting 'widht'" in joined
    assert "key for app.quit must be a string" in joined


def test_refresh_settings_are_read_and_checked(tmp_path: Path):
    config, _ = _config(tmp_path, "refresh_on_start = true\nrefresh_every = 30\n")
    assert (config.refresh_on_start, config.refresh_every, config.problems) == (True, 30, [])
    config, _ = _config(tmp_path, "refresh_every = 0\n")
    assert (config.refresh_on_start, config.refresh_every, config.problems) == (False, 0, [])
    for wrong in ('refresh_on_start = "yes"', "refresh_on_start = 1"):
        config, path = _config(tmp_path, wrong + "\n")
        assert config.problems == [f"{path}: refresh_on_start must be true or false"]
        assert config.refresh_on_start is False
    for wrong in ("refresh_every = 1", "refresh_every = -5", "refresh_every = true", 'refresh_every = "30"',
                  "refresh_every = 20000", "refresh_every = 2.5"):
        config, path = _config(tmp_path, wrong + "\n")
        assert config.problems == [f"{path}: refresh_every must be a number of minutes from 5 to 10080, "
                                   "or 0 for never"], wrong
        assert config.refresh_every == 0


def test_broken_toml_is_one_problem(tmp_path: Path):
    config, path = _config(tmp_path, 'theme = "nord\n')
    assert config.theme is None
    assert len(config.problems) == 1 and config.problems[0].startswith(path)


def test_save_theme_keeps_the_rest_of_the_file(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text('# mine\nreading_width = 90\n[keys]\n"app.quit" = "x"\n', encoding="utf-8")
    save_theme("broadsheet-light", path)
    config = load_config(path)
    assert config.theme == "broadsheet-light"
    assert config.reading_width == 90 and config.keys == {"app.quit": "x"}
    assert path.read_text(encoding="utf-8").startswith("# mine\n")
    save_theme('odd "name"', path)
    assert load_config(path).theme == 'odd "name"'


@pytest.mark.skipif(sys.platform in ("darwin", "win32", "cygwin"), reason="XDG folders")
def test_folders_are_platformdirs_own_without_importing_it(monkeypatch, tmp_path):
    import platformdirs

    from broadsheet import config

    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config.data_dir() == platformdirs.user_data_path("broadsheet", appauthor=False)
    assert config.config_dir() == platformdirs.user_config_path("broadsheet", appauthor=False)
    assert config.cache_dir() == platformdirs.user_cache_path("broadsheet", appauthor=False)
    assert config.data_dir() == tmp_path / ".local" / "share" / "broadsheet"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "conf"))
    monkeypatch.setenv("XDG_DATA_HOME", "  ")  # blank: as if unset
    assert config.config_dir() == tmp_path / "conf" / "broadsheet"
    assert config.data_dir() == platformdirs.user_data_path("broadsheet", appauthor=False)
