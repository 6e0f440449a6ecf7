"""The web app's configuration: built-in defaults, a TOML file, ``ARTSEARCH_*`` variables.

Layers, later ones winning (docs/operations.md, "Configuration"):

1. :data:`DEFAULTS`;
2. the TOML file named by ``ARTSEARCH_CONFIG`` (or ``artsearch serve --config FILE``);
3. the ``ARTSEARCH_*`` environment variables of :data:`ENVIRONMENT_KEYS`;
4. what the caller passes to ``create_app(config)``: the command line's options
   (``artsearch serve --index``) and the tests.

The file's keys are the lower-case names of :data:`FILE_KEYS`, plus a ``[server]`` table read by
``artsearch serve`` (:data:`SERVER_KEYS`)::

    index = "/srv/artsearch/index"
    cors_origins = ["https://newsroom.example"]
    export_limit = 50000

    [server]
    port = 8080
    workers = 4

A key the file does not know, or a value of the wrong type, is an error that names it: a typo in
a configuration file should not silently leave a default in place.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CONFIG_VARIABLE = "ARTSEARCH_CONFIG"

DEFAULTS: dict[str, Any] = {
    "INDEX_DIR": "var/index",
    "CORPUS_DIR": None,
    "LOG_LEVEL": "INFO",
    # Origins allowed to call the JSON API from a browser (CORS); empty: none (no CORS headers).
    "CORS_ORIGINS": [],
    # The most articles one /api/search?format=csv|jsonl export streams.
    "EXPORT_LIMIT": 100_000,
}

# Environment variable -> config key.
ENVIRONMENT_KEYS = {
    "ARTSEARCH_INDEX": "INDEX_DIR",
    "ARTSEARCH_CORPUS": "CORPUS_DIR",
    "ARTSEARCH_LOG_LEVEL": "LOG_LEVEL",
    "ARTSEARCH_CORS_ORIGINS": "CORS_ORIGINS",
    "ARTSEARCH_EXPORT_LIMIT": "EXPORT_LIMIT",
}

# Key in the file -> (config key, type).
FILE_KEYS: dict[str, tuple[str, type]] = {
    "index": ("INDEX_DIR", str),
    "corpus": ("CORPUS_DIR", str),
    "log_level": ("LOG_LEVEL", str),
    "cors_origins": ("CORS_ORIGINS", list),
    "export_limit": ("EXPORT_LIMIT", int),
}
# Keys of the file's [server] table, for `artsearch serve`.
SERVER_KEYS: dict[str, type] = {
    "host": str,
    "port": int,
    "workers": int,
    "threads": int,
    "metrics_dir": str,
}


class ConfigError(ValueError):
    """A configuration file or variable that cannot be used; the message names the key."""


def read_config_file(path: Path | str) -> dict[str, Any]:
    """The file's settings: app config keys, and its ``[server]`` table under ``"server"``."""
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read the configuration file {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"the configuration file {path} is not valid TOML: {error}") from None
    settings: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "server" and isinstance(value, dict):
            settings["server"] = _server_table(path, value)
            continue
        if key not in FILE_KEYS:
            known = ", ".join([*FILE_KEYS, "[server]"])
            raise ConfigError(f"{path}: unknown key {key!r}; the keys are {known}")
        config_key, kind = FILE_KEYS[key]
        settings[config_key] = _typed(path, key, value, kind)
    return settings


def _server_table(path: Path | str, table: Mapping[str, Any]) -> dict[str, Any]:
    server = {}
    for key, value in table.items():
        if key not in SERVER_KEYS:
            raise ConfigError(
                f"{path}: unknown key {key!r} in [server]; the keys are {', '.join(SERVER_KEYS)}"
            )
        server[key] = _typed(path, f"server.{key}", value, SERVER_KEYS[key])
    return server


def _typed(path: Path | str, key: str, value: Any, kind: type) -> Any:
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise ConfigError(f"{path}: {key} must be a {kind.__name__}, not {value!r}")
    if isinstance(value, list) and not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{path}: {key} must be a list of strings, not {value!r}")
    return value


def config_from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The config keys set by ``ARTSEARCH_*`` variables in ``environ`` (empty values ignored);
    ``ARTSEARCH_CORS_ORIGINS`` is a comma-separated list."""
    found: dict[str, Any] = {}
    for name, key in ENVIRONMENT_KEYS.items():
        value = environ.get(name)
        if not value:
            continue
        if key == "CORS_ORIGINS":
            found[key] = [origin.strip() for origin in value.split(",") if origin.strip()]
        elif key == "EXPORT_LIMIT":
            try:
                found[key] = int(value)
            except ValueError:
                raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
        else:
            found[key] = value
    return found


def load_config(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The app's configuration, every layer applied (module docstring)."""
    environ = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    path = environ.get(CONFIG_VARIABLE)
    if path:
        from_file = read_config_file(path)
        from_file.pop("server", None)
        config.update(from_file)
    config.update(config_from_environment(environ))
    config.update(overrides or {})
    if config["EXPORT_LIMIT"] < 1:
        raise ConfigError(f"EXPORT_LIMIT must be at least 1, not {config['EXPORT_LIMIT']}")
    return config


def server_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``[server]`` table of the configuration file, if there is one."""
    environ = os.environ if environ is None else environ
    path = environ.get(CONFIG_VARIABLE)
    if not path:
        return {}
    server: dict[str, Any] = read_config_file(path).get("server", {})
    return server
