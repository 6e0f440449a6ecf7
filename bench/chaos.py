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
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {c for c, p in parents.items() if p in frontier} - found
        found |= frontier
    return found


def _children_of(pid: int) -> set[int]:
    return {
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _parent(int(entry.name)) == pid
    }


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return -1


def alive(pids: set[int]) -> set[int]:
    result = set()
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                result.add(pid)
        except OSError:
            pass
    return result


def run_index(artsearch: Path, corpus: Path, index: Path, *extra: str) -> tuple[int, str]:
    done = subprocess.run(
        [str(artsearch), "index", str(corpus), "--index", str(index), *extra],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def article_ids(artsearch: Path, index: Path) -> set[str]:
    ids: set[str] = set()
    page = 1
    while True:
        out = subprocess.run(
            [str(artsearch), "search", "", "--index", str(index), "--json", "--limit", "100",
             "--page", str(page)], capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if out.returncode != 0:
            return ids
        results = json.loads(out.stdout)["results"]
        ids |= {r["id"] for r in results}
        if len(results) < 100:
            return ids
        page += 1


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


def probe_hostile_build(artsearch: Path, work: Path) -> Row:
    corpus = work / "hostile"
    goods, bads = make_hostile_corpus(corpus)
    goods += 1  # truncated.html.gz yields the part that arrived (a good page, cut short)
    started = time.perf_counter()
    code, output = run_index(artsearch, corpus, work / "hostile-index", "--json")
    seconds = time.perf_counter() - started
    if code != 0 or "{" not in output:
        return Row(
            "hostile corpus build", goods + bads, goods + bads, f"aborted: {output[-200:]!r}"
        )
    report = json.loads(output[output.index("{") :])
    indexed = report["indexed"]
    named = {s["path"] for s in report["skipped"]}
    missing_good = goods - indexed
    unnamed = bads - 1 - len(named)  # bads counts truncated.html.gz too
    stats = subprocess.run([str(artsearch), "stats", "--index", str(work / "hostile-index")],
                           capture_output=True, text=True)  # fmt: skip
    in_stats = "cannot" in stats.stdout or "Skipped:" in stats.stdout
    return Row(
        "hostile corpus build",
        goods + bads,
        max(0, missing_good) + max(0, unnamed) + (not in_stats),
        f"{indexed}/{goods} good indexed, {len(named)} bad named, {seconds:.1f} s",
    )


def probe_kills(artsearch: Path, corpus: Path, work: Path, rounds: int) -> list[Row]:
    clean = work / "clean-index"
    run_index(artsearch, corpus, clean)
    expected = article_ids(artsearch, clean)
    index = work / "kill-index"
    shutil.copytree(clean, index)
    leftovers = blocked = 0
    rng = random.Random(11)
    for n in range(rounds):
        signum = signal.SIGKILL if n % 2 == 0 else signal.SIGTERM
        process = subprocess.Popen(
            [str(artsearch), "index", str(corpus), "--index", str(index), "--rebuild"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(rng.uniform(1.0, 8.0))
        below = descendants(process.pid)
        process.send_signal(signum)
        process.wait(60)
        time.sleep(3)
        leftovers += len(alive(below))
        for pid in alive(below):  # clean up so that the next round is independent
            os.kill(pid, signal.SIGKILL)
    code, output = run_index(artsearch, corpus, index)
    blocked += code != 0
    partial = len([p for p in index.iterdir() if p.name.startswith("gen-")]) > 2
    same = article_ids(artsearch, index) == expected
    rows = [
        Row("kill indexer (SIGKILL/SIGTERM)", rounds, int(leftovers > 0) + blocked + partial,
            f"{leftovers} processes left, next run exit {code}, "
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


def probe_shrink(artsearch: Path, work: Path) -> Row:
    index = work / "clean-index"
    before = article_ids(artsearch, index)
    empty = work / "empty"
    empty.mkdir(exist_ok=True)
    code, output = run_index(artsearch, empty, index)
    after = article_ids(artsearch, index)
    return Row("empty corpus on live index", 1, int(code == 0 or after != before),
               f"exit {code}, articles {len(before)} -> {len(after)}")  # fmt: skip


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

    def client(n: int) -> None:
        while not stop.is_set():
            result = timed_get(server, queries[n % len(queries)], timeout=120)
            with lock:
                outcomes.append(result)

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
            sum(n for s, n in statuses.items() if s not in (200, 503)),
            f"statuses {dict(sorted(statuses.items()))}, p50 {statistics.median(worst):.2f} s, "
            f"max {max(worst):.2f} s"),
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


def process_figures(pids: list[int]) -> tuple[int, int, int]:
    """(RSS bytes, open fds, bytes of deleted files still open or mapped) summed over pids."""
    rss = fds = deleted = 0
    for pid in pids:
        try:
            rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf(
                "SC_PAGE_SIZE"
            )
            seen: set[str] = set()
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                fds += 1
                target = os.readlink(fd)
                if target.endswith(" (deleted)"):
                    seen.add(target)
            for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
                if line.endswith(" (deleted)"):
                    seen.add(line.split(None, 5)[-1])
            for target in seen:
                deleted += _deleted_size(pid, target[: -len(" (deleted)")])
        except OSError:
            continue
    return rss, fds, deleted


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
    samples: list[tuple[float, int, int, int]] = []
    updates = update_failures = 0
    started = time.monotonic()
    end = started + minutes * 60
    next_update = started + 30
    warm = None
    while time.monotonic() < end:
        time.sleep(5)
        figures = process_figures(server.workers())
        samples.append((time.monotonic() - started, *figures))
        if warm is None and time.monotonic() - started >= min(60, minutes * 30):
            warm = figures
        if time.monotonic() >= next_update:
            for path in rng.sample(pages, 10):
                text = path.read_bytes()
                path.write_bytes(text.replace(b"<p>", b"<p>Soak update %d. " % updates, 1))
            code, _ = run_index(artsearch, live_corpus, index)
            updates += 1
            update_failures += code != 0
            next_update += 30
    stop.set()
    for thread in threads:
        thread.join(60)
    final = process_figures(server.workers())
    server.stop()
    warm = warm or samples[0][1:]
    rss_growth = (final[0] - warm[0]) / warm[0] * 100
    generations = len([p for p in index.iterdir() if p.name.startswith("gen-")])
    return [
        Row(f"soak {minutes:g} min: requests", total, failures,
            f"{updates} incremental updates ({update_failures} failed)"),
        Row("  worker RSS growth after warm-up", 1, int(rss_growth >= 10),
            f"{warm[0] / 1e6:.0f} -> {final[0] / 1e6:.0f} MB ({rss_growth:+.1f} %)"),
        Row("  open file descriptors", 1, int(final[1] > warm[1] + 4), f"{warm[1]} -> {final[1]}"),
        Row("  deleted files still held", 1, int(final[2] > 0),
            f"{final[2] / 1e6:.1f} MB held by workers, {generations} generations on disk"),
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
    parser.add_argument("--kill-rounds", type=int, default=6)
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
            rows.append(probe_hostile_build(args.artsearch, work))
        if wanted("kills") or wanted("shrink"):
            rows += probe_kills(args.artsearch, args.corpus, work, args.kill_rounds)
            rows.append(probe_shrink(args.artsearch, work))
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
