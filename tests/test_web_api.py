"""The JSON API: every route, every error status, and agreement with the HTML results page."""

from __future__ import annotations

import shutil
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import Article
from indexer.build import build_index
from search import MAX_QUERY_LENGTH, MAX_RELATED
from web.app import create_app
from web.extension import close_service

SEARCH_RESULT_KEYS = {
    "counts",
    "total_stories",
    "total_documents",
    "group",
    "query",
    "searched",
    "corrected",
    "filters",
    "timeline",
    "total",
    "page",
    "per_page",
    "sort",
    "results",
    "facets",
    "suggestion",
}
HIT_KEYS = {
    "id", "path", "title", "title_html", "url", "source", "authors", "published", "published_time",
    "language", "snippet", "score", "versions", "story",
}  # fmt: skip


def get_json(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def assert_error(
    client: FlaskClient, url: str, status: int, *words: str, method: str = "GET"
) -> str:
    """Assert ``url`` answers the one JSON error shape with ``status``; return the message."""
    response = client.open(url, method=method)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "message"}
    assert body["error"]["status"] == status
    message: str = body["error"]["message"]
    for word in words:
        assert word in message
    return message


def every_article(client: FlaskClient) -> list[dict[str, Any]]:
    return get_json(client, "/api/search?q=&per_page=100")["results"]


def an_article_id(client: FlaskClient) -> str:
    return every_article(client)[0]["id"]


def test_api_search_answers_the_documented_shape(client: FlaskClient) -> None:
    data = get_json(client, "/api/search?q=&per_page=5")
    assert set(data) == SEARCH_RESULT_KEYS
    assert data["total"] >= len(data["results"]) > 0
    assert (data["page"], data["per_page"], data["sort"]) == (1, 5, "relevance")
    for hit in data["results"]:
        assert set(hit) == HIT_KEYS
    assert set(data["facets"]) == {"source", "author", "tag", "lang", "year"}
    assert (data["query"], data["searched"], data["corrected"]) == ("", "", False)


def test_api_search_filters_repeat_for_alternatives_and_combine_across_groups(
    client: FlaskClient,
) -> None:
    every = get_json(client, "/api/search?per_page=100")
    sources = [v["value"] for v in every["facets"]["source"]][:2]
    either = get_json(client, f"/api/search?per_page=100&source={sources[0]}&source={sources[1]}")
    assert {hit["source"] for hit in either["results"]} == set(sources)
    assert either["filters"]["source"] == sources
    counts = {v["value"]: v["count"] for v in every["facets"]["source"]}
    assert either["total"] == counts[sources[0]] + counts[sources[1]]
    # The source group is counted without its own filter: both stay listed, chosen.
    listed = {v["value"]: v for v in either["facets"]["source"]}
    assert all(listed[name]["selected"] for name in sources)
    assert len(listed) == len(counts)
    year = next(v["value"] for v in either["facets"]["year"])
    both = get_json(
        client, f"/api/search?per_page=100&source={sources[0]}&source={sources[1]}&year={year}"
    )
    assert both["total"] == next(v["count"] for v in either["facets"]["year"] if v["value"] == year)
    assert all(h["source"] in sources and h["published"][:4] == year for h in both["results"])


def test_api_search_by_language_filters_and_counts_languages(client: FlaskClient) -> None:
    data = get_json(client, "/api/search?lang=EN&per_page=100")
    assert data["filters"]["lang"] == ["en"]
    assert data["total"] > 0 and all(hit["language"] == "en" for hit in data["results"])
    assert [v["value"] for v in data["facets"]["lang"] if v["selected"]] == ["en"]
    assert get_json(client, "/api/search?lang=xx")["total"] == 0


def test_api_search_says_which_query_it_searched_when_it_corrected_one(
    client: FlaskClient,
) -> None:
    data = get_json(client, "/api/search?q=stampeed")
    assert (data["query"], data["searched"], data["corrected"]) == ("stampeed", "stampede", True)
    assert data["total"] > 0 and data["suggestion"] is None
    verbatim = get_json(client, "/api/search?q=stampeed&verbatim=1")
    assert (verbatim["searched"], verbatim["corrected"], verbatim["total"]) == (
        "stampeed",
        False,
        0,
    )
    assert verbatim["suggestion"] == "stampede"


def test_api_search_with_an_empty_query_lists_every_article(client: FlaskClient) -> None:
    total = get_json(client, "/api/search?q=")["total"]
    assert total == get_json(client, "/api/stats")["articles"]


def test_api_search_finds_an_article_by_a_title_word(client: FlaskClient) -> None:
    article = every_article(client)[0]
    word = max(article["title"].split(), key=len).strip(".,:;!?\"'()")
    data = get_json(client, f"/api/search?q={word}&per_page=100")
    assert article["id"] in [hit["id"] for hit in data["results"]]


