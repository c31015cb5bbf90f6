"""Where broadsheet keeps things, and the user's config file."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

APP = "broadsheet"
LIBRARY_ENV = "BROADSHEET_LIBRARY"
LIBRARY_FILENAME = "library.sqlite3"


def usable_cpus() -> int:
    """How many CPUs this process may run on (its affinity, where known)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _user_dir(variable: str, home_default: str, kind: str) -> Path:
    """``$variable/broadsheet``; without it, the XDG default below the home
    folder on Linux and the BSDs, and the platform's own folder elsewhere.
    (platformdirs answers the same on Linux, but importing it takes longer
    than the rest of finding the library, about 9 ms of every command: it
    brings tempfile and shutil.)"""
    xdg = os.environ.get(variable, "").strip()
    if xdg:
        return Path(xdg) / APP
    if sys.platform not in ("darwin", "win32", "cygwin"):
        return Path(home_default).expanduser() / APP
    import platformdirs

    return getattr(platformdirs, f"user_{kind}_path")(APP, appauthor=False)


def data_dir() -> Path:
    return _user_dir("XDG_DATA_HOME", "~/.local/share", "data")


def config_dir() -> Path:
    return _user_dir("XDG_CONFIG_HOME", "~/.config", "config")


def cache_dir() -> Path:
    """What broadsheet keeps only to start faster (safe to delete)."""
    return _user_dir("XDG_CACHE_HOME", "~/.cache", "cache")


def default_library_path() -> Path:
    """``--library`` wins over ``BROADSHEET_LIBRARY``, which wins over this."""
    env = os.environ.get(LIBRARY_ENV)
    if env:
        return Path(env).expanduser()
    return data_dir() / LIBRARY_FILENAME


def config_path() -> Path:
    return config_dir() / "config.toml"


def bundled_themes_dir() -> Path | None:
    """The ``themes/`` folder: inside the installed package, or at the top of
    the source tree in an editable install."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "themes", package_dir.parent.parent / "themes"):
        if candidate.is_dir():
            return candidate
    return None


def user_themes_dir() -> Path:
    return config_dir() / "themes"


def theme_dirs() -> list[Path]:
    """Folders of theme files, bundled first; later files win on equal names."""
    dirs = []
    bundled = bundled_themes_dir()
    if bundled is not None:
        dirs.append(bundled)
    user = user_themes_dir()
    if user.is_dir():
        dirs.append(user)
    return dirs


# refresh_every: more often than this asks the feeds' sites too much; a week at most.
MIN_REFRESH_EVERY = 5
MAX_REFRESH_EVERY = 7 * 24 * 60


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# The plain settings of config.toml: name, whether a value is valid, what is wrong otherwise.
_SETTINGS: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    ("theme", lambda v: isinstance(v, str), "must be a string"),
    ("reading_width", lambda v: _whole(v) and 30 <= v <= 400, "must be a number of columns from 30 to 400"),
    ("refresh_on_start", lambda v: isinstance(v, bool), "must be true or false"),
    ("refresh_every", lambda v: _whole(v) and (v == 0 or MIN_REFRESH_EVERY <= v <= MAX_REFRESH_EVERY),
     f"must be a number of minutes from {MIN_REFRESH_EVERY} to {MAX_REFRESH_EVERY}, or 0 for never"),
)


@dataclass
class Config:
    theme: str | None = None
    keys: dict[str, str] = field(default_factory=dict)
    reading_width: int = 80  # the reader's column, centred on wider terminals
    refresh_on_start: bool = False  # the reader refreshes every feed once it is up
    refresh_every: int = 0  # minutes between refreshes while the reader runs (0: never)
    problems: list[str] = field(default_factory=list)
    path: Path | None = None


def load_config(path: Path | None = None) -> Config:
    """Read config.toml; problems are collected, never raised."""
    path = path or config_path()
    config = Config(path=path)
    if not path.is_file():
        return config
    import tomllib  # only with a config file to read

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        config.problems.append(f"{path}: {error}")
        return config
    for name, valid, problem in _SETTINGS:
        value = data.get(name)
        if value is None:
            continue
        if valid(value):
            setattr(config, name, value)
        else:
            config.problems.append(f"{path}: {name} {problem}")
    known = {"keys", *(name for name, _, _ in _SETTINGS)}
    for name in data:
        if name not in known:
            config.problems.append(f"{path}: unknown setting {name!r} (known: {', '.join(sorted(known))})")
    keys = data.get("keys", {})
    if isinstance(keys, dict):
        for action, key in keys.items():
            if isinstance(key, str):
                config.keys[str(action)] = key
            else:
                config.problems.append(f"{path}: key for {action} must be a string")
    else:
        config.problems.append(f"{path}: [keys] must be a table")
    return config


def save_theme(name: str, path: Path | None = None) -> None:
    """Remember the chosen theme in config.toml, keeping the rest of the file."""
    path = path or config_path()
    lines = []
    if path.is_file():
        lines = path.read_text(encoding="utf-8").splitlines()
    new_line = f"theme = {_toml_string(name)}"
    for index, line in enumerate(lines):
        if line.strip().startswith("["):
            lines.insert(index, new_line)
            break
        if line.split("=", 1)[0].strip() == "theme":
            lines[index] = new_line
            break
    else:
        lines.append(new_line)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
