"""Running the app under gunicorn, the production WSGI server behind `artsearch serve`.

Whoosh searches are CPU-bound pure Python, so worker processes are what use every core; threads
in each worker overlap the I/O of slow clients.  Each request checks out a searcher of its own, so
threads never share one (docs/decisions.md, Whoosh rules 1 and 2).  Each worker opens the live
index version before it accepts requests (see :func:`warm_worker`).

The worker class is gunicorn's ``gthread`` with one change, :class:`HeadFirstWorker`: a connection
gets a thread only once its whole request head (request line and headers) has arrived.  Stock
gthread hands a connection to a thread as soon as its first byte arrives, and the thread then
blocks until the head is complete, so 10 clients sending headers slowly held all 8 threads and
the server stopped answering (issue 11).  Here heads are read in the worker's event loop, where a
slow client costs a buffer, not a thread; a head not complete within :data:`HEAD_SECONDS` is
dropped, one larger than :data:`MAX_HEAD_BYTES` refused.  Errors that the server layer answers
itself (414, 431, 400 for malformed requests) are JSON with the app's error shape and security
headers, like every other ``/api`` answer.  docs/operations.md has the measurements behind the
choice (against stock gthread, more threads, gevent and nginx in front).
"""

from __future__ import annotations

import contextlib
import errno
import html
import json
import logging
import re
import selectors
import time
from collections import deque
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn import http
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import TConn, ThreadWorker

from web.app import CONTENT_SECURITY_POLICY, create_app
from web.budget import install_time_budget
from web.errors import API_PREFIX
from web.extension import current_service

log = logging.getLogger(__name__)

# A request head must arrive within this.  Browsers and curl send theirs in one packet; 10 s is
# generous for a slow mobile link and short enough that a slowloris client is dropped quickly.
HEAD_SECONDS = 10.0
# The largest request head served: a 4,000-character query (search.request.MAX_QUERY_LENGTH)
# of 4-byte characters is 48,000 bytes percent-encoded; the rest of a head is well under 16 KB.
MAX_HEAD_BYTES = 64 * 1024
# Threads per worker process by default: enough that requests waiting for the GIL behind slow
# searches do not also wait for a thread (docs/operations.md).
DEFAULT_THREADS = 16
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3}) ([^\r\n]*)")
_TOO_LARGE = (
    f"the request head is larger than {MAX_HEAD_BYTES} bytes; shorten the URL "
    "(a query may have at most 4000 characters)"
)
_REASONS = {408: "Request Timeout", 414: "URI Too Long", 431: "Request Header Fields Too Large"}


def server_error_response(status: int, reason: str, message: str, *, api: bool) -> bytes:
    """A complete HTTP response for an error the server layer answers itself: JSON with the
    app's error shape under /api, plain text elsewhere, with the app's security headers."""
    if api:
        body = json.dumps({"error": {"status": status, "message": message}}).encode("utf-8")
        kind = "application/json"
    else:
        body = f"{status} {reason}: {message}\n".encode()
        kind = "text/plain; charset=utf-8"
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        f"Content-Type: {kind}\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Content-Security-Policy: {CONTENT_SECURITY_POLICY}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Referrer-Policy: same-origin\r\n\r\n"
    )
    return head.encode("latin-1") + body


def _is_api(head: bytes) -> bool:
    parts = head.split(b" ", 2)
    if len(parts) < 2:
        return False
    target = parts[1]
    prefix = API_PREFIX.encode("ascii")
    return target == prefix or target.startswith((prefix + b"/", prefix + b"?"))


class _Captured:
    """A stand-in socket that keeps what gunicorn writes (its HTML error response)."""

    def __init__(self) -> None:
        self.data = bytearray()

    def gettimeout(self) -> float:
        return 0.0

    def setblocking(self, flag: bool) -> None:
        pass

    def sendall(self, data: bytes) -> None:
        self.data += data

    def send(self, data: bytes) -> int:
        self.data += data
        return len(data)


class HeadFirstWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker that reads request heads in its event loop (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reading_heads: deque[TConn] = deque()

    # -- connections whose head is still arriving -------------------------------------------

    def accept(self, listener: Any) -> None:
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self._await_head(TConn(self.cfg, client, address, listener.getsockname()))

    def on_client_socket_readable(self, conn: TConn, client: Any) -> None:
        """A kept-alive connection's next request is arriving."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._await_head(conn)

    def _await_head(self, conn: TConn) -> None:
        conn.sock.setblocking(False)
        conn.head = bytearray()
        conn.head_deadline = time.monotonic() + HEAD_SECONDS
        self.reading_heads.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._read_head, conn))

    def _read_head(self, conn: TConn, _sock: Any) -> None:
        try:
            data = conn.sock.recv(MAX_HEAD_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._stop_reading(conn)
            self._close(conn)
            return
        conn.head += data
        end = _HEAD_END.search(conn.head)
        if end is None or end.start() > MAX_HEAD_BYTES:
            if len(conn.head) > MAX_HEAD_BYTES:
                status = 431 if b"\n" in conn.head[:MAX_HEAD_BYTES] else 414
                self._refuse(conn, status, _TOO_LARGE)
            return
        self._stop_reading(conn)
        if conn.parser is None:
            conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
        conn.parser.unreader.unread(bytes(conn.head))
        conn.data_ready = True
        self.enqueue_req(conn)

    def _stop_reading(self, conn: TConn) -> None:
        self.poller.unregister(conn.sock)
        self.reading_heads.remove(conn)

    def _close(self, conn: TConn) -> None:
        self.nr_conns -= 1
        conn.close()

    def _refuse(self, conn: TConn, status: int, message: str) -> None:
        self._stop_reading(conn)
        response = server_error_response(
            status, _REASONS[status], message, api=_is_api(bytes(conn.head[:256]))
        )
        with contextlib.suppress(OSError):
            conn.sock.send(response)
        self.log.warning("%d from %s: %s", status, conn.client, message)
        self._close(conn)

    def murder_pending(self) -> None:
        """Also drop connections whose head did not arrive in time (called every loop)."""
        super().murder_pending()
        now = time.monotonic()
        for conn in [c for c in self.reading_heads if c.head_deadline <= now]:
            if conn.head:
                self._refuse(
                    conn, 408, f"the request head did not arrive within {HEAD_SECONDS:g} s"
                )
            else:
                self._stop_reading(conn)
                self._close(conn)

    # -- errors the server layer answers -----------------------------------------------------

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """gunicorn's own classification and logging, answered in the app's shape."""
        captured = _Captured()
        super().handle_error(req, captured, addr, exc)
        status_line = _STATUS_LINE.match(bytes(captured.data))
        status, reason = (
            (int(status_line[1]), status_line[2].decode("latin-1"))
            if status_line
            else (500, "Internal Server Error")
        )
        body = bytes(captured.data).split(b"</h1>", 1)[-1]
        message = html.unescape(re.sub(rb"<[^>]+>", b"", body).decode("latin-1")).strip()
        api = req is None or str(getattr(req, "path", "")).startswith(API_PREFIX)
        response = server_error_response(status, reason, message or reason, api=api)
        try:
            client.sendall(response)
        except OSError:
            self.log.debug("failed to send the error response")


class _ArtsearchServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, index_dir: Path, options: dict[str, Any]) -> None:
        self.index_dir = index_dir
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        # Built in each worker after the fork, so no worker inherits open files from the parent.
        app = create_app({"INDEX_DIR": str(self.index_dir)})
        install_time_budget(app)
        return app


def warm_worker(worker: Any) -> None:
    """gunicorn's ``post_worker_init`` hook: warm the worker's search caches.

    It runs in each worker after the app is loaded and before the worker accepts a request, so no
    client waits for the caches each process loads on its first search (~2.8 s at 100,000
    articles).  A failure is logged and the worker serves anyway: the caches then load on the
    first request, as they would without warming.
    """
    app = worker.wsgi
    if not isinstance(app, Flask):
        return  # the app failed to load; gunicorn serves its error app, nothing to warm
    started = time.perf_counter()
    try:
        with app.app_context():
            current_service().warm()
    except Exception:  # a cold cache is slow, not fatal: keep the worker
        log.exception("warming the search caches failed; the first request will load them")
        return
    elapsed = time.perf_counter() - started
    log.info("worker %s warmed its search caches in %.2f s", worker.pid, elapsed)


def server_options(*, host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """The gunicorn settings `artsearch serve` runs with."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": f"{__name__}.HeadFirstWorker",
        # The head's size is limited by HeadFirstWorker (MAX_HEAD_BYTES), which answers in JSON;
        # gunicorn's own line limit cannot be set above 8,190 bytes, too short for the longest
        # query percent-encoded.
        "limit_request_line": 0,
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "post_worker_init": warm_worker,
    }


def run_server(index_dir: Path, *, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until interrupted."""
    options = server_options(host=host, port=port, workers=workers, threads=threads)
    _ArtsearchServer(index_dir, options).run()
