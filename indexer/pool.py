"""Running extraction in worker processes that die with the build and have limits per page.

What a hostile archive does to a plain ``ProcessPoolExecutor`` (each seen in issue 11):

- Killing the build (SIGKILL, SIGTERM, the OOM killer) left its workers alive, blocked on a dead
  pipe and, being forked, holding the index's write lock.  Here workers are forked from a
  *forkserver* (a clean process started by exec: it inherits no open file of the build, so no lock),
  ask the kernel to kill them when their parent dies (``PR_SET_PDEATHSIG``), and exit when their
  pipe to the build closes.  The forkserver asks the same about the build before it imports
  anything else (:mod:`indexer.pool_forkserver`): left to itself it exits only once every worker
  has, so a killed build's busy workers and a forkserver still starting lived on for seconds.
- One dead worker broke the whole pool with a ``BrokenProcessPool`` traceback.  Here each worker
  has its own pipe; a page whose worker dies is retried once in a new worker, and skipped with the
  reason if it kills that one too.
- One page could take a worker minutes or gigabytes.  Here each page has a budget of CPU time
  (:data:`PAGE_SECONDS`, and :data:`WALL_FACTOR` times that on the clock; the worker is killed
  and replaced when it is spent, the page skipped with the reason) and each worker an
  address-space limit :data:`PAGE_MEMORY_BYTES` above what it uses when idle (the page's
  ``MemoryError`` becomes its skip reason, and the worker is replaced).

Measured on the 2-core machine: a forkserver child starts in ~0.04 s after a one-time ~0.5 s
start of the server (which imports the extraction code once); ``spawn`` costs ~0.7 s per worker
(every worker imports the extraction code), ``fork`` ~0.01 s but copies the build's open files
(the lock) and memory (the index writer's pool) into every worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import resource
import signal
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

from indexer.errors import WorkersCannotStartError

log = logging.getLogger(__name__)

# A page that costs its worker more CPU time than this is cut off.  Real pages take 0.02-0.5 s
# here; the slowest of 21,578 Reuters stories and 181 benchmark pages took under 2 s.  CPU time,
# not time on the clock: with the 2 cores shared by ~10 busy processes, a page of example.com
# passed 10 s on the clock (tests/test_archives.py, full suite beside bench/chaos.py).
PAGE_SECONDS = 10.0
# ... and a page is cut off after this many times PAGE_SECONDS on the clock whatever its CPU time
# (a read blocked on a stalled network share uses none).
WALL_FACTOR = 6.0
# What one page may add to a worker's address space.  A 50 MB page (the size limit) parses in
# about 400 MB; a gzip bomb or a pathological tree would otherwise take whatever there is.
PAGE_MEMORY_BYTES = 512 * 1024 * 1024
# Jobs sent ahead to each worker: with one, a worker idled while the build wrote the previous
# page's articles to the index (260 pages: 4.7 s against 3.4 s for ProcessPoolExecutor).
_JOBS_IN_FLIGHT = 2
# A page whose worker dies is tried once more in a fresh worker (the death may have been someone
# else's doing, e.g. the OOM killer choosing a worker while another process used the memory).
RETRIES = 1
# Workers in a row that exit (or hang) before they can take a page, after which the build stops
# (WorkersCannotStartError) instead of skipping every page as "the process died".
START_FAILURES = 3
# What a worker sends first: it is running and can take pages.
_READY = "ready"

PR_SET_PDEATHSIG = 1
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Preloaded first by the forkserver (never imported here: importing it arms the guard).
_FORKSERVER_GUARD = "indexer.pool_forkserver"
# The build's pid, for the guard to check that its parent is still the build.
FORKSERVER_PARENT_VARIABLE = "ARTSEARCH_FORKSERVER_PARENT"

Job = TypeVar("Job")
Result = TypeVar("Result")


@dataclass(frozen=True)
class Limits:
    seconds: float = PAGE_SECONDS  # CPU time per page
    memory_bytes: int = PAGE_MEMORY_BYTES
    wall_seconds: float = PAGE_SECONDS * WALL_FACTOR  # time on the clock per page


@dataclass(frozen=True)
class _Failed:
    """What a worker sends back instead of a result; ``fatal`` when it exits after sending."""

    reason: str
    fatal: bool = False


def _die_with_parent(build_pid: int) -> None:
    """Ask the kernel to kill this process when its parent (the forkserver) dies, then make sure
    the build did not die before we asked."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    try:
        os.kill(build_pid, 0)
    except ProcessLookupError:
        os._exit(1)


def _limit_memory(extra_bytes: int) -> None:
    with open("/proc/self/statm", encoding="ascii") as handle:
        size = int(handle.read().split()[0]) * resource.getpagesize()
    limit = size + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _serve(conn: Connection, function: Callable[[Any], Any], build_pid: int, memory: int) -> None:
    """A worker's life: take a job, send its result, until the pipe closes or None arrives."""
    _die_with_parent(build_pid)
    _limit_memory(memory)
    # The build handles Ctrl-C; a worker that got it too would die mid-page and be retried.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        conn.send(_READY)
    except (OSError, ValueError):
        return
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the build is gone
        if message is None:
            return
        seq, job = message
        try:
            result: Any = function(job)
        except MemoryError:
            result = _Failed(f"needs more than {memory // 1048576} MB of memory", fatal=True)
        except Exception as error:  # a bug in the job function: report it, keep the worker
            log.exception("extraction worker failed on job %r", job)
            result = _Failed(f"extraction worker error: {type(error).__name__}")
        try:
            conn.send((seq, result))
        except (OSError, ValueError):
            return
        if isinstance(result, _Failed) and result.fatal:
            return  # a process that ran out of memory is not trusted with the next page


