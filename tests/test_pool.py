"""The extraction worker pool: results in order, and a bad job costs only itself."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from indexer.pool import Limits, WorkerPool


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


def test_a_job_past_its_deadline_is_cut_off_and_the_rest_go_on() -> None:
    started = time.monotonic()
    results = list(pool(workers=1, seconds=0.5).map(["sleep:30", "sleep:0"]))
    assert time.monotonic() - started < 10
    assert results == [
        "failed sleep:30: took longer than 0.5 s to extract: cut off (PAGE_SECONDS)",
        "done sleep:0",
    ]


def test_a_job_over_the_memory_limit_fails_with_the_limit_named() -> None:
    results = list(pool(workers=1, memory_bytes=64 * 1048576).map(["allocate:200", "allocate:1"]))
    assert results == ["failed allocate:200: needs more than 64 MB of memory", "done allocate:1"]
