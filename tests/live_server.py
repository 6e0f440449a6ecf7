"""Starting the real `artsearch serve` (gunicorn) for a test, and talking to it over HTTP."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def artsearch_command() -> str:
    found = shutil.which("artsearch", path=str(Path(sys.executable).parent))
    assert found, "the artsearch command is not installed in this environment"
    return found


@contextlib.contextmanager
def running_server(
    index_dir: Path,
    *,
    workers: int = 1,
    threads: int = 4,
    env: Mapping[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> Iterator[str]:
    """`artsearch serve` on a free port until the block ends; yields its base URL."""
    port = free_port()
    command = [
        artsearch_command(), "serve", "--index", str(index_dir), "--port", str(port),
        "--workers", str(workers), "--threads", str(threads), *args,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def wait_until_up(base: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited with {process.returncode}"
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the server at {base} did not start within {seconds} s")


def get(url: str, headers: Mapping[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
