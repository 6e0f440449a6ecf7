"""The time budget per request: a request past it is stopped and answered with a JSON 503."""

from __future__ import annotations

import time

from flask import Flask

from web.app import create_app
from web.budget import install_time_budget


def slow_app(seconds: float) -> Flask:
    app = create_app({"TESTING": True, "INDEX_DIR": "/nonexistent"})

    @app.get("/api/spin")
    def spin() -> str:
        end = time.monotonic() + 30
        while time.monotonic() < end:  # pure Python work, as a search is
            pass
        return "done"

    @app.get("/api/quick")
    def quick() -> str:
        return "quick"

    install_time_budget(app, seconds=seconds)
    return app


def test_a_request_over_its_budget_is_stopped_with_a_json_503_and_retry_after() -> None:
    client = slow_app(0.3).test_client()
    started = time.monotonic()
    response = client.get("/api/spin")
    assert time.monotonic() - started < 5  # base: no budget, the thread spins for 30 s
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert "0.3 s budget" in response.get_json()["error"]["message"]


def test_requests_within_the_budget_are_untouched_and_the_thread_is_reused() -> None:
    client = slow_app(0.3).test_client()
    for _ in range(3):
        assert client.get("/api/quick").data == b"quick"
    time.sleep(0.5)  # past the budget of the requests above: nothing may fire late
    assert client.get("/api/quick").data == b"quick"
    assert client.get("/api/spin").status_code == 503
    assert client.get("/api/quick").data == b"quick"
