"""Hostile archives and clients against real `artsearch index` and `artsearch serve` processes.

Prints one table: probe, tried, failed, figure.  Loopback only; every loop is bounded in count and
time.  Usage::

    .venv/bin/python bench/chaos.py --corpus /tmp/chaos-cache/corpus-3000 [--soak-minutes 10]
        [--artsearch /work/base/.venv/bin/artsearch] [--only slow-headers,worst-queries]

``--corpus`` is a folder of article pages (e.g. made by the shared generator) used for the kill,
serving and soak probes; the hostile-corpus probes make their own pages.  ``--artsearch`` runs the
probes against another installation (the baseline of the same run).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARTSEARCH = ROOT / ".venv" / "bin" / "artsearch"
SIMPLE_QUERY = "/api/search?q=market"


@dataclass
class Row:
    probe: str
    tried: int
    failed: int
    figure: str


# -- processes -------------------------------------------------------------------------------


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``."""
    try:
        return alive({child.pid for child in psutil.Process(pid).children(recursive=True)})
    except psutil.NoSuchProcess:
        return set()


def _children_of(pid: int) -> set[int]:
    try:
        return {child.pid for child in psutil.Process(pid).children()}
    except psutil.NoSuchProcess:
        return set()


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (zombies have ended)."""
    result = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                result.add(pid)
        except psutil.NoSuchProcess:
            continue
    return result


def run_index(artsearch: Path, corpus: Path, index: Path, *extra: str) -> tuple[int, str]:
    done = subprocess.run(
        [str(artsearch), "index", str(corpus), "--index", str(index), *extra],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def article_ids(artsearch: Path, index: Path) -> set[str]:
    """The ids of every article in the index (one `artsearch export`); fails loudly, so that two
    unreadable indexes never compare equal."""
    out = subprocess.run(
        [str(artsearch), "export", "--index", str(index), "--format", "csv"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"artsearch export --index {index} failed: {out.stderr[-500:]}")
    return {row["id"] for row in csv.DictReader(out.stdout.splitlines())}


class Server:
    def __init__(self, artsearch: Path, index: Path, workers: int = 2) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the server writes it until stop()
            prefix="chaos-serve-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            [str(artsearch), "serve", "--index", str(index), "--port", str(self.port),
             "--workers", str(workers)], stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                self.get(SIMPLE_QUERY, timeout=5)
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("server did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
        try:
            with urllib.request.urlopen(self.url(path), timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def workers(self) -> list[int]:
        return sorted(descendants(self.process.pid))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def timed_get(server: Server, path: str, timeout: float = 60) -> tuple[float, int]:
    started = time.perf_counter()
    try:
        status = server.get(path, timeout=timeout)[0]
    except OSError:
        status = 0
    return time.perf_counter() - started, status


# -- hostile corpus --------------------------------------------------------------------------

PAGE = ("<html><head><title>{t}</title></head><body><article><h1>{t}</h1>{b}</article>"
        "</body></html>")  # fmt: skip


def page(title: str) -> bytes:
    body = "".join(f"<p>Harbour story {n} of {title}, long enough to be a body text.</p>"
                   for n in range(8))  # fmt: skip
    return PAGE.format(t=title, b=body).encode()


def make_hostile_corpus(root: Path) -> tuple[int, int]:
    """Good pages mixed with every bad entry of issue 11; (good pages, bad entries)."""
    (root / "x.html").mkdir(parents=True)
    goods = {
        root / "good.html": page("Good page"),
        root / "x.html" / "inside.html": page("Inside a folder named x.html"),
        root / "with space\nnewline.html": page("Odd name"),
        root / "charset-base64.html": page("Caf\u00e9").decode().encode("latin-1").replace(
            b"<head>", b'<head><meta charset="base64">'),
        root / "members.html.gz": gzip.compress(page("Gzip members"))
        + gzip.compress(b" ") * 200_000,
        root / "nul.html": page("NUL byte").replace(b"<p>", b"<p>\x00", 1),
        root / "jsonld.html": page("Deep JSON-LD").replace(
            b"</head>", b'<script type="application/ld+json">' + b'{"a":' * 100_000 + b"1"
            + b"}" * 100_000 + b"</script></head>"),
        root / "deep.html": page("Deep nesting").replace(
            b"<article>", b"<div>" * 5000 + b"<article>"
        ),
    }  # fmt: skip
    for path, data in goods.items():
        path.write_bytes(data)
    with open(os.fsencode(root) + b"/caf\xe9.html", "wb") as handle:
        handle.write(page("Latin-1 file name"))
    bad = 0
    os.symlink(".", root / "self")
    os.symlink("b", root / "a")
    os.symlink("a", root / "b")
    os.symlink("/etc/passwd", root / "passwd.html")
    os.symlink("missing.html", root / "dangling.html")
    os.mkfifo(root / "fifo.html")
    with open(root / "huge.html", "wb") as handle:
        handle.truncate(1 << 30)
    (root / "empty.html").write_bytes(b"")
    (root / "binary.html").write_bytes(b"\x89PNG\r\n" + bytes(range(256)) * 64)
    (root / "bomb.html.gz").write_bytes(gzip.compress(b"<p>" + b"a" * (200 << 20)))
    (root / "truncated.html.gz").write_bytes(gzip.compress(page("Truncated") * 50)[:200])
    bad = 11  # self, a, b, passwd, dangling, fifo, huge, empty, binary, bomb, truncated (maybe)
    return len(goods) + 1, bad


def _as_user() -> list[str]:
    """A command prefix that runs without root's right to read any folder (util-linux's setpriv),
    so that an unreadable folder is unreadable as it is for an ordinary user."""
    if os.geteuid() != 0:
        return []
    drop = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}"]


def _peak_rss_while(process: subprocess.Popen[bytes]) -> int:
    """The largest resident size of any descendant (an extraction worker) until ``process`` ends."""
    peak = 0
    while process.poll() is None:
        for pid in descendants(process.pid):
            with contextlib.suppress(OSError):
                pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
                peak = max(peak, pages * os.sysconf("SC_PAGE_SIZE"))
        time.sleep(0.05)
    return peak


def probe_hostile_build(artsearch: Path, work: Path) -> list[Row]:
    corpus = work / "hostile"
    index = work / "hostile-index"
    goods, bads = make_hostile_corpus(corpus)
    goods += 1  # truncated.html.gz yields the part that arrived (a good page, cut short)
    locked = corpus / "locked"
    locked.mkdir()
    (locked / "inside.html").write_bytes(page("Behind an unreadable folder"))
    locked.chmod(0)
    bads += 1
    command = [*_as_user(), str(artsearch), "index", str(corpus), "--index", str(index), "--json"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = _peak_rss_while(process)
    output = process.communicate()[0].decode(errors="replace")
    seconds = time.perf_counter() - started
    if process.returncode != 0 or "{" not in output:
        return [Row("hostile corpus build", goods + bads, goods + bads,
                    f"aborted: {output[-200:]!r}")]  # fmt: skip
    report = json.loads(output[output.index("{") :])
    indexed = report["indexed"]
    named = {s["path"]: s["reason"] for s in report["skipped"]}
    missing_good = goods - indexed
    unnamed = bads - 1 - len(named)  # bads counts truncated.html.gz too
    stats = subprocess.run([str(artsearch), "stats", "--index", str(index)],
                           capture_output=True, text=True)  # fmt: skip
    in_stats = "Skipped:" in stats.stdout or "skipped" in stats.stdout.lower()
    rows = [
        Row("hostile corpus build", goods + bads,
            max(0, missing_good) + max(0, unnamed) + (not in_stats) + (not all(named.values())),
            f"{indexed}/{goods} good indexed, {len(named)}/{bads - 1} bad named with a reason, "
            f"{seconds:.1f} s"),
        # Targets: no page costs a worker more than ~500 MB (1 GB file, 200 MB gzip bomb, ...).
        Row("  largest extraction worker", 1, int(peak > 700e6), f"{peak / 1e6:.0f} MB resident"),
    ]  # fmt: skip
    # The report stays true across incremental runs: nothing changed, the same entries skipped.
    again = subprocess.run(command, capture_output=True, text=True, timeout=900)
    second = json.loads(again.stdout[again.stdout.index("{") :]) if "{" in again.stdout else {}
    named_again = {s["path"] for s in second.get("skipped", [])}
    on_disk = set()
    generation = index / (index / "CURRENT").read_text().strip()
    for line in (generation / "skipped.jsonl").read_text(encoding="utf-8").splitlines():
        on_disk.add(json.loads(line)["path"])
    same = named_again == set(named) == on_disk
    failed = int(again.returncode != 0 or not same)
    rows.append(Row("  incremental re-run: skipped report", 1, failed,
                    f"exit {again.returncode}, {len(named_again)} named again, "
                    f"{len(on_disk)} in skipped.jsonl, same set: {same}"))  # fmt: skip
    locked.chmod(0o755)
    return rows


def probe_kills(artsearch: Path, corpus: Path, work: Path, rounds: int) -> list[Row]:
    clean = work / "clean-index"
    started = time.monotonic()
    run_index(artsearch, corpus, clean)
    build_seconds = time.monotonic() - started
    expected = article_ids(artsearch, clean)
    index = work / "kill-index"
    shutil.copytree(clean, index)
    leftovers = blocked = 0
    slowest = 0.0  # seconds from the indexer's death until the last process it had was gone
    rng = random.Random(11)
    for n in range(rounds):
        signum = signal.SIGKILL if n % 2 == 0 else signal.SIGTERM
        process = subprocess.Popen(
            [str(artsearch), "index", str(corpus), "--index", str(index), "--rebuild"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        # "At any moment": half the kills in the first seconds (walk, forkserver start, first
        # pages), half anywhere in the build (extraction, writing, commit).
        early = (n // 2) % 2 == 0
        time.sleep(rng.uniform(1.0, 8.0) if early else rng.uniform(8.0, max(9.0, build_seconds)))
        below = descendants(process.pid)
        process.send_signal(signum)
        process.wait(60)
        died = time.monotonic()
        while alive(below) and time.monotonic() - died < 3:
            time.sleep(0.02)
        slowest = max(slowest, time.monotonic() - died)
        leftovers += len(alive(below))
        for pid in alive(below):  # clean up so that the next round is independent
            os.kill(pid, signal.SIGKILL)
    code, output = run_index(artsearch, corpus, index)
    blocked += code != 0
    partial = len([p for p in index.iterdir() if p.name.startswith("gen-")]) > 2
    same = article_ids(artsearch, index) == expected
    rows = [
        Row("kill indexer (SIGKILL/SIGTERM)", rounds, int(leftovers > 0) + blocked + partial,
            f"{leftovers} processes left after 3 s (last gone after {slowest:.2f} s), "
            f"next run exit {code}, "
            f"{'no' if not partial else 'some'} partial generations"),
        Row("next run = clean build", 1, int(not same),
            f"{len(expected)} articles, same set: {same}"),
    ]  # fmt: skip
    # One worker killed mid-run: the build must finish with every page.
    process = subprocess.Popen(
        [str(artsearch), "index", str(corpus), "--index", str(work / "worker-kill"), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    killed = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not killed:
        # The workers are the forkserver's children: grandchildren of the indexer.
        below = descendants(process.pid)
        children = below - {pid for pid in below if pid not in _children_of(process.pid)}
        workers = sorted(below - children)
        if len(workers) >= 2:
            time.sleep(2)
            os.kill(workers[-1], signal.SIGKILL)
            killed = 1
        time.sleep(0.1)
    output = process.communicate(timeout=900)[0].decode(errors="replace")
    ok = process.returncode == 0 and "Traceback" not in output
    rows.append(Row("kill one worker", killed, int(not ok),
                    f"exit {process.returncode}, traceback: {'Traceback' in output}"))  # fmt: skip
    return rows


def probe_shrink(artsearch: Path, corpus: Path, work: Path) -> Row:
    """Runs that would remove all or most of the live index: an empty folder, a corpus that is
    not there (an unmounted share), a corpus with 40 % of its pages (a half-synced folder)."""
    index = work / "clean-index"
    before = article_ids(artsearch, index)
    empty = work / "empty"
    empty.mkdir(exist_ok=True)
    partial = work / "partial-corpus"
    pages = sorted(p for p in corpus.rglob("*") if p.is_file())
    for path in pages[: len(pages) * 2 // 5]:
        target = partial / path.relative_to(corpus)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    notes = []
    failed = 0
    for name, folder in (("empty", empty), ("missing", work / "not-mounted"), ("40 %", partial)):
        code, _ = run_index(artsearch, folder, index)
        after = article_ids(artsearch, index)
        failed += code == 0 or after != before
        notes.append(f"{name}: exit {code}, {len(before)} -> {len(after)}")
    # The user says so: the same 40 % run with --allow-shrink goes through.
    code, _ = run_index(artsearch, partial, index, "--allow-shrink")
    shrunk = article_ids(artsearch, index)
    failed += code != 0 or not 0 < len(shrunk) < len(before)
    notes.append(f"40 % --allow-shrink: exit {code}, -> {len(shrunk)}")
    return Row("shrinking runs on a live index", 4, failed, "; ".join(notes))


# -- serving ---------------------------------------------------------------------------------


def simple_latencies(
    server: Server, seconds: float, stop: threading.Event | None = None
) -> list[float]:
    latencies = []
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (stop and stop.is_set()):
        elapsed, status = timed_get(server, SIMPLE_QUERY)
        latencies.append(elapsed if status == 200 else float("inf"))
        time.sleep(0.2)
    return latencies


def describe(latencies: list[float]) -> str:
    finite = [x for x in latencies if x != float("inf")]
    if not finite:
        return "no answer"
    return f"simple p50 {statistics.median(finite):.3f} s, max {max(latencies):.3f} s"


def probe_slow_headers(server: Server, connections: int = 50, seconds: float = 20) -> Row:
    sockets = []
    for _ in range(connections):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(b"GET /api/search?q=x HTTP/1.1\r\nHost: x\r\n")
        sockets.append(sock)
    stop = threading.Event()

    def trickle() -> None:
        while not stop.is_set():
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.send(b"X-a: b\r\n")
            stop.wait(1.0)

    feeder = threading.Thread(target=trickle, daemon=True)
    feeder.start()
    time.sleep(1)
    latencies = simple_latencies(server, seconds)
    stop.set()
    for sock in sockets:
        sock.close()
    slow = sum(1 for x in latencies if x > 1.0)
    return Row(f"{connections} slow-header connections", len(latencies), slow, describe(latencies))


def worst_queries(corpus_words: list[str]) -> list[str]:
    rng = random.Random(5)
    long_words = " ".join(rng.sample(corpus_words, min(len(corpus_words), 900)))[:4000]
    typos = " ".join(w[:-1] + "q" for w in rng.sample(corpus_words, 400))[:4000]
    return [
        "/api/search?q=" + "a" * 1000,  # "did you mean" on one 1,000-letter word
        "/api/search?q=" + urllib.parse.quote(long_words),
        "/api/search?q=" + urllib.parse.quote(typos),
        "/api/search?q=" + urllib.parse.quote("the* sta* con* pre* mar* com* int*"),
        "/api/search?q="
        + urllib.parse.quote(long_words[:3000])
        + "&sort=newest&page=5&per_page=100",
    ]


def probe_worst_queries(
    server: Server, words: list[str], clients: int = 20, seconds: float = 30
) -> list[Row]:
    queries = worst_queries(words)
    stop = threading.Event()
    outcomes: list[tuple[float, int]] = []
    lock = threading.Lock()

    bad_busy = 0  # a 503 must be JSON with Retry-After (Targets: "Serving")

    def client(n: int) -> None:
        nonlocal bad_busy
        while not stop.is_set():
            started = time.perf_counter()
            try:
                status, headers, _ = server.get(queries[n % len(queries)], timeout=120)
            except OSError:
                status, headers = 0, {}
            with lock:
                outcomes.append((time.perf_counter() - started, status))
                bad_busy += status == 503 and not (
                    "Retry-After" in headers
                    and headers.get("Content-Type", "").startswith("application/json")
                )

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    latencies = simple_latencies(server, seconds)
    stop.set()
    for thread in threads:
        thread.join(150)
    slow = sum(1 for x in latencies if x > 1.0)
    statuses: dict[int, int] = {}
    for _, status in outcomes:
        statuses[status] = statuses.get(status, 0) + 1
    worst = [elapsed for elapsed, _ in outcomes]
    return [
        Row(f"{clients} concurrent worst-case queries", len(latencies), slow, describe(latencies)),
        Row("  the worst-case queries themselves", len(outcomes),
            sum(n for s, n in statuses.items() if s not in (200, 503)) + bad_busy,
            f"statuses {dict(sorted(statuses.items()))} ({bad_busy} 503 without JSON and "
            f"Retry-After), p50 {statistics.median(worst):.2f} s, max {max(worst):.2f} s"),
    ]  # fmt: skip


def probe_limits(server: Server) -> Row:
    checks: list[tuple[str, Callable[[int, dict[str, str], bytes], bool]]] = [
        ("/api/search?q=" + "word%20" * 571, lambda s, h, b: s == 200),  # 3,997 characters
        ("/api/search?q=" + "x" * 4001, lambda s, h, b: s == 400 and b"4000" in b),
        ("/api/search?q=" + "%D0%B6" * 4000, lambda s, h, b: s == 200),  # 4,000 Cyrillic letters
        ("/api/search?q=" + "x" * 70000, lambda s, h, b: s == 414),
        ("/api/nowhere", lambda s, h, b: s == 404),
    ]
    failed = 0
    notes = []
    for path, good in checks:
        status, headers, body = server.get(path)
        is_json = headers.get("Content-Type", "").startswith("application/json")
        ok = good(status, headers, body) and is_json and "Content-Security-Policy" in headers
        failed += not ok
        notes.append(f"{status}{'' if is_json else ' (not JSON)'}")
    # 431: too many header fields, through a raw socket.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        fields = "".join(f"X-{n}: v\r\n" for n in range(200))
        sock.sendall(f"GET /api/stats HTTP/1.1\r\nHost: x\r\n{fields}\r\n".encode())
        answer = sock.recv(4096)
    ok431 = answer.startswith(b"HTTP/1.1 431") and b"application/json" in answer
    failed += not ok431
    notes.append(
        answer.split(b"\r\n", 1)[0].decode(errors="replace")[9:12]
        + ("" if ok431 else " (not JSON)")
    )
    status, _, body = server.get("/api/stats")
    leaks = b'"/' in body  # an absolute path in the public stats
    failed += leaks
    notes.append("stats without paths" if not leaks else "stats show server paths")
    return Row("limits and server errors as JSON", len(checks) + 2, failed, ", ".join(notes))


# -- soak ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Resources of the server's workers, summed over them."""

    rss: int  # bytes resident
    fds: int  # open file descriptors
    index_fds: int  # of which on files of the index folder
    deleted: int  # bytes of deleted files still open or mapped
    segments: int  # live segments of the index when sampled

    @property
    def other_fds(self) -> int:
        return self.fds - self.index_fds

    @property
    def fds_per_segment(self) -> float:
        return self.index_fds / max(1, self.segments)


