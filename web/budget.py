"""A time budget per request: a request still running after :data:`REQUEST_SECONDS` is stopped
and answered with a JSON 503 and ``Retry-After``, so no thread of a server worker hangs on one.

Searches are pure Python on a thread, and Python cannot kill a thread; it can raise an exception
in one.  A watchdog thread per process raises :class:`RequestOverBudget` in a request's thread
when its deadline passes (``PyThreadState_SetAsyncExc``); the exception arrives at the thread's
next bytecode, unwinds its ``with`` blocks (the searcher stays open and unshared), and the app's
error handler turns it into the 503.  The deadline is armed only while Flask runs the view, so the
exception never lands in the server's own code.

Searches whose cost grows with the query (long queries, wildcards) also take a per-process
semaphore of :data:`LONG_SEARCHES_AT_ONCE`: they are CPU-bound under one GIL, so running more at
once in a process finishes none sooner, while every other request of the process is slowed by
each one running.  With few at a time, a simple query shares the GIL with at most that many
(20 concurrent worst-case queries: docs/operations.md).  A long search that cannot start within
:data:`QUEUE_SECONDS` gets a 503 with ``Retry-After`` too.
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time

from flask import Flask, Response, g, request

from web.errors import is_api_request, json_error

log = logging.getLogger(__name__)

# What one request may take.  The worst requests measured (a 4,000-character query of rare words
# under 20 concurrent others, docs/operations.md) finish in well under this; a request past it is
# a bug or an overload, and its thread is better used for the next one.
REQUEST_SECONDS = 5.0
# How often the watchdog looks at the deadlines: the budget is kept to within this.
_TICK_SECONDS = 0.05
# What a client is told to wait before trying again.
RETRY_AFTER_SECONDS = 2
# Long searches running at once in one process, and how long one waits for its turn.  With 20
# concurrent worst-case clients, 1 and 2 served as many long searches (341 and 361 in 30 s);
# the simple query's worst case was 0.48 s and 0.23 s (a noisy machine: treat them as equal).
LONG_SEARCHES_AT_ONCE = 2
QUEUE_SECONDS = 2.5
# A query this long, or with a wildcard, is a long search: its words' posting lists (or the
# terms a wildcard expands to) make its cost, ~0.1-0.4 s at 4,000 characters on 3,057 articles.
LONG_QUERY_CHARACTERS = 200
_SEARCH_ENDPOINTS = ("/search", "/api/search")


class RequestOverBudget(Exception):
    """Raised inside a request's thread when it has used up its time budget."""


class ServerBusy(Exception):
    """A long search waited :data:`QUEUE_SECONDS` for its turn without getting it."""


def is_long_search() -> bool:
    if request.path not in _SEARCH_ENDPOINTS:
        return False
    q = request.args.get("q") or ""
    return len(q) > LONG_QUERY_CHARACTERS or "*" in q or "?" in q


class _Watchdog:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._deadlines: dict[int, float] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def arm(self) -> None:
        with self._lock:
            self._deadlines[threading.get_ident()] = time.monotonic() + self.seconds
            if self._thread is None or not self._thread.is_alive():
                # Started on first use, in the process that serves (never before a fork).
                self._thread = threading.Thread(target=self._watch, name="budget", daemon=True)
                self._thread.start()

    def disarm(self) -> None:
        with self._lock:
            self._deadlines.pop(threading.get_ident(), None)

    def _watch(self) -> None:
        while True:
            time.sleep(_TICK_SECONDS)
            now = time.monotonic()
            with self._lock:
                late = [ident for ident, deadline in self._deadlines.items() if deadline <= now]
                for ident in late:
                    del self._deadlines[ident]
                    # Raised while holding the lock, so that a thread disarming right now
                    # cannot have left the view already.
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        ctypes.c_ulong(ident), ctypes.py_object(RequestOverBudget)
                    )


def _over_budget(seconds: float) -> Response:
    log.warning("503 %s: over the %.1f s budget", request.full_path, seconds)
    message = (
        f"the request took longer than the server's {seconds:g} s budget and was "
        f"stopped; try again in {RETRY_AFTER_SECONDS} s, or narrow the query"
    )
    if is_api_request():
        response = json_error(503, message)
    else:
        response = Response(message, status=503, mimetype="text/plain")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _busy() -> Response:
    log.warning("503 %s: no turn for a long search within %.1f s", request.path, QUEUE_SECONDS)
    message = (
        f"the server is busy with other long queries; try again in {RETRY_AFTER_SECONDS} s "
        "(short queries are served meanwhile)"
    )
    response = (
        json_error(503, message)
        if is_api_request()
        else Response(message, status=503, mimetype="text/plain")
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def install_time_budget(app: Flask, seconds: float = REQUEST_SECONDS) -> None:
    """Give every request of ``app`` a budget of ``seconds`` (see the module docstring)."""
    watchdog = _Watchdog(seconds)
    long_searches = threading.BoundedSemaphore(LONG_SEARCHES_AT_ONCE)

    def arm() -> None:
        if is_long_search():
            if not long_searches.acquire(timeout=QUEUE_SECONDS):
                raise ServerBusy
            g.artsearch_long_search = True
        watchdog.arm()

    def disarm(response: Response) -> Response:
        watchdog.disarm()
        return response

    def disarm_on_error(_error: BaseException | None) -> None:
        watchdog.disarm()
        if g.pop("artsearch_long_search", False):
            long_searches.release()

    app.before_request(arm)
    # Flask runs after_request functions last-registered first: registered after create_app's,
    # this one runs first, right after the view.
    app.after_request(disarm)
    app.teardown_request(disarm_on_error)
    app.register_error_handler(RequestOverBudget, lambda _error: _over_budget(seconds))
    app.register_error_handler(ServerBusy, lambda _error: _busy())
