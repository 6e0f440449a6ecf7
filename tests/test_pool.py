"""The extraction worker pool: results in order, and a bad job costs only itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from processes import alive, command_line, descendants, parent

from indexer.pool import Limits, WorkerPool

ROOT = Path(__file__).resolve().parent.parent


def run_job(job: str) -> str:
    """The job functions the pool's workers run (module level: workers import it)."""
    kind, _, argument = job.partition(":")
    if kind == "sleep":
        time.sleep(float(argument))
    elif kind == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    elif kind == "die-once":
        marker = Path(argument)
        if not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
    elif kind == "spin":
        end = time.process_time() + float(argument)
        while time.process_time() < end:
            pass
    elif kind == "allocate":
        _ = bytearray(int(argument) * 1048576)
    return f"done {job}"


def failed(job: str, reason: str) -> str:
    return f"failed {job}: {reason}"


def pool(workers: int = 2, **limits: float) -> WorkerPool[str, str]:
    return WorkerPool(run_job, workers=workers, on_failure=failed, limits=Limits(**limits))  # type: ignore[arg-type]


def test_results_come_back_in_job_order_from_several_workers() -> None:
    jobs = [f"sleep:{0.05 if n % 3 == 0 else 0}" for n in range(12)]
    assert list(pool().map(jobs)) == [f"done {job}" for job in jobs]


def test_a_job_whose_worker_is_killed_once_is_retried(tmp_path: Path) -> None:
    jobs = ["sleep:0", f"die-once:{tmp_path / 'marker'}", "sleep:0"]
    assert list(pool().map(jobs)) == [f"done {job}" for job in jobs]


def test_a_job_that_kills_its_worker_twice_is_failed_with_the_signal() -> None:
    results = list(pool().map(["sleep:0", "die", "sleep:0"]))
    assert results[0] == "done sleep:0" and results[2] == "done sleep:0"
    assert results[1].startswith("failed die: the extraction process died (killed by SIGKILL")
    assert results[1].endswith("twice on this page")


def test_a_job_over_its_cpu_time_is_cut_off_and_the_rest_go_on() -> None:
    started = time.monotonic()
    results = list(pool(workers=1, seconds=0.5, wall_seconds=60).map(["spin:30", "sleep:0"]))
    assert time.monotonic() - started < 10
    assert results == [
        "failed spin:30: used more than 0.5 s of CPU time: cut off (PAGE_SECONDS)",
        "done sleep:0",
    ]


def test_a_job_that_waits_is_cut_off_only_by_the_time_on_the_clock() -> None:
    # base: one deadline on the clock, which pages of example.com passed on the loaded 2-core
    # machine (waiting for a core is not the page's cost)
    jobs = ["sleep:1.5", "sleep:30", "sleep:0"]
    results = list(pool(workers=1, seconds=0.5, wall_seconds=3).map(jobs))
    assert results == [
        "done sleep:1.5",
        "failed sleep:30: took longer than 3 s to extract (on a busy machine or a slow disk): "
        "cut off (PAGE_SECONDS x WALL_FACTOR)",
        "done sleep:0",
    ]


def test_a_job_over_the_memory_limit_fails_with_the_limit_named() -> None:
    results = list(pool(workers=1, memory_bytes=64 * 1048576).map(["allocate:200", "allocate:1"]))
    assert results == ["failed allocate:200: needs more than 64 MB of memory", "done allocate:1"]


# A build in its own process: its pool runs two 60-second jobs from a module whose import (in the
# forkserver, which preloads it) takes IMPORT_SECONDS.
_JOBS_MODULE = """
import os, time
time.sleep(float(os.environ.get("IMPORT_SECONDS", "0")))
def sleep(seconds):
    time.sleep(seconds)
    return "slept"
"""
_BUILD = """
import os, sys
import slow_jobs
from indexer.pool import WorkerPool
os.environ["IMPORT_SECONDS"] = sys.argv[1]  # only the forkserver's import of slow_jobs is slow
pool = WorkerPool(slow_jobs.sleep, workers=2, on_failure=lambda job, reason: reason)
list(pool.map([60.0, 60.0]))
"""


def _kill_build_when(
    tmp_path: Path, import_seconds: float, ready: Callable[[int, set[int]], bool]
) -> tuple[set[int], float]:
    """Start the build, SIGKILL it once ``ready(pid, descendants)``; (the processes it had then,
    seconds until the last of them was gone)."""
    (tmp_path / "slow_jobs.py").write_text(_JOBS_MODULE)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    build = subprocess.Popen(
        [sys.executable, "-c", _BUILD, str(import_seconds)], env=environment, cwd=tmp_path
    )
    below = descendants(build.pid)
    try:
        deadline = time.monotonic() + 60
        while not ready(build.pid, below):
            assert time.monotonic() < deadline, "the build never got ready"
            time.sleep(0.05)
            below = descendants(build.pid)
        build.kill()
        build.wait(10)
        killed = time.monotonic()
        while alive(below) and time.monotonic() - killed < 30:
            time.sleep(0.05)
        return below, time.monotonic() - killed
    finally:
        build.kill()
        for pid in alive(below):  # what the base left behind
            os.kill(pid, signal.SIGKILL)