def live_segments(index: Path) -> int:
    """Segments of the live generation (each has one terms file)."""
    try:
        generation = index / (index / "CURRENT").read_text().strip()
        return len(list(generation.glob("*.trm")))
    except OSError:
        return 0


def process_figures(pids: list[int], index: Path) -> Figures:
    rss = fds = index_fds = deleted = 0
    inside = str(index.resolve()) + "/"
    for pid in pids:
        try:
            rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf(
                "SC_PAGE_SIZE"
            )
            seen: set[str] = set()
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                fds += 1
                target = os.readlink(fd)
                index_fds += target.startswith(inside)
                if target.endswith(" (deleted)"):
                    seen.add(target)
            for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
                if line.endswith(" (deleted)"):
                    seen.add(line.split(None, 5)[-1])
            for target in seen:
                deleted += _deleted_size(pid, target[: -len(" (deleted)")])
        except OSError:
            continue
    return Figures(rss, fds, index_fds, deleted, live_segments(index))


def _deleted_size(pid: int, name: str) -> int:
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd) == name + " (deleted)":
                return os.stat(fd).st_size
        except OSError:
            continue
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        if line.endswith(name + " (deleted)"):
            start, end = (int(x, 16) for x in line.split()[0].split("-"))
            return end - start
    return 0