def test_api_search_pages_do_not_overlap(client: FlaskClient) -> None:
    first = get_json(client, "/api/search?q=&per_page=2&page=1&sort=newest")
    second = get_json(client, "/api/search?q=&per_page=2&page=2&sort=newest")
    first_ids = [hit["id"] for hit in first["results"]]
    second_ids = [hit["id"] for hit in second["results"]]
    assert len(first_ids) == len(second_ids) == 2
    assert not set(first_ids) & set(second_ids)


def test_api_search_source_filter_keeps_only_that_source(client: FlaskClient) -> None:
    facets = get_json(client, "/api/search?q=")["facets"]["source"]
    source = facets[0]["value"]
    data = get_json(client, f"/api/search?q=&per_page=100&source={source}")
    assert data["total"] == facets[0]["count"]
    assert {hit["source"] for hit in data["results"]} == {source}


def test_api_search_sorts_newest_first(client: FlaskClient) -> None:
    results = get_json(client, "/api/search?q=&per_page=100&sort=newest")["results"]
    days = [hit["published"][:10] for hit in results if hit["published"]]
    assert len(days) > 1
    assert days == sorted(days, reverse=True)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=0", "page"),
        ("page=two", "page"),
        ("per_page=1000", "per_page"),
        ("sort=sideways", "sort"),
        ("from=yesterday", "from"),
        ("to=2015-13-45", "to"),
        (f"q={'a' * (MAX_QUERY_LENGTH + 1)}", "q"),
    ],
)
def test_api_search_rejects_a_bad_parameter_with_400_naming_it(
    client: FlaskClient, query: str, parameter: str
) -> None:
    assert_error(client, f"/api/search?{query}", 400, parameter)


def test_api_search_past_the_last_page_is_200_with_no_results_and_the_total(
    client: FlaskClient,
) -> None:
    data = get_json(client, "/api/search?q=&page=999")
    assert data["results"] == [] and data["total"] > 0 and data["page"] == 999


def test_api_search_rejects_a_bare_wildcard_query_with_400(client: FlaskClient) -> None:
    assert_error(client, "/api/search?q=*", 400)


def test_api_article_returns_every_field_and_the_body(client: FlaskClient) -> None:
    article_id = an_article_id(client)
    data = get_json(client, f"/api/articles/{article_id}")
    assert set(data) == {f.name for f in fields(Article)} | {"published_time"}
    assert data["id"] == article_id
    assert data["body"].strip()


def test_api_article_with_an_unknown_id_is_a_json_404(client: FlaskClient) -> None:
    assert_error(client, "/api/articles/0000000000000000", 404, "0000000000000000")


def hajj_article_id(client: FlaskClient) -> str:
    """The Hajj stampede story: the crane collapse in Mecca is related to it."""
    return str(get_json(client, "/api/search?q=hajj+stampede")["results"][0]["id"])


def test_api_related_lists_other_articles_with_the_shared_terms(client: FlaskClient) -> None:
    article_id = hajj_article_id(client)
    data = get_json(client, f"/api/articles/{article_id}/related?limit=3")
    assert data["id"] == article_id
    assert 0 < len(data["results"]) <= 3
    assert "crane collapse" in data["results"][0]["title"]
    for hit in data["results"]:
        assert hit["id"] != article_id
        assert set(hit) == HIT_KEYS | {"reason"}
        assert isinstance(hit["reason"]["shared_terms"], list)
        assert hit["reason"]["standout"] >= 3.0


def test_api_related_defaults_to_five_results_at_most(client: FlaskClient) -> None:
    data = get_json(client, f"/api/articles/{hajj_article_id(client)}/related")
    assert 0 < len(data["results"]) <= 5


@pytest.mark.parametrize("limit", ["0", str(MAX_RELATED + 1), "many", "-3"])
def test_api_related_rejects_a_limit_out_of_range_with_400(client: FlaskClient, limit: str) -> None:
    article_id = an_article_id(client)
    assert_error(client, f"/api/articles/{article_id}/related?limit={limit}", 400, "limit")


def test_api_related_of_an_unknown_id_is_a_json_404(client: FlaskClient) -> None:
    assert_error(client, "/api/articles/nosuchid/related", 404)


def test_api_stats_counts_the_articles_and_sources(client: FlaskClient) -> None:
    data = get_json(client, "/api/stats")
    assert data["articles"] == len(every_article(client))
    # Sources count stories, once under each outlet that printed one.
    assert data["stories"] <= data["articles"]
    assert all(value["count"] <= data["stories"] for value in data["sources"])
    assert data["size_bytes"] > 0


def test_api_unknown_route_is_a_json_404_pointing_at_the_openapi_document(
    client: FlaskClient,
) -> None:
    assert_error(client, "/api/no/such/route", 404, "/api/openapi.json")


