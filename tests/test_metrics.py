"""Operations through the real server: /healthz, Prometheus /metrics summed across two gunicorn
workers, CORS off by default and on by configuration."""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flask.testing import FlaskClient
from live_server import get, running_server
from prometheus_client.parser import text_string_to_metric_families

ORIGIN = "https://newsroom.example"


def scrape(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, headers, body = get(base + "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(body.decode("utf-8")):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def requests_to(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], route: str) -> float:
    return sum(
        value
        for (name, labels), value in samples.items()
        if name == "artsearch_http_requests_total" and ("route", route) in labels
    )


def test_metrics_count_every_request_across_two_workers(index_dir: Path, tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    config = tmp_path / "artsearch.toml"
    config.write_text(f'[server]\nmetrics_dir = "{metrics_dir}"\n', encoding="utf-8")
    sent = 0
    with running_server(index_dir, workers=2, args=("--config", str(config))) as base:
        # Concurrent requests, until both workers have answered some (each writes its own file).
        with ThreadPoolExecutor(8) as pool:
            for _ in range(20):
                statuses = list(pool.map(lambda _: get(base + "/api/stats")[0], range(40)))
                assert set(statuses) == {200}
                sent += len(statuses)
                writers = {re.sub(r"\D", "", p.name) for p in metrics_dir.glob("counter_*.db")}
                if len(writers) >= 2:
                    break
        assert len(writers) >= 2, "one worker answered every request"
        # Each scrape is answered by either worker; every one sees all requests.
        for _ in range(6):
            samples = scrape(base)
            assert requests_to(samples, "/api/stats") == sent
        latency = samples[
            ("artsearch_http_request_duration_seconds_count", (("route", "/api/stats"),))
        ]
        assert latency == sent
        assert samples[("artsearch_index_loaded", ())] == 1
        assert samples[("artsearch_index_articles", ())] == 11
        assert samples[("artsearch_index_size_bytes", ())] > 0
        assert 0 <= samples[("artsearch_index_age_seconds", ())] < 24 * 3600
        # Unknown URLs share one label, whatever clients send.
        get(base + f"/api/nowhere-{time.time()}")
        assert requests_to(scrape(base), "unmatched") == 1


def test_healthz_says_alive_and_whether_an_index_is_loaded(
    index_dir: Path, no_index_client: FlaskClient
) -> None:
    with running_server(index_dir) as base:
        status, headers, body = get(base + "/healthz")
    assert status == 200 and headers["Content-Type"] == "application/json"
    state = json.loads(body)
    assert state["status"] == "ok" and state["index"]["loaded"] is True
    assert state["index"]["articles"] == 11
    response = no_index_client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["index"]["loaded"] is False
    assert "artsearch index" in response.get_json()["index"]["message"]


def test_cors_is_off_by_default_and_on_for_the_configured_origins(index_dir: Path) -> None:
    asked = {"Origin": ORIGIN}
    with running_server(index_dir) as base:
        _, headers, _ = get(base + "/api/search?q=stampede", asked)
        assert "Access-Control-Allow-Origin" not in headers
    with running_server(index_dir, env={"ARTSEARCH_CORS_ORIGINS": ORIGIN}) as base:
        _, headers, _ = get(base + "/api/search?q=stampede", asked)
        assert headers["Access-Control-Allow-Origin"] == ORIGIN
        _, headers, _ = get(base + "/api/search?q=stampede", {"Origin": "https://other.example"})
        assert "Access-Control-Allow-Origin" not in headers
        _, headers, _ = get(base + "/search?q=stampede", asked)  # the HTML pages never
        assert "Access-Control-Allow-Origin" not in headers