def probe_soak(
    artsearch: Path, corpus: Path, work: Path, words: list[str], minutes: float
) -> list[Row]:
    live_corpus = work / "soak-corpus"
    shutil.copytree(corpus, live_corpus)
    index = work / "soak-index"
    run_index(artsearch, live_corpus, index)
    server = Server(artsearch, index)
    rng = random.Random(3)
    queries = [
        "/api/search?q=" + urllib.parse.quote(" ".join(rng.sample(words, rng.randint(1, 4))))
        for _ in range(200)
    ] + ["/api/stats", "/api/search?q=market&sort=newest"]
    stop = threading.Event()
    failures = total = 0
    lock = threading.Lock()

    def client(seed: int) -> None:
        nonlocal failures, total
        local = random.Random(seed)
        while not stop.is_set():
            _, status = timed_get(server, local.choice(queries))
            with lock:
                total += 1
                failures += status != 200

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(4)]
    for thread in threads:
        thread.start()
    pages = sorted(p for p in live_corpus.rglob("*.html"))
    samples: list[Figures] = []
    updates = update_failures = 0
    started = time.monotonic()
    end = started + minutes * 60
    next_update = started + 30
    warm = None
    while time.monotonic() < end:
        time.sleep(5)
        figures = process_figures(server.workers(), index)
        samples.append(figures)
        if warm is None and time.monotonic() - started >= min(60, minutes * 30):
            warm = figures
        if time.monotonic() >= next_update:
            for path in rng.sample(pages, 10):
                text = path.read_bytes()
                path.write_bytes(text.replace(b"<p>", b"<p>Soak update %d. " % updates, 1))
            code, _ = run_index(artsearch, live_corpus, index)
            updates += 1
            update_failures += code != 0
            next_update = max(next_update + 30, time.monotonic() + 5)
    soaked = process_figures(server.workers(), index)
    # Then two full rebuilds (a generation swap each) while the clients go on: the second one
    # deletes the generation the first replaced, which the workers had open.
    swaps = swap_failures = 0
    for _ in range(2):
        code, _ = run_index(artsearch, live_corpus, index, "--rebuild")
        swaps += 1
        swap_failures += code != 0
        time.sleep(20)
    stop.set()
    for thread in threads:
        thread.join(60)
    time.sleep(6)  # an idle moment: searchers of retired versions are closed when checked in
    final = process_figures(server.workers(), index)
    server.stop()
    warm = warm or samples[0]
    samples.append(soaked)
    rss_growth = (soaked.rss - warm.rss) / warm.rss * 100
    generations = len([p for p in index.iterdir() if p.name.startswith("gen-")])
    per_segment_growth = soaked.fds_per_segment > warm.fds_per_segment * 1.25
    return [
        Row(f"soak {minutes:g} min + 2 rebuilds: requests", total, failures,
            f"{updates} incremental updates ({update_failures} failed), then {swaps} --rebuild "
            f"({swap_failures} failed)"),
        Row("  worker RSS growth after warm-up", 1, int(rss_growth >= 10),
            f"{warm.rss / 1e6:.0f} -> {soaked.rss / 1e6:.0f} MB ({rss_growth:+.1f} %), "
            f"max {max(f.rss for f in samples) / 1e6:.0f} MB; after the rebuilds "
            f"{final.rss / 1e6:.0f} MB"),
        Row("  open fds, not on index files", 1, int(soaked.other_fds > warm.other_fds + 4),
            f"{warm.other_fds} -> {soaked.other_fds} (all fds {warm.fds} -> {soaked.fds}, "
            f"max {max(f.fds for f in samples)}; after the rebuilds {final.fds})"),
        Row("  open fds on index files", 1, int(per_segment_growth),
            f"{warm.index_fds} -> {soaked.index_fds} for {warm.segments} -> {soaked.segments} "
            f"live segments ({warm.fds_per_segment:.1f} -> {soaked.fds_per_segment:.1f} per "
            f"segment)"),
        Row("  deleted files still held", 2, int(soaked.deleted > 0) + int(final.deleted > 0
            or generations > 2),
            f"{soaked.deleted / 1e6:.1f} MB after the soak, {final.deleted / 1e6:.1f} MB after "
            f"the rebuilds; {generations} generations on disk"),
    ]  # fmt: skip