def test_api_wrong_method_is_a_json_405_with_allow_header(client: FlaskClient) -> None:
    assert_error(client, "/api/search", 405, "POST", method="POST")
    response = client.delete("/api/stats")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/search?q=frog",
        "/api/articles/0123456789abcdef",
        "/api/articles/0123456789abcdef/related",
        "/api/stats",
    ],
)
def test_api_without_an_index_is_a_json_503_saying_how_to_build_one(
    no_index_client: FlaskClient, url: str
) -> None:
    assert_error(no_index_client, url, 503, "no index at", "artsearch index")


def test_api_openapi_document_is_served_without_an_index(no_index_client: FlaskClient) -> None:
    assert get_json(no_index_client, "/api/openapi.json")["openapi"].startswith("3.1")


def result_ids_on_page(client: FlaskClient, query: str) -> list[str]:
    response = client.get(f"/search?{query}", follow_redirects=True)
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
    return [str(item["data-id"]) for item in soup.select("li.result")]


@pytest.mark.parametrize(
    "query",
    [
        "q=",
        "q=&sort=newest&per_page=3&page=2",
        "q=&sort=oldest&from=2000-01-01",
    ],
)
def test_api_search_returns_the_same_results_as_the_page(client: FlaskClient, query: str) -> None:
    api_ids = [hit["id"] for hit in get_json(client, f"/api/search?{query}")["results"]]
    assert api_ids
    assert api_ids == result_ids_on_page(client, query)


def test_api_search_with_a_filtered_word_query_matches_the_page(client: FlaskClient) -> None:
    article = every_article(client)[0]
    word = max(article["title"].split(), key=len).strip(".,:;!?\"'()")
    query = f"q={word}&source={article['source'] or ''}"
    api_ids = [hit["id"] for hit in get_json(client, f"/api/search?{query}")["results"]]
    assert article["id"] in api_ids
    assert api_ids == result_ids_on_page(client, query)


def test_api_responses_carry_the_security_headers(client: FlaskClient) -> None:
    response = client.get("/api/stats")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# Query-string text a user or a bot might send: any printable text, plus query syntax characters.
_QUERY_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("\"()*:+-~^[]{}!?\\/&=%#<>'")),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=60,
)


@settings(max_examples=80, deadline=None)
@given(
    q=_QUERY_TEXT,
    extra=st.dictionaries(
        st.sampled_from(
            ["page", "per_page", "sort", "source", "author", "tag", "lang", "year", "from", "to"]
        ),
        _QUERY_TEXT,
        max_size=3,
    ),
)
def test_api_search_never_fails_with_a_server_error(
    index_dir: Path, q: str, extra: dict[str, str]
) -> None:
    client = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)}).test_client()
    for prefix in ("/api", ""):
        response = client.get(
            f"{prefix}/search", query_string={"q": q, **extra}, follow_redirects=True
        )
        assert response.status_code in (200, 400), (q, extra, response.get_data(as_text=True))


def test_api_stats_shows_no_server_paths(client: FlaskClient, index_dir: Path) -> None:
    response = client.get("/api/stats")
    assert "path" not in response.get_json() and "corpus" not in response.get_json()
    assert str(index_dir).encode() not in response.data and b'"/' not in response.data


def test_api_search_takes_a_pasted_paragraph_of_4000_characters(client: FlaskClient) -> None:
    paragraph = ("pilgrims were killed in the stampede during the hajj " * 80)[:4000]
    assert client.get("/api/search", query_string={"q": paragraph}).status_code == 200
    longer = client.get("/api/search", query_string={"q": paragraph + "x"})
    assert longer.status_code == 400
    assert "at most 4000 characters" in longer.get_json()["error"]["message"]


def test_closing_an_apps_service_lets_go_of_the_index_files(tmp_path: Path) -> None:
    # An index of its own: other tests' apps hold the session's index open.
    corpus = tmp_path / "corpus"
    shutil.copytree(Path(__file__).parent / "data" / "corpus" / "wikinews", corpus)
    index_dir = tmp_path / "index"
    assert build_index(corpus, index_dir, workers=1).articles > 0

    def open_index_files() -> list[str]:
        fds = Path("/proc/self/fd")
        targets = [str(fd.readlink()) for fd in fds.iterdir() if fd.is_symlink()]
        mapped = Path("/proc/self/maps").read_text().splitlines()
        return [t for t in targets + mapped if str(index_dir) in t]

    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    assert app.test_client().get("/api/search?q=the").status_code == 200
    assert open_index_files()
    close_service(app)
    assert not open_index_files()
    assert app.test_client().get("/api/search?q=the").status_code == 200  # opened again
    close_service(app)
