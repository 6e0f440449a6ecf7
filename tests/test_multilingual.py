"""Every language searchable as well as English (issue 13): the examples that found nothing before
articles were analysed by their language, through the JSON API and the search service."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from indexer.build import build_index
from search import SearchRequest, SearchService
from web.app import create_app

PAGES = Path(__file__).parent / "data" / "multilingual"


@pytest.fixture(scope="module")
def multilingual_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("multilingual") / "index"
    report = build_index(PAGES, index, workers=1)
    assert report.articles == len(list(PAGES.glob("*.html"))), report.to_dict()
    return index


@pytest.fixture(scope="module")
def api(multilingual_index: Path) -> FlaskClient:
    return create_app({"TESTING": True, "INDEX_DIR": str(multilingual_index)}).test_client()


def found_paths(api: FlaskClient, q: str) -> list[str]:
    response = api.get("/api/search", query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    return [hit["path"] for hit in response.get_json()["results"]]


@pytest.mark.parametrize(
    ("q", "page"),
    [
        # CJK: any word of two or more characters, and any single character.
        ("铁路", "zh-tielu.html"),
        ("北京", "zh-tielu.html"),
        ("上海", "zh-tielu.html"),
        ("旅客", "zh-tielu.html"),
        ("東京", "ja-jishin.html"),
        ("気象庁", "ja-jishin.html"),
        ("震度", "ja-jishin.html"),
        ("地震", "ja-jishin.html"),
        ("庁", "ja-jishin.html"),
        # Another inflected form than the text's.
        ("Gewerkschaften", "de-bahnstreik.html"),
        ("Forderung", "de-bahnstreik.html"),
        ("Bahnhöfe", "de-bahnstreik.html"),
        ("restricción", "es-sequia.html"),
        ("bloquer", "fr-agriculteurs.html"),
        # Without the text's accents.
        ("cafe", "fr-agriculteurs.html"),
        ("sequia", "es-sequia.html"),
        ("agricola", "es-sequia.html"),
        ("bahnhofe", "de-bahnstreik.html"),
        # Right-to-left text.
        ("مطار", "ar-matar.html"),
    ],
)
def test_each_example_finds_its_article(api: FlaskClient, q: str, page: str) -> None:
    assert found_paths(api, q)[:1] == [page]


def test_a_cjk_phrase_matches_only_consecutive_characters(api: FlaskClient) -> None:
    assert found_paths(api, '"铁路部门"') == ["zh-tielu.html"]
    assert found_paths(api, '"部门铁路"') == []


def test_a_marked_snippet_in_a_cjk_article(api: FlaskClient) -> None:
    response = api.get("/api/search", query_string={"q": "旅客"})
    (hit,) = response.get_json()["results"]
    assert "<mark>旅客</mark>" in hit["snippet"]


def test_accented_text_is_marked_for_an_unaccented_query(api: FlaskClient) -> None:
    hit = api.get("/api/search", query_string={"q": "sequia"}).get_json()["results"][0]
    assert "<mark>sequía</mark>" in hit["snippet"]


def test_one_result_list_holds_every_language_the_query_matches(api: FlaskClient) -> None:
    paths = found_paths(api, "Frankfurt")
    assert set(paths) == {"de-bahnstreik.html", "en-rail.html"}


def test_languages_do_not_share_terms(multilingual_index: Path) -> None:
    service = SearchService(multilingual_index)
    # "die" is a German stop word and an English word: an English query does not hit German
    # articles through it, nor a German stop word match anything.
    results = service.search(SearchRequest(q="drivers union"))
    assert [hit.article.path for hit in results.hits] == ["en-rail.html"]
    service.close()


def test_related_articles_stay_in_the_articles_language(multilingual_index: Path) -> None:
    service = SearchService(multilingual_index)
    german = service.search(SearchRequest(q="Gewerkschaft")).hits[0].article
    # No other German article: the German one is read as English to find related ones.
    related = service.related(german.id, limit=3)
    assert all(hit.hit.article.id != german.id for hit in related)
    english = service.search(SearchRequest(q="drivers union")).hits[0].article
    assert all(hit.hit.article.language == "en" for hit in service.related(english.id, 3))
    service.close()


@pytest.mark.parametrize(
    ("q", "title"),
    [
        ("北京", "春运期间铁路旅客发送量创新高"),
        ("気象庁", "東京で震度４の地震"),
        ("Gewerkschaften", "Gewerkschaft kündigt neuen Bahnstreik an"),
        ("bloquer", "Les agriculteurs bloquent les routes autour de Lyon"),
        ("sequia", "Cataluña amplía las restricciones de agua por la sequía"),
    ],
)
def test_the_search_page_lists_each_example(api: FlaskClient, q: str, title: str) -> None:
    page = api.get("/search", query_string={"q": q})
    assert page.status_code == 200
    text = page.get_data(as_text=True).replace("<mark>", "").replace("</mark>", "")
    assert title in text
