"""The API holds requests to its OpenAPI document: unknown, repeated and invalid parameters are
400s that name them; everything the document allows is served."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from web.parameters import check_query, spec_path


def error_of(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 400, (url, response.get_data(as_text=True))
    message: str = response.get_json()["error"]["message"]
    return message


def test_flask_rules_map_to_the_documents_paths() -> None:
    assert spec_path("/api/articles/<article_id>/related") == "/api/articles/{article_id}/related"
    assert spec_path("/api/articles/<string:article_id>") == "/api/articles/{article_id}"


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("/api/search?q=ferry&limit=5", "limit"),
        ("/api/search?qeury=ferry", "qeury"),
        ("/api/stats?verbose=1", "verbose"),
        ("/api/articles/x/related?per_page=2", "per_page"),
    ],
)
def test_an_unknown_parameter_is_a_400_naming_it_and_the_accepted_ones(
    client: FlaskClient, url: str, named: str
) -> None:
    message = error_of(client, url)
    assert f"unknown parameter {named}" in message and "accepts:" in message


def test_a_parameter_given_twice_is_a_400_unless_the_document_makes_it_repeatable(
    client: FlaskClient,
) -> None:
    assert "page is given 2 times" in error_of(client, "/api/search?q=a&page=1&page=2")


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("per_page=", "per_page must be a whole number from 1 to 100"),
        ("page=", "page must be a whole number from 1 to 1000"),
        ("page=1.5", "page must be a whole number"),
        ("sort=", "sort must be one of relevance, newest, oldest"),
        ("from=", "from must be a date written YYYY-MM-DD"),
        ("from=0000", "from must be a date"),
        ("to=2024-02-30", "to must be a date"),
        ("to=2024-13", "to must be a date"),
        ("from=%D9%A1%D9%A9%D9%A9%D9%A9", "from must be a date"),  # Arabic-Indic digits
        ("format=xml", "format must be one of json, jsonl, csv"),
    ],
)
def test_values_the_document_does_not_allow_are_400s(
    client: FlaskClient, query: str, named: str
) -> None:
    assert named in error_of(client, f"/api/search?q=a&{query}")


@pytest.mark.parametrize(
    "query",
    [
        "from=0001",
        "from=2024-02-29",
        "to=2024-02",
        "from=2000&to=1999",  # an empty range: nothing matches, nothing is wrong
        "q=&source=",
    ],
)
def test_values_the_document_allows_are_served(client: FlaskClient, query: str) -> None:
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)


def test_the_html_search_page_keeps_accepting_what_forms_and_links_send(
    client: FlaskClient,
) -> None:
    # A form sends its empty fields; a shared link may carry tracking parameters.
    response = client.get("/search?q=ferry&from=&to=&per_page=&utm_source=mail")
    # Served at the short form of the URL (empty and unknown parameters dropped).
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert client.get(response.headers["Location"]).status_code == 200


def test_the_check_reads_repeatable_parameters_from_the_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from werkzeug.datastructures import MultiDict

    from web import parameters

    document = {
        "paths": {
            "/x": {
                "get": {
                    "parameters": [
                        {
                            "name": "tag",
                            "in": "query",
                            "schema": {"type": "array", "items": {"type": "string"}},
                        },
                        {"name": "n", "in": "query", "schema": {"type": "integer"}},
                    ]
                }
            }
        }
    }
    parameters._query_parameters.cache_clear()
    parameters._validator.cache_clear()
    monkeypatch.setattr(parameters, "openapi_document", lambda: document)
    try:
        check_query("/x", "GET", MultiDict([("tag", "a"), ("tag", "b"), ("n", "3")]))
        with pytest.raises(Exception, match="only tag may be repeated"):
            check_query("/x", "GET", MultiDict([("n", "1"), ("n", "2")]))
    finally:
        parameters._query_parameters.cache_clear()
        parameters._validator.cache_clear()