def _context(preload: str) -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    # The guard first: it makes the forkserver die with the build even while it still imports
    # the extraction code (indexer/pool_forkserver.py says why).
    os.environ[FORKSERVER_PARENT_VARIABLE] = str(os.getpid())
    context.set_forkserver_preload([_FORKSERVER_GUARD, preload])
    return context


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"exit status {code}"


class _Worker(Generic[Job]):
    def __init__(self, context: Any, function: Callable[[Job], Any], limits: Limits) -> None:
        ours, theirs = context.Pipe()
        self.process = context.Process(
            target=_serve,
            args=(theirs, function, os.getpid(), limits.memory_bytes),
            name="artsearch-extract",
            daemon=True,
        )
        self.process.start()
        theirs.close()
        self.conn: Connection = ours
        # Jobs sent and not answered, in the order the worker runs them.  The first one is
        # running: it started (as far as the build knows) when the job before it was answered,
        # at ``started`` on the clock and ``started_cpu`` of the worker's CPU time; ``deadline``
        # is when to look at it next.
        self.tasks: deque[tuple[int, Job]] = deque()
        self.started = self.started_cpu = self.deadline = 0.0
        # It said it is running: a worker that dies before that is not a page's fault.
        self.ready = False

    def give(self, seq: int, job: Job, limits: Limits) -> None:
        if not self.tasks:
            self.start_clocks(limits)
        self.tasks.append((seq, job))
        self.conn.send((seq, job))

    def answered(self, limits: Limits) -> None:
        self.tasks.popleft()
        self.start_clocks(limits)

    def start_clocks(self, limits: Limits) -> None:
        self.started = time.monotonic()
        self.started_cpu = self.cpu_seconds()
        self.deadline = self.started + limits.seconds

    def cpu_seconds(self) -> float:
        """CPU time the worker has used (user and system), 0 when it cannot be read."""
        try:
            with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return 0.0
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def over_limit(self, limits: Limits) -> str | None:
        """Why the running job is cut off now, or None (then ``deadline`` moves to when it could
        be): more CPU time than ``limits.seconds``, or ``limits.wall_seconds`` on the clock."""
        now = time.monotonic()
        used = self.cpu_seconds() - self.started_cpu
        if used >= limits.seconds:
            return f"used more than {limits.seconds:g} s of CPU time: cut off (PAGE_SECONDS)"
        if now - self.started >= limits.wall_seconds:
            return (
                f"took longer than {limits.wall_seconds:g} s to extract (on a busy machine or "
                "a slow disk): cut off (PAGE_SECONDS x WALL_FACTOR)"
            )
        self.deadline = min(now + limits.seconds - used, self.started + limits.wall_seconds)
        return None

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