def vocabulary(corpus: Path, limit: int = 3000) -> list[str]:
    import re

    words: set[str] = set()
    for path in sorted(corpus.rglob("*.html"))[:200]:
        text = re.sub(rb"<[^>]+>", b" ", path.read_bytes()).decode("utf-8", "replace")
        words |= {w.lower() for w in re.findall(r"[A-Za-z]{5,12}", text)}
    return sorted(words)[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--artsearch", type=Path, default=DEFAULT_ARTSEARCH)
    parser.add_argument("--soak-minutes", type=float, default=2.0)
    parser.add_argument("--kill-rounds", type=int, default=12)
    parser.add_argument("--serve-index", type=Path, help="an index of --corpus to serve "
                        "(built by the probe when not given)")  # fmt: skip
    parser.add_argument("--only", default="", help="comma-separated probe groups: build,kills,"
                        "shrink,slow-headers,worst-queries,limits,soak")  # fmt: skip
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))

    def wanted(name: str) -> bool:
        return not only or name in only

    rows: list[Row] = []
    words = vocabulary(args.corpus)
    with tempfile.TemporaryDirectory(prefix="chaos-") as folder:
        work = Path(folder)
        if wanted("build"):
            rows += probe_hostile_build(args.artsearch, work)
        if wanted("kills") or wanted("shrink"):
            rows += probe_kills(args.artsearch, args.corpus, work, args.kill_rounds)
            rows.append(probe_shrink(args.artsearch, args.corpus, work))
        if wanted("slow-headers") or wanted("worst-queries") or wanted("limits"):
            index = args.serve_index or work / "serve-index"
            if not args.serve_index:
                run_index(args.artsearch, args.corpus, index)
            server = Server(args.artsearch, index)
            try:
                idle = simple_latencies(server, 5)
                rows.append(Row("simple query, idle server", len(idle), 0, describe(idle)))
                if wanted("slow-headers"):
                    rows.append(probe_slow_headers(server))
                if wanted("worst-queries"):
                    rows += probe_worst_queries(server, words)
                if wanted("limits"):
                    rows.append(probe_limits(server))
            finally:
                server.stop()
        if wanted("soak"):
            rows += probe_soak(args.artsearch, args.corpus, work, words, args.soak_minutes)
    print(f"artsearch: {args.artsearch}   corpus: {args.corpus}")
    width = max(len(r.probe) for r in rows)
    print(f"{'probe':<{width}}  {'tried':>6}  {'failed':>6}  figure")
    for row in rows:
        print(f"{row.probe:<{width}}  {row.tried:>6}  {row.failed:>6}  {row.figure}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
