"""Configuration: defaults, then the TOML file, then ARTSEARCH_* variables, then options."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from live_server import artsearch_command, free_port, get, wait_until_up

from web.app import create_app
from web.config import DEFAULTS, ConfigError, load_config, read_config_file


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_each_layer_wins_over_the_one_before(tmp_path: Path) -> None:
    text = 'index = "/from/file"\nexport_limit = 7\nlog_level = "DEBUG"\n'
    config = write(tmp_path / "a.toml", text)
    environ = {"ARTSEARCH_CONFIG": str(config), "ARTSEARCH_INDEX": "/from/env"}
    loaded = load_config(environ, {"LOG_LEVEL": "WARNING"})
    assert loaded["INDEX_DIR"] == "/from/env"  # the variable over the file
    assert loaded["EXPORT_LIMIT"] == 7  # the file over the default
    assert loaded["LOG_LEVEL"] == "WARNING"  # the caller over the file
    assert loaded["CORS_ORIGINS"] == DEFAULTS["CORS_ORIGINS"] == []


def test_cors_origins_come_as_a_list_from_the_file_and_the_variable(tmp_path: Path) -> None:
    config = write(tmp_path / "a.toml", 'cors_origins = ["https://a.example"]\n')
    assert load_config({"ARTSEARCH_CONFIG": str(config)})["CORS_ORIGINS"] == ["https://a.example"]
    environ = {"ARTSEARCH_CORS_ORIGINS": "https://b.example, https://c.example"}
    assert load_config(environ)["CORS_ORIGINS"] == ["https://b.example", "https://c.example"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('indx = "x"\n', "unknown key 'indx'"),
        ('export_limit = "many"\n', "export_limit must be a int"),
        ('cors_origins = "*"\n', "cors_origins must be a list"),
        ("[server]\nport = true\n", "server.port must be a int"),
        ("[server]\nhots = 1\n", "unknown key 'hots' in [server]"),
        ("index = \n", "not valid TOML"),
    ],
)
def test_a_bad_configuration_file_is_an_error_naming_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        read_config_file(write(tmp_path / "bad.toml", text))


def test_create_app_reads_the_file_named_by_artsearch_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(tmp_path / "a.toml", 'export_limit = 3\ncors_origins = ["https://a.example"]\n')
    monkeypatch.setenv("ARTSEARCH_CONFIG", str(config))
    app = create_app({"TESTING": True})
    assert app.config["EXPORT_LIMIT"] == 3 and app.config["CORS_ORIGINS"] == ["https://a.example"]


def test_serve_takes_index_and_port_from_the_file_and_the_variable_wins(
    index_dir: Path, tmp_path: Path
) -> None:
    file_port, variable_port = free_port(), free_port()
    config = write(
        tmp_path / "serve.toml",
        f'index = "{index_dir}"\n\n[server]\nport = {file_port}\nworkers = 1\nthreads = 2\n',
    )
    environ = {**os.environ, "ARTSEARCH_PORT": str(variable_port)}
    environ.pop("ARTSEARCH_INDEX", None)
    process = subprocess.Popen(
        [artsearch_command(), "serve", "--config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environ,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{variable_port}"
        wait_until_up(base, process)
        status, _, body = get(base + "/healthz")
        assert status == 200 and json.loads(body)["index"]["articles"] == 11
    finally:
        process.terminate()
        process.wait(15)


def test_serve_refuses_a_bad_file_with_its_reason(tmp_path: Path) -> None:
    config = write(tmp_path / "bad.toml", "workers = 4\n")  # belongs in [server]
    done = subprocess.run(
        [artsearch_command(), "serve", "--config", str(config)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode != 0 and "unknown key 'workers'" in done.stderr
