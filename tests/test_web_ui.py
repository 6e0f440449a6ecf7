"""The HTML pages: the form, results, article pages, errors, escaping and accessibility basics."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask, render_template
from flask.testing import FlaskClient

from indexer import Article
from search import FacetValue, Hit, RelatedHit, SearchRequest, SearchResults
from web.app import config_from_environment, create_app
from web.search_links import page_window, search_args
from web.templating import repeats_opening_of, web_url

# Article text that tries to become markup; on a page it must appear only as escaped text.
HOSTILE_TEXT = re.compile(r"<script|onerror\s*=|onload\s*=", re.IGNORECASE)
# Elements our templates never emit, so any of them on a page came from untrusted text.
FOREIGN_ELEMENT = re.compile(r"<\s*(script|img|svg|iframe|object|embed)\b", re.IGNORECASE)
# The one element of that kind the templates do emit: our own script file, in the head.
OWN_SCRIPT = '<script src="/static/artsearch.js" defer></script>'


def page(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url, follow_redirects=True)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "lxml")


def api(client: FlaskClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def query_of(link: Tag) -> dict[str, list[str]]:
    return parse_qs(urlsplit(str(link["href"])).query, keep_blank_values=True)


def text_of(soup: BeautifulSoup | Tag) -> str:
    """The text as a reader sees it, white space collapsed."""
    return " ".join(soup.get_text().split())


def assert_no_active_markup(html: str) -> None:
    """No script, event handler or javascript: URL on the page: untrusted text stayed text."""
    assert html.count(OWN_SCRIPT) <= 1
    html = html.replace(OWN_SCRIPT, "")
    assert not FOREIGN_ELEMENT.search(html), FOREIGN_ELEMENT.search(html)
    for tag in BeautifulSoup(html, "lxml").find_all(True):
        handlers = [name for name in tag.attrs if name.lower().startswith("on")]
        assert not handlers, tag
        for name in ("href", "src", "action", "formaction"):
            value = str(tag.get(name, "")).strip().lower()
            assert not value.startswith(("javascript:", "data:")), tag


def assert_accessible_layout(soup: BeautifulSoup) -> None:
    """The basics every page keeps: language, viewport, landmarks, skip link, headings, labels."""
    assert soup.html is not None and soup.html.get("lang") == "en"
    assert soup.find("meta", attrs={"name": "viewport"}) is not None
    for landmark in ("header", "nav", "main", "footer"):
        assert soup.find(landmark) is not None, landmark
    skip = soup.find("a", class_="skip-link")
    assert skip is not None and skip["href"] == "#main"
    assert soup.find(id="main") is not None
    levels = [int(tag.name[1]) for tag in soup.find_all(re.compile(r"^h[1-6]$"))]
    assert levels.count(1) == 1 and levels[0] == 1, levels
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    for field in soup.find_all(["input", "select", "textarea"]):
        if field.get("type") in ("hidden", "submit"):
            continue
        assert soup.find("label", attrs={"for": field.get("id")}) is not None, field


def every_article(client: FlaskClient) -> list[dict[str, Any]]:
    return api(client, "/api/search?q=&per_page=100&sort=newest")["results"]


def title_word(article: dict[str, Any]) -> str:
    return max(article["title"].split(), key=len).strip(".,:;!?\"'()")


# -- configuration --------------------------------------------------------------------------


def test_config_comes_from_artsearch_environment_variables() -> None:
    environ = {"ARTSEARCH_INDEX": "/srv/index", "ARTSEARCH_CORPUS": "/srv/pages", "HOME": "/x"}
    assert config_from_environment(environ) == {
        "INDEX_DIR": "/srv/index",
        "CORPUS_DIR": "/srv/pages",
    }


def test_test_config_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARTSEARCH_INDEX", "/from/environment")
    assert create_app().config["INDEX_DIR"] == "/from/environment"
    assert create_app({"INDEX_DIR": "/from/test"}).config["INDEX_DIR"] == "/from/test"


def test_index_dir_defaults_to_var_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARTSEARCH_INDEX", raising=False)
    assert create_app().config["INDEX_DIR"] == "var/index"


# -- the form -------------------------------------------------------------------------------


def test_home_page_is_a_plain_get_form_to_search(client: FlaskClient) -> None:
    soup = page(client, "/")
    form = soup.find("form", attrs={"role": "search"})
    assert form is not None
    assert (form["action"], form["method"]) == ("/search", "get")
    names = {field.get("name") for field in form.find_all(["input", "select"])}
    assert names == {"q"}  # nothing else: the URL it makes has no empty parameters
    box = soup.find("input", id="q")
    assert box.has_attr("autofocus")
    assert box.get("autocomplete") is None  # the browser's own history of searches stays on
    # The one script is our own file (the "/" shortcut); no inline script.
    scripts = soup.find_all("script")
    assert [str(s["src"]) for s in scripts] == ["/static/artsearch.js"]
    assert all(not s.get_text().strip() for s in scripts)
    assert_accessible_layout(soup)


def test_pages_allow_only_own_script_files_with_a_content_security_policy(
    client: FlaskClient,
) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "unsafe" not in policy


def test_the_script_and_the_favicon_are_served(client: FlaskClient) -> None:
    with client.get("/static/artsearch.js") as script:
        assert script.status_code == 200
        assert "keydown" in script.get_data(as_text=True)
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200
        assert icon.get_data()[:4] == b"\x00\x00\x01\x00"  # an ICO header
    with client.get("/static/favicon.svg") as svg:
        assert svg.status_code == 200


# -- results --------------------------------------------------------------------------------


def test_search_page_lists_results_linking_to_their_articles(client: FlaskClient) -> None:
    article = every_article(client)[0]
    soup = page(client, f"/search?q={title_word(article)}")
    results = soup.select("li.result")
    assert results
    links = [urlsplit(str(item.select_one("h3 a")["href"])).path for item in results]
    assert f"/articles/{article['id']}" in links
    assert all(link.startswith("/articles/") for link in links)
    assert soup.select_one("li.result .snippet mark") is not None
    assert_accessible_layout(soup)


def test_search_page_shows_the_total_source_date_and_authors(client: FlaskClient) -> None:
    data = api(client, "/api/search?q=&per_page=3&sort=newest")
    soup = page(client, "/search?q=&per_page=3&sort=newest")
    summary = text_of(soup.select_one(".results-summary"))
    assert f"of {data['total']} results" in summary
    first = soup.select_one("li.result")
    hit = data["results"][0]
    meta = text_of(first.select_one(".meta"))
    if hit["source"]:
        assert hit["source"] in meta
    if hit["published"]:
        # A human date ("12 January 2006"), the ISO day in the machine-readable attribute.
        time = first.select_one(".meta time")
        assert time["datetime"] == hit["published"][:10]
        assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", text_of(time))
    for author in hit["authors"]:
        assert author in meta


def test_pagination_links_keep_every_parameter(client: FlaskClient) -> None:
    soup = page(client, "/search?q=&per_page=2&page=2&sort=oldest&from=2000-01-01")
    nav = soup.find("nav", attrs={"aria-label": "Result pages"})
    assert nav is not None
    previous, following = nav.find("a", rel="prev"), nav.find("a", rel="next")
    expected = {"per_page": ["2"], "sort": ["oldest"], "from": ["2000-01-01"]}
    assert query_of(following) == {**expected, "page": ["3"]}
    assert query_of(previous) == expected  # page 1 is the default, so it is left out
    current = nav.find("a", attrs={"aria-current": "page"})
    assert text_of(current) == "Page 2"


def test_page_window_links_first_last_and_neighbours() -> None:
    assert page_window(6, 20) == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert page_window(1, 3) == [1, 2, 3]
    assert page_window(1, 1) == [1]


def test_search_args_reset_the_page_when_a_filter_changes() -> None:
    request = SearchRequest(q="frog", page=3, per_page=20, sort="newest")
    assert search_args(request, {"source": ["Wikinews"]}) == {
        "q": "frog",
        "per_page": "20",
        "sort": "newest",
        "source": ["Wikinews"],
    }
    assert search_args(request, {"page": 4})["page"] == "4"


def facet_links(soup: BeautifulSoup, name: str) -> list[Tag]:
    group = soup.find("section", attrs={"aria-labelledby": f"facet-{name}"})
    return [] if group is None else group.select("li a")


def test_source_facet_links_add_the_filter_and_it_can_be_removed(client: FlaskClient) -> None:
    soup = page(client, "/search?sort=newest")
    facet_link = facet_links(soup, "source")[0]
    source = text_of(facet_link.select_one(".value"))
    assert query_of(facet_link) == {"sort": ["newest"], "source": [source]}

    filtered = page(client, str(facet_link["href"]))
    chips = filtered.select(".active-filters li")
    assert len(chips) == 1 and source in text_of(chips[0])
    assert query_of(chips[0].find("a")) == {"sort": ["newest"]}
    hidden = filtered.find("input", attrs={"type": "hidden", "name": "source"})
    assert hidden is not None and hidden["value"] == source


def test_choosing_a_source_keeps_the_other_sources_listed_to_add(client: FlaskClient) -> None:
    every = api(client, "/api/search?per_page=100")
    sources = [v["value"] for v in every["facets"]["source"]]
    assert len(sources) >= 3
    first = page(client, f"/search?source={sources[0]}")
    links = facet_links(first, "source")
    chosen = [a for a in links if a.get("aria-current") == "true"]
    assert [text_of(a.select_one(".value")) for a in chosen] == [sources[0]]
    others = {text_of(a.select_one(".value")): a for a in links if a not in chosen}
    assert set(sources[1:]) <= set(others)
    # Another source is added as an alternative: both are chosen, the results hold both.
    both = page(client, str(others[sources[1]]["href"]))
    assert query_of(others[sources[1]]) == {"source": sources[:2]}
    data = api(client, f"/api/search?source={sources[0]}&source={sources[1]}&per_page=100")
    assert {hit["source"] for hit in data["results"]} == set(sources[:2])
    assert len(both.select(".active-filters li a.remove")) == 3  # two values and "Clear all"


def test_year_facet_lists_years_in_date_order_and_chooses_one(client: FlaskClient) -> None:
    soup = page(client, "/search")
    links = facet_links(soup, "year")
    years = [text_of(link.select_one(".value")) for link in links]
    assert years == sorted(years) and len(years) > 2
    year = years[1]
    assert query_of(links[1]) == {"year": [year]}
    results = api(client, f"/api/search?year={year}&per_page=100")
    assert {hit["published"][:4] for hit in results["results"]} == {year}
    chosen = page(client, str(links[1]["href"]))
    marked = [a for a in facet_links(chosen, "year") if a.get("aria-current") == "true"]
    assert [text_of(a.select_one(".value")) for a in marked] == [year]
    assert query_of(marked[0]) == {}  # choosing it again removes it


def test_facet_values_that_cannot_narrow_are_not_listed(client: FlaskClient) -> None:
    data = api(client, "/api/search?q=stampede&per_page=100")
    soup = page(client, "/search?q=stampede")
    for name, values in data["facets"].items():
        listed = {text_of(a.select_one(".value")) for a in facet_links(soup, name)}
        for value in values:
            if value["count"] == data["total"]:
                assert value["value"] not in listed, (name, value)


def test_sort_is_a_row_of_links_marking_the_current_order(client: FlaskClient) -> None:
    soup = page(client, "/search?q=korea&sort=oldest")
    links = soup.select("nav.sort a")
    assert [text_of(a) for a in links] == ["Relevance", "Newest", "Oldest"]
    assert [text_of(a) for a in links if a.get("aria-current")] == ["Oldest"]
    assert query_of(links[1]) == {"q": ["korea"], "sort": ["newest"]}
    assert query_of(links[0]) == {"q": ["korea"]}


def test_urls_with_empty_or_default_parameters_redirect_to_the_short_form(
    client: FlaskClient,
) -> None:
    response = client.get("/search?q=korea&sort=relevance&from=&to=&page=1&source=")
    assert response.status_code == 302
    assert response.headers["Location"] == "/search?q=korea"
    soup = page(client, "/search?q=&sort=relevance&from=&to=")
    assert soup.select("li.result")


def test_a_query_that_finds_nothing_shows_its_corrected_results_at_once(
    client: FlaskClient,
) -> None:
    soup = page(client, "/search?q=stampeed")
    notice = soup.select_one(".correction")
    assert notice is not None
    assert "Showing results for stampede" in text_of(notice)
    assert soup.select("li.result")
    links = notice.find_all("a")
    assert query_of(links[0]) == {"q": ["stampede"]}
    assert query_of(links[1]) == {"q": ["stampeed"], "verbatim": ["1"]}
    verbatim = page(client, str(links[1]["href"]))
    assert not verbatim.select("li.result")
    suggestion = verbatim.select_one(".suggestion a")
    assert "Did you mean" in text_of(verbatim.select_one(".suggestion"))
    assert query_of(suggestion) == {"q": ["stampede"]}


def test_matched_words_are_marked_in_titles(client: FlaskClient) -> None:
    soup = page(client, "/search?q=stampede")
    title = soup.select_one("li.result h3 a")
    assert [text_of(m) for m in title.find_all("mark")] == ["stampede"]


def test_timeline_has_a_labelled_link_per_period_that_narrows_to_it(client: FlaskClient) -> None:
    data = api(client, "/api/search")
    soup = page(client, "/search")
    timeline = soup.select_one("figure.timeline")
    assert timeline is not None and "per year" in text_of(timeline.find("figcaption"))
    bars = data["timeline"]
    links = timeline.select("a")
    assert len(links) == sum(1 for bar in bars if bar["count"])
    first = next(bar for bar in bars if bar["count"])
    noun = "article" if first["count"] == 1 else "articles"
    assert text_of(links[0].select_one(".visually-hidden")) == (
        f"{first['period']}: {first['count']} {noun}"
    )
    assert query_of(links[0]) == {"year": [first["period"]]}
    # One year's results are drawn per month, each month linking to its dates.
    by_month = page(client, str(links[0]["href"]))
    months = api(client, f"/api/search?year={first['period']}")["timeline"]
    month_links = by_month.select("figure.timeline a")
    if months:
        assert all(bar["unit"] == "month" for bar in months)
        bar = next(b for b in months if b["count"])
        assert query_of(month_links[0]) == {"from": [bar["from"]], "to": [bar["to"]]}


def test_bad_parameters_render_the_form_with_the_message_and_400(client: FlaskClient) -> None:
    soup = page(client, "/search?q=frog&per_page=5000", status=400)
    error = soup.find(id="form-error")
    assert error is not None and "per_page" in text_of(error)
    assert soup.find("input", id="q")["value"] == "frog"
    assert_accessible_layout(soup)


def test_query_text_is_escaped_wherever_the_page_repeats_it(client: FlaskClient) -> None:
    payload = "<script>alert(1)</script><svg onload=alert(2)>"
    for url in (f"/search?q={payload}", f"/search?q={payload}&page=0"):
        html = client.get(url).get_data(as_text=True)
        assert_no_active_markup(html)
        assert "&lt;script&gt;" in html


# -- articles -------------------------------------------------------------------------------


def test_article_page_shows_the_metadata_body_and_related_articles(client: FlaskClient) -> None:
    listed = every_article(client)[0]
    article = api(client, f"/api/articles/{listed['id']}")
    soup = page(client, f"/articles/{listed['id']}")
    assert text_of(soup.find("h1")) == " ".join(article["title"].split())
    meta = text_of(soup.select_one(".article-meta"))
    for value in (*article["authors"], *article["tags"]):
        assert " ".join(value.split()) in meta
    assert "LanguageEnglish" in meta.replace(" ", "")  # the language's name, not its code
    # The source and the original URL are shown once, in the credit line.
    page_text = text_of(soup.find("article"))
    credit = text_of(soup.select_one(".credit"))
    for value in (article["source"], article["url"]):
        if value:
            assert value in credit
            assert page_text.count(value) == 1, value
    paragraphs = soup.select(".article-body p")
    assert len(paragraphs) == len([p for p in re.split(r"\n\s*\n", article["body"]) if p.strip()])
    related = api(client, f"/api/articles/{listed['id']}/related")["results"]
    related_links = [urlsplit(str(a["href"])).path for a in soup.select(".related-item > a")]
    assert related_links == [f"/articles/{hit['id']}" for hit in related]
    assert_accessible_layout(soup)


def test_article_metadata_links_to_searches_filtered_by_it(client: FlaskClient) -> None:
    listed = next(a for a in every_article(client) if a["authors"] and a["published"])
    article = api(client, f"/api/articles/{listed['id']}")
    soup = page(client, f"/articles/{listed['id']}")
    meta = soup.select_one(".article-meta")
    links = {text_of(a): query_of(a) for a in meta.find_all("a")}
    assert links[article["authors"][0]] == {"author": [article["authors"][0]]}
    for tag in article["tags"]:
        assert links[tag] == {"tag": [tag]}
    day = article["published"][:10]
    time = meta.find("time")
    # The machine value is the date and time the page stated; the API gives its day.
    assert time["datetime"].startswith(article["published"])
    assert links[text_of(time)] == {"from": [day], "to": [day]}
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", text_of(time))
    source = soup.select_one(".credit a")
    assert query_of(source) == {"source": [article["source"]]}
    for target in (source, *meta.find_all("a")):
        assert page(client, str(target["href"])).select(f'li.result[data-id="{article["id"]}"]')


def test_article_opened_from_results_keeps_the_search_and_marks_its_words(
    client: FlaskClient,
) -> None:
    results = page(client, "/search?q=stampede&sort=newest")
    link = results.select_one("li.result h3 a")
    assert query_of(link) == {"q": ["stampede"], "sort": ["newest"]}
    soup = page(client, str(link["href"]))
    box = soup.find("input", id="q")
    assert box["value"] == "stampede"
    back = soup.select_one(".back a")
    assert "Back to results" in text_of(back)
    assert query_of(back) == {"q": ["stampede"], "sort": ["newest"]}
    marks = [text_of(m).lower() for m in soup.select(".article-body mark")]
    assert marks and set(marks) <= {"stampede", "stampedes"}
    plain = page(client, urlsplit(str(link["href"])).path)
    assert plain.select_one(".back") is None and not plain.select(".article-body mark")


def test_article_page_links_the_original_url_without_referrer_or_follow(
    client: FlaskClient,
) -> None:
    listed = next(a for a in every_article(client) if (a["url"] or "").startswith("http"))
    soup = page(client, f"/articles/{listed['id']}")
    link = soup.select_one(f'.credit a[href="{listed["url"]}"]')
    assert link is not None
    assert set(link["rel"]) == {"noopener", "noreferrer", "nofollow"}


def test_article_page_shows_the_wikinews_credit_line(client: FlaskClient) -> None:
    articles = [api(client, f"/api/articles/{a['id']}") for a in every_article(client)]
    licensed = [a for a in articles if a["source"] == "Wikinews" and a["license"]]
    assert licensed, "the test corpus holds Wikinews pages stating their licence"
    for article in licensed:
        soup = page(client, f"/articles/{article['id']}")
        credit = f"Source: Wikinews, {article['url']}, CC BY 2.5"
        assert text_of(soup.select_one(".credit")) == credit


def sample_article(**changes: Any) -> Article:
    fields = {
        "id": "00112233aabbccdd",
        "path": "news/story.html",
        "title": "A story",
        "body": "First paragraph.\n\nSecond paragraph.",
        "source": "Wikinews",
        "url": "https://en.wikinews.org/wiki/A_story",
        "license": "CC BY 2.5",
        "published": "2015-09-01T10:30:00+00:00",
    }
    return Article(**{**fields, **changes})


def render_article(app: Flask, article: Article, related: tuple[RelatedHit, ...] = ()) -> str:
    with app.test_request_context(f"/articles/{article.id}"):
        return render_template("article.html", article=article, related=related)


def test_credit_line_is_exactly_source_url_license(app: Flask) -> None:
    soup = BeautifulSoup(render_article(app, sample_article()), "lxml")
    credit = soup.select_one(".credit")
    assert text_of(credit) == "Source: Wikinews, https://en.wikinews.org/wiki/A_story, CC BY 2.5"
    assert [text_of(p) for p in soup.select(".article-body p")] == [
        "First paragraph.",
        "Second paragraph.",
    ]


def test_credit_line_leaves_out_unknown_parts(app: Flask) -> None:
    html = render_article(app, sample_article(source=None, url=None, license="CC0"))
    credit = BeautifulSoup(html, "lxml").select_one(".credit")
    assert text_of(credit) == "Source: CC0"


def test_a_javascript_url_is_never_a_link(app: Flask) -> None:
    html = render_article(app, sample_article(url="javascript:alert(1)//https://x.org"))
    soup = BeautifulSoup(html, "lxml")
    assert all(not str(a["href"]).lower().startswith("javascript") for a in soup.find_all("a"))
    assert "javascript:alert(1)//https://x.org" in text_of(soup.select_one(".credit"))


def test_every_article_field_is_escaped_on_the_article_page(app: Flask) -> None:
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)><svg onload=alert(3)>"
    article = sample_article(
        title=payload,
        body=f"## {payload}\n\n- {payload}\n- x\n\na | {payload}\nb | c\n\n{payload}",
        authors=(payload,),
        source=payload,
        description=payload,
        tags=(payload,),
        language=payload,
        license=payload,
        url="https://x.org/?" + payload,
    )
    related = RelatedHit(Hit(article, 1.0, "escaped &lt;snippet&gt;"), (payload,))
    html = render_article(app, article, (related,))
    assert_no_active_markup(html)
    assert html.count("&lt;script&gt;") >= 11
    soup = BeautifulSoup(html, "lxml")
    body = soup.select_one(".article-body")
    assert [tag.name for tag in body.find_all(["h2", "ul", "table", "p"])] == [
        "h2",
        "ul",
        "table",
        "p",
    ]


def test_only_the_snippet_is_trusted_as_markup_on_the_results_page(app: Flask) -> None:
    payload = "<script>alert(1)</script>"
    article = sample_article(title=payload, source=payload, authors=(payload,))
    request = SearchRequest(q=payload)
    results = SearchResults(
        request,
        1,
        (Hit(article, 1.0, "a <mark>frog</mark> &lt;b&gt;"),),
        {"source": (FacetValue(payload, 1),), "year": (FacetValue(payload, 1),)},
        suggestion=payload,
    )
    with app.test_request_context("/search"):
        html = render_template(
            "search.html",
            form=search_args(request),
            search_request=request,
            results=results,
            filters=[],
            pages=[1],
            year_range=lambda year: {},
            is_year=lambda value: False,
            sort_labels={"relevance": "Relevance"},
        )
    assert_no_active_markup(html)
    assert "a <mark>frog</mark> &lt;b&gt;" in html


def test_a_description_that_opens_the_body_is_not_shown_twice() -> None:
    body = "A storm caused a crane to fall.\n\nMore text."
    assert repeats_opening_of("A storm caused a crane to fall.", body)
    assert repeats_opening_of("A storm caused a crane to fa…", body)
    assert not repeats_opening_of("Dozens killed in Mecca.", body)
    assert not repeats_opening_of("", body)


def test_only_http_and_https_urls_become_links() -> None:
    assert web_url(" https://example.org/a ") == "https://example.org/a"
    assert web_url("http://example.org") == "http://example.org"
    for unsafe in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "//x.org", ""):
        assert web_url(unsafe) is None


def test_unknown_article_is_an_html_404(client: FlaskClient) -> None:
    soup = page(client, "/articles/0000000000000000", status=404)
    assert "Article not found" in text_of(soup.find("h1"))
    assert_accessible_layout(soup)


# -- the test corpus's hostile page ---------------------------------------------------------


def xss_articles(client: FlaskClient) -> list[dict[str, Any]]:
    found = [
        api(client, f"/api/articles/{a['id']}")
        for a in every_article(client)
        if HOSTILE_TEXT.search(a["title"] + " ".join(a["authors"]))
    ]
    assert found, "the test corpus should hold a page with script payloads in its title"
    return found


def test_hostile_article_page_shows_its_payloads_as_text(client: FlaskClient) -> None:
    for article in xss_articles(client):
        html = client.get(f"/articles/{article['id']}").get_data(as_text=True)
        assert_no_active_markup(html)
        assert "&lt;script" in html


def test_hostile_article_in_search_results_shows_its_payloads_as_text(
    client: FlaskClient,
) -> None:
    for article in xss_articles(client):
        response = client.get(f"/search?q={title_word(article)}&per_page=100")
        html = response.get_data(as_text=True)
        assert f'data-id="{article["id"]}"' in html
        assert_no_active_markup(html)


# -- errors ---------------------------------------------------------------------------------


def test_unknown_page_is_an_html_404(client: FlaskClient) -> None:
    soup = page(client, "/no/such/page", status=404)
    assert_accessible_layout(soup)


def test_posting_the_search_form_is_an_html_405(client: FlaskClient) -> None:
    response = client.post("/search", data={"q": "frog"})
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "GET" in response.headers["Allow"]


def test_without_an_index_the_pages_say_how_to_build_one(no_index_client: FlaskClient) -> None:
    for url in ("/search?q=frog", "/articles/0123456789abcdef"):
        soup = page(no_index_client, url, status=503)
        assert "artsearch index" in text_of(soup.find("main"))
        assert_accessible_layout(soup)


def test_home_page_works_without_an_index(no_index_client: FlaskClient) -> None:
    soup = page(no_index_client, "/")
    browse = soup.find("a", string="Browse the newest articles")
    assert browse is not None and query_of(browse) == {"sort": ["newest"]}


def test_static_stylesheet_is_served_and_styles_focus(client: FlaskClient) -> None:
    with client.get("/static/artsearch.css") as response:
        assert response.status_code == 200
        assert ":focus-visible" in response.get_data(as_text=True)


def test_body_headings_never_skip_a_level_under_the_title() -> None:
    from web.templating import body_blocks

    levels = [b.level for b in body_blocks("### A\n\ntext\n\n#### B\n\n#### C\n\n## D\n\n#### E")]
    assert [level for level in levels if level] == [2, 3, 3, 2, 3]


def test_language_names_and_human_dates() -> None:
    from web.templating import human_date, language_name

    assert [language_name(c) for c in ("de", "ar", "pt-BR", "xx", "<b>")] == [
        "German",
        "Arabic",
        "Portuguese (Brazil)",
        "xx",
        "<b>",
    ]
    assert human_date("2025-08-03T22:00:00-04:00") == "3 August 2025"
    assert human_date("not a date") == "not a date"