def test_killing_the_build_kills_its_busy_workers_at_once(tmp_path: Path) -> None:
    # base: the workers finished their 60 s jobs first (the forkserver waited for them, and their
    # parent-death signal was tied to the forkserver)
    first_seen: list[float] = []

    def two_workers_busy(build: int, below: set[int]) -> bool:
        if not first_seen and len([pid for pid in below if parent(pid) != build]) >= 2:
            first_seen.append(time.monotonic())
        return bool(first_seen) and time.monotonic() - first_seen[0] > 1.0  # jobs started

    below, seconds = _kill_build_when(tmp_path, 0, two_workers_busy)
    assert seconds < 2, f"{len(alive(below))} processes outlived the build by {seconds:.1f} s"


def test_killing_the_build_while_its_forkserver_starts_leaves_no_process(tmp_path: Path) -> None:
    # base: the forkserver lived until it had imported the job module (chaos kill probe: the
    # forkserver and the resource tracker alive 3-6 s after the kill)
    def forkserver_started(build: int, below: set[int]) -> bool:
        return any("multiprocessing.forkserver" in command_line(pid) for pid in below)

    below, seconds = _kill_build_when(tmp_path, 30, forkserver_started)
    assert seconds < 2, f"{len(alive(below))} processes outlived the build by {seconds:.1f} s"


_SLOW_START = """
import sys, time
end = time.process_time() + float(sys.argv[1])
while time.process_time() < end:  # top-level work: every worker repeats it as it starts
    pass
from indexer.pool import Limits, WorkerPool
from quick_jobs import quick
if __name__ == "__main__":
    pool = WorkerPool(quick, workers=1, on_failure=lambda job, reason: reason,
                      limits=Limits(seconds=float(sys.argv[2])))
    print(list(pool.map(["a", "b"])))
"""


def test_a_slow_worker_start_does_not_count_against_its_first_page(tmp_path: Path) -> None:
    # The pages' clocks start when the worker says it is ready: a worker whose start took more
    # CPU time than a page may take (a script's top-level work, which every worker repeats) had
    # its first page cut off, and so every first page of the build.
    (tmp_path / "quick_jobs.py").write_text("def quick(job):\n    return 'done'\n")
    script = tmp_path / "slow_start.py"
    script.write_text(_SLOW_START)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, str(script), "1.5", "1.0"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "['done', 'done']", done.stderr[-2000:]


_BREAKS_LATER = """
import os, sys
if __name__ != "__main__" and os.path.exists(sys.argv[1]):
    raise RuntimeError("this worker cannot start")  # every worker runs this as it starts
from indexer.pool import Limits, WorkerPool
from indexer.errors import WorkersCannotStartError
from breaking_jobs import job
if __name__ == "__main__":
    pool = WorkerPool(job, workers=1, on_failure=lambda job, reason: reason, limits=Limits())
    try:
        for result in pool.map(["a", "b", "break:" + sys.argv[1], "c", "d"]):
            print(result, flush=True)
    except WorkersCannotStartError as error:
        print("stopped:", error, flush=True)
"""

_BREAKING_JOBS = """
import os, signal
from pathlib import Path
def job(name):
    if name.startswith("break:"):
        Path(name.removeprefix("break:")).touch()  # from now on no worker can start
        os.kill(os.getpid(), signal.SIGKILL)
    return "done " + name
"""


def test_workers_that_cannot_start_after_good_ones_stop_the_pool(tmp_path: Path) -> None:
    # The rule holds after a good start too: a build whose program or machine breaks mid-way
    # (here: the script's top level refuses new workers once a page has run) stops with the
    # reason instead of failing every page left as "the process died".
    (tmp_path / "breaking_jobs.py").write_text(_BREAKING_JOBS)
    script = tmp_path / "breaks_later.py"
    script.write_text(_BREAKS_LATER)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "broken")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert lines[:2] == ["done a", "done b"], done.stderr[-2000:]
    assert len(lines) == 3 and lines[2].startswith("stopped:"), lines
    assert "3 in a row" in lines[2] and "their error is printed above" in lines[2]
    assert done.stderr.count("RuntimeError: this worker cannot start") == 3
    assert time.monotonic() - started < 60
