"""HTTP load for bench/perf.py: `artsearch serve` as a subprocess and Debian's `wrk` against it.

Loopback only, bounded runs.  wrk is fed the query mix by a generated Lua script that cycles
through the URLs (each wrk thread from its own offset) and prints its figures as one JSON line.
Latencies are wrk's own (per request, from sending to the last byte).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proc_stats import children

WRK = "/usr/bin/wrk"
# A request slower than this counts as a timeout error in wrk (its default is 2 s, which would
# hide slow responses as errors instead of measuring them).
WRK_TIMEOUT_S = 10
READY_TIMEOUT_S = 180.0
_RESULT_MARK = "PERF-RESULT "

_LUA = """
local paths = {%(paths)s}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 127)
  table.insert(threads, thread)
end

local position = 0
non2xx = 0

function init(args)
  position = (tonumber(offset) or 0) %% #paths
end

function request()
  position = position %% #paths + 1
  return wrk.format("GET", paths[position])
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (tonumber(thread:get("non2xx")) or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '%(mark)s{"requests":%%d,"duration_us":%%d,"bytes":%%d,"non2xx":%%d,'
    .. '"connect":%%d,"read":%%d,"write":%%d,"status":%%d,"timeout":%%d,'
    .. '"p50_us":%%d,"p95_us":%%d,"p99_us":%%d,"max_us":%%d,"mean_us":%%.1f}\\n',
    summary.requests, summary.duration, summary.bytes, bad,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""


@dataclass(frozen=True)
class LoadResult:
    concurrency: int
    seconds: float
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    socket_errors: int  # connect + read + write + timeout

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "concurrency": self.concurrency,
            "seconds": round(self.seconds, 2),
            "requests": self.requests,
            "throughput_rps": round(self.throughput, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "max_ms": round(self.max_ms, 2),
            "non2xx": self.non2xx,
            "socket_errors": self.socket_errors,
        }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`artsearch serve` with its defaults on a free loopback port, stopped on exit."""

    def __init__(self, artsearch: Path, index_dir: Path, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._log = open(log, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self._started = time.perf_counter()
        self.first_search_ms = float("nan")
        self.ready_s = float("nan")
        self.process = subprocess.Popen(
            [
                str(artsearch),
                "serve",
                "--index",
                str(index_dir),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def __enter__(self) -> Server:
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_ready(self) -> None:
        """Wait for the first answered search; its latency and the seconds from starting the
        server to that answer are kept (``first_search_ms``, ``ready_s``)."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"artsearch serve exited with {self.process.returncode}")
            try:
                sent = time.perf_counter()
                with urllib.request.urlopen(f"{self.base}/api/search?q=market", timeout=30) as r:
                    r.read()
                    self.first_search_ms = (time.perf_counter() - sent) * 1000
                    self.ready_s = time.perf_counter() - self._started
                    return
            except urllib.error.HTTPError as error:
                # It answers, but not with results: waiting will not help; the log says why.
                raise RuntimeError(
                    f"artsearch serve answered {error.code} to a search; see {self._log.name}"
                ) from None
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError(f"artsearch serve did not answer within {READY_TIMEOUT_S:.0f}s")

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: children of the server process (the gunicorn master)."""
        return children(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                # Our own session (start_new_session): only processes this object started.
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


def write_lua_script(paths: Sequence[str], folder: Path) -> Path:
    # URL-encoded paths hold no quote or backslash, so plain Lua strings are safe.
    listed = ",\n".join(f'"{path}"' for path in paths)
    script = folder / "query_mix.lua"
    script.write_text(_LUA % {"paths": listed, "mark": _RESULT_MARK}, encoding="utf-8")
    return script


def run_wrk(base: str, script: Path, concurrency: int, seconds: int) -> LoadResult:
    threads = min(concurrency, 2)
    command = [
        WRK,
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{seconds}s",
        f"--timeout={WRK_TIMEOUT_S}s",
        "-s",
        str(script),
        base + "/",
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    )
    line = next((ln for ln in completed.stdout.splitlines() if ln.startswith(_RESULT_MARK)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{completed.stdout}\n{completed.stderr}")
    data = json.loads(line[len(_RESULT_MARK) :])
    return LoadResult(
        concurrency=concurrency,
        seconds=data["duration_us"] / 1e6,
        requests=data["requests"],
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        non2xx=data["non2xx"],
        socket_errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
    )


def scratch_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="artsearch-wrk-"))


class HttpClient:
    """Sequential GET requests over one keep-alive connection, each timed from sending the
    request to reading the last byte of the response (as wrk times them)."""

    def __init__(self, base: str) -> None:
        parsed = urllib.parse.urlsplit(base)
        self._host = parsed.hostname or "127.0.0.1"
        self._port = parsed.port or 80
        self._connection: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def get(self, path: str, *, fresh: bool = False) -> tuple[int, bytes, float]:
        """``(status, body, milliseconds)``; ``fresh`` opens a new connection first (a new
        connection may be accepted by another worker process)."""
        if fresh:
            self.close()
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=60)
                self._connection.connect()
            started = time.perf_counter()
            try:
                self._connection.request("GET", path)
                response = self._connection.getresponse()
                body = response.read()
            except (http.client.HTTPException, ConnectionError):
                # The server closed an idle keep-alive connection: reconnect once and retry.
                self.close()
                if attempt == 2:
                    raise
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, body, elapsed
        raise AssertionError("unreachable")
