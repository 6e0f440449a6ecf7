"""Prometheus metrics at ``/metrics``, and liveness at ``/healthz``.

Metrics (Prometheus text format):

- ``artsearch_http_requests_total{route, method, status}``: requests answered;
- ``artsearch_http_request_duration_seconds{route}``: a histogram of the time to the response's
  first byte (a streamed export keeps streaming after it);
- ``artsearch_index_loaded``, ``artsearch_index_articles``, ``artsearch_index_size_bytes``,
  ``artsearch_index_built_timestamp_seconds`` and ``artsearch_index_age_seconds``: read from
  the live index when scraped.

``route`` is the URL rule that matched (``/api/articles/<article_id>``), or ``unmatched``, so
the number of series stays fixed whatever URLs clients send.

Under gunicorn each worker is a process of its own: counts from one worker would be a fraction of
the truth, and which fraction depends on which worker answers the scrape.  prometheus-client's
multiprocess mode fixes that: every process writes its samples to files in the folder named by
``PROMETHEUS_MULTIPROC_DIR``, and a scrape sums them all.  ``artsearch serve`` sets the variable
(a fresh folder per server, or ``[server] metrics_dir``) before the workers start;
prometheus-client reads it when it is first imported, so this module imports it only inside
functions.  Without the variable (the Flask test client, a single process) the process's own
registry is served.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, g, jsonify, request
from flask.typing import ResponseReturnValue

from indexer import IndexNotFoundError
from web.extension import current_service

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Request latency buckets (seconds): searches take 5 ms to 1 s here, the time budget is 5 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "unmatched"

operations = Blueprint("operations", __name__)


@functools.cache
def _request_metrics() -> tuple[Any, Any]:
    """The request counter and histogram, created once per process (several apps in one process,
    as in the tests, share them)."""
    from prometheus_client import Counter, Histogram

    requests = Counter(
        "artsearch_http_requests",
        "HTTP requests answered, by route, method and status.",
        ["route", "method", "status"],
    )
    latency = Histogram(
        "artsearch_http_request_duration_seconds",
        "Seconds from a request's arrival in the app to its response, by route.",
        ["route"],
        buckets=LATENCY_BUCKETS,
    )
    return requests, latency


def install_metrics(app: Flask) -> None:
    """Count and time every request of ``app``, and serve ``/metrics`` and ``/healthz``."""
    requests, latency = _request_metrics()

    def start() -> None:
        g.artsearch_started = time.perf_counter()

    def record(response: Response) -> Response:
        started = g.pop("artsearch_started", None)
        route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
        requests.labels(route, request.method, str(response.status_code)).inc()
        if started is not None:
            latency.labels(route).observe(time.perf_counter() - started)
        return response

    app.before_request(start)
    app.after_request(record)
    app.register_blueprint(operations)


@operations.get("/metrics")
def metrics() -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_VARIABLE):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessRegistry())
    registry.register(_IndexCollector())
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class _ProcessRegistry:
    """This process's own metrics (no multiprocess folder), inside a scrape's registry."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client import REGISTRY

        return iter(REGISTRY.collect())


class _IndexCollector:
    """The live index's size, article count and age, read when scraped."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        state = index_state()
        yield GaugeMetricFamily(
            "artsearch_index_loaded", "1 when an index is there to search.", int(state["loaded"])
        )
        if not state["loaded"]:
            return
        yield GaugeMetricFamily(
            "artsearch_index_articles", "Articles in the live index.", state["articles"]
        )
        yield GaugeMetricFamily(
            "artsearch_index_size_bytes", "Bytes of the live index on disk.", state["size_bytes"]
        )
        built = state["built_timestamp"]
        if built is not None:
            yield GaugeMetricFamily(
                "artsearch_index_built_timestamp_seconds",
                "When the live index was last built or updated (Unix time).",
                built,
            )
            yield GaugeMetricFamily(
                "artsearch_index_age_seconds",
                "Seconds since the live index was last built or updated.",
                max(0.0, time.time() - built),
            )


def index_state() -> dict[str, Any]:
    """Whether an index is loaded, and its size, article count and build time."""
    try:
        stats = current_service().stats()
    except IndexNotFoundError as error:
        return {"loaded": False, "message": str(error)}
    built = None
    if stats.built_at:
        try:
            moment = datetime.fromisoformat(stats.built_at)
            built = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
        except ValueError:
            built = None
    return {
        "loaded": True,
        "articles": stats.articles,
        "size_bytes": stats.size_bytes,
        "built_at": stats.built_at,
        "built_timestamp": built,
    }


@operations.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Liveness: 200 whenever the process answers, with whether an index is loaded (a server
    without an index yet is alive and says how to build one)."""
    state = index_state()
    shown = ("loaded", "articles", "built_at", "message")
    index = {key: state[key] for key in shown if key in state}
    return jsonify({"status": "ok", "index": index})
