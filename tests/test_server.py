"""The real server behind `artsearch serve`: slow clients, long URLs and server-layer errors."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from web.server import MAX_HEAD_BYTES


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(index_dir: Path) -> Iterator[str]:
    """`artsearch serve` with one worker of 4 threads (small, so that starving it is cheap)."""
    port = _free_port()
    artsearch = shutil.which("artsearch", path=str(Path(sys.executable).parent))
    assert artsearch
    process = subprocess.Popen(
        [artsearch, "serve", "--index", str(index_dir), "--port", str(port), "--workers", "1",
         "--threads", "4"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/api/stats", timeout=2).close()
            break
        except OSError:
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(15)


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_slow_header_clients_do_not_starve_the_server(server: str) -> None:
    port = int(server.rsplit(":", 1)[1])
    slow = []
    for _ in range(12):  # three times the worker's threads
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"GET /api/stats HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        slow.append(sock)
    try:
        time.sleep(0.5)
        status, _, body = get(server + "/api/search?q=stampede")  # base: hangs until timeout
        assert status == 200 and json.loads(body)["total"] >= 1
    finally:
        for sock in slow:
            sock.close()


def test_the_longest_query_is_searched_and_a_longer_one_is_a_json_400(server: str) -> None:
    cyrillic = "%D0%B6" * 4000  # 4,000 letters, 24,000 bytes of URL: over gunicorn's 4,094
    status, _, body = get(server + "/api/search?q=" + cyrillic)
    assert status == 200, body
    status, headers, body = get(server + "/api/search?q=" + cyrillic + "x")
    assert status == 400 and headers["Content-Type"] == "application/json"
    assert "at most 4000 characters" in json.loads(body)["error"]["message"]


def test_a_url_over_the_head_limit_is_a_json_414_with_security_headers(server: str) -> None:
    status, headers, body = get(server + "/api/search?q=" + "x" * (MAX_HEAD_BYTES + 10))
    assert status == 414  # base: gunicorn's HTML page without security headers
    assert headers["Content-Type"] == "application/json"
    assert "Content-Security-Policy" in headers
    assert json.loads(body)["error"]["status"] == 414


def test_too_many_header_fields_is_a_json_431(server: str) -> None:
    port = int(server.rsplit(":", 1)[1])
    fields = "".join(f"X-{n}: v\r\n" for n in range(200))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET /api/stats HTTP/1.1\r\nHost: x\r\n{fields}\r\n".encode())
        answer = sock.recv(65536)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431")
    assert b"Content-Type: application/json" in head
    assert json.loads(body)["error"]["status"] == 431