class WorkerPool(Generic[Job, Result]):
    """Runs ``function`` over jobs in worker processes; results come back in job order.

    A job that cannot be completed (deadline passed, out of memory, worker died twice) yields
    ``on_failure(job, reason)`` instead, so one bad page never stops the build.
    """

    def __init__(
        self,
        function: Callable[[Job], Result],
        *,
        workers: int,
        on_failure: Callable[[Job, str], Result],
        limits: Limits | None = None,
    ) -> None:
        self.function = function
        self.workers = max(1, workers)
        self.on_failure = on_failure
        self.limits = limits or Limits()
        self._context = _context(function.__module__)
        self._start_failures = 0  # workers in a row that died before they were ready

    def _start(self) -> _Worker[Job]:
        """A new worker.  A forkserver that died (killed with the build's workers) is restarted
        by multiprocessing on the next try."""
        for attempt in range(3):
            try:
                return _Worker(self._context, self.function, self.limits)
            except (OSError, EOFError) as error:
                log.warning("starting an extraction worker failed (%s); trying again", error)
                time.sleep(0.1 * (attempt + 1))
        return _Worker(self._context, self.function, self.limits)

    def map(self, jobs: Sequence[Job]) -> Iterator[Result]:
        if not jobs:
            return
        pending: deque[tuple[int, Job]] = deque(enumerate(jobs))
        tries: Counter[int] = Counter()
        finished: dict[int, Result] = {}
        next_out = 0
        pool: list[_Worker[Job]] = []
        try:
            for _ in range(min(self.workers, len(jobs))):
                pool.append(self._start())
            while next_out < len(jobs):
                self._dispatch(pool, pending)
                self._collect(pool, pending, tries, finished)
                while next_out in finished:
                    yield finished.pop(next_out)
                    next_out += 1
        finally:
            for worker in pool:
                worker.stop()

    def _dispatch(self, pool: list[_Worker[Job]], pending: deque[tuple[int, Job]]) -> None:
        for index, worker in enumerate(pool):
            while len(worker.tasks) < _JOBS_IN_FLIGHT and pending:
                seq, job = pending.popleft()
                try:
                    worker.give(seq, job, self.limits)
                except OSError:  # it died while idle: not the job's fault
                    worker.tasks.pop()
                    pending.extendleft(reversed(worker.tasks))
                    pending.appendleft((seq, job))
                    worker.stop()
                    worker = pool[index] = self._start()

    def _collect(
        self,
        pool: list[_Worker[Job]],
        pending: deque[tuple[int, Job]],
        tries: Counter[int],
        finished: dict[int, Result],
    ) -> None:
        busy = [worker for worker in pool if worker.tasks]
        timeout = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
        for worker in busy:
            if worker.conn in ready or worker.process.sentinel in ready:
                if self._read_answers(worker, finished):  # it is exiting, by design
                    pending.extendleft(reversed(worker.tasks))
                    worker.tasks.clear()
                    self._replace(pool, worker)
                    continue
                if not worker.tasks:
                    continue
                if worker.process.is_alive():
                    if worker.process.sentinel not in ready:
                        continue
                    worker.process.join(1)
                if not worker.ready:
                    why = _describe_exit(worker.process.exitcode)
                    self._failed_start(pool, worker, pending, why)
                    continue
                # It died with jobs unanswered: the first was running, the rest were waiting.
                (seq, job), *waiting = worker.tasks
                pending.extendleft(reversed(waiting))
                reason = f"the extraction process died ({_describe_exit(worker.process.exitcode)})"
                tries[seq] += 1
                if tries[seq] <= RETRIES:
                    log.warning("%s on job %r; retrying it", reason, job)
                    pending.appendleft((seq, job))
                else:
                    finished[seq] = self.on_failure(job, f"{reason}, twice on this page")
                self._replace(pool, worker)
            elif time.monotonic() >= worker.deadline:
                self._past_deadline(pool, worker, pending, finished)

    def _past_deadline(
        self,
        pool: list[_Worker[Job]],
        worker: _Worker[Job],
        pending: deque[tuple[int, Job]],
        finished: dict[int, Result],
    ) -> None:
        """Cut off a worker's page that is over its limits, or a worker that does not start."""
        if not worker.ready:  # still starting: its pages' clocks have not begun
            if time.monotonic() - worker.started < self.limits.wall_seconds:
                worker.deadline = worker.started + self.limits.wall_seconds
                return
            why = f"not ready after {self.limits.wall_seconds:g} s"
            self._failed_start(pool, worker, pending, why)
            return
        cut_off = worker.over_limit(self.limits)
        if cut_off is None:
            return  # a busy machine, not a costly page: look again later
        (seq, job), *waiting = worker.tasks
        pending.extendleft(reversed(waiting))
        finished[seq] = self.on_failure(job, cut_off)
        self._replace(pool, worker)

    def _failed_start(
        self,
        pool: list[_Worker[Job]],
        worker: _Worker[Job],
        pending: deque[tuple[int, Job]],
        why: str,
    ) -> None:
        """Replace a worker that died or hung before it was ready, its pages put back (not
        their fault); stop the build when START_FAILURES workers in a row could not start (the
        cause is then the program or the machine, not a page)."""
        pending.extendleft(reversed(worker.tasks))
        worker.tasks.clear()
        self._start_failures += 1
        log.warning("an extraction worker could not start (%s)", why)
        if self._start_failures < START_FAILURES:
            self._replace(pool, worker)
            return
        worker.stop()
        raise WorkersCannotStartError(
            f"the extraction workers could not start ({why}, {self._start_failures} in a row),"
            " so no page can be read; their error is printed above.  A script that calls"
            ' build_index must call it under `if __name__ == "__main__":`, since every worker'
            " imports the script's main module as it starts (and so a program read from"
            " standard input cannot start them: save it to a file)"
        )

    def _read_answers(self, worker: _Worker[Job], finished: dict[int, Result]) -> bool:
        """Take every answer waiting in the worker's pipe; True when the worker is exiting."""
        while worker.tasks:
            outcome = self._receive(worker)
            if outcome is None:
                return False
            if isinstance(outcome, str):  # _READY: its first page starts now
                worker.ready = True
                worker.start_clocks(self.limits)
                self._start_failures = 0
                continue
            seq, result = outcome
            job = worker.tasks[0][1]
            worker.answered(self.limits)
            if isinstance(result, _Failed):
                finished[seq] = self.on_failure(job, result.reason)
                if result.fatal:
                    return True
            else:
                finished[seq] = result
        return False

    @staticmethod
    def _receive(worker: _Worker[Job]) -> tuple[int, Any] | str | None:
        try:
            if worker.conn.poll():
                message: tuple[int, Any] | str = worker.conn.recv()
                return message
        except (EOFError, OSError):
            pass
        return None

    def _replace(self, pool: list[_Worker[Job]], worker: _Worker[Job]) -> None:
        worker.stop()
        pool[pool.index(worker)] = self._start()
