"""Metadata cascades (the field modules of indexer.extraction): one test per rule."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from indexer.extraction.bylines import clean_authors, find_authors
from indexer.extraction.headline import find_title
from indexer.extraction.htmlparse import load_page, parse_html
from indexer.extraction.language import find_language
from indexer.extraction.links import find_image, find_license, find_url, license_name
from indexer.extraction.metadata import read_metadata, read_view
from indexer.extraction.outlet import find_source
from indexer.extraction.published import find_modified, find_published
from indexer.extraction.tags import find_description, find_tags
from indexer.extraction.view import PageView

PAGES = Path(__file__).parent / "data" / "pages"
# 2020-03-02T12:00:00Z, a file modification time.
MTIME = datetime(2020, 3, 2, 12, tzinfo=UTC).timestamp()


def view_of(html: str, *, mtime: float | None = None) -> PageView:
    """The view of a page made of a few tags."""
    return read_view(parse_html(html), mtime=mtime)


def fixture_view(name: str, *, mtime: float | None = None) -> PageView:
    return read_view(load_page((PAGES / name).read_bytes()), mtime=mtime)


def value(found: object) -> object:
    return getattr(found, "value", None)


def origin(found: object) -> object:
    return getattr(found, "origin", None)


# --- title ----------------------------------------------------------------------------------------


def test_title_is_the_h1_when_it_agrees_with_og_title_minus_the_site_suffix() -> None:
    view = view_of(
        '<meta property="og:title" content="Ferry resumes after repairs | NewsPulse">'
        "<h1>Ferry resumes after repairs</h1>"
    )
    found = find_title(view)
    assert (value(found), origin(found)) == ("Ferry resumes after repairs", "opengraph")


def test_title_drops_a_site_suffix_that_is_the_declared_site_name() -> None:
    view = view_of(
        '<title>Ferry resumes after repairs - Harbour Post</title><meta property="og:site_name" '
        'content="Harbour Post"><p>text</p>'
    )
    assert value(find_title(view)) == "Ferry resumes after repairs"


def test_title_drops_a_short_unknown_suffix_after_a_pipe() -> None:
    view = view_of("<title>Ferry resumes after repairs | Daily8</title><p>text</p>")
    assert value(find_title(view)) == "Ferry resumes after repairs"


def test_a_pipe_suffix_is_compared_with_the_whole_title_before_it() -> None:
    # "Briefing" alone is shorter than the site name; "Briefing - Harbour Stocks Rise" is not.
    view = view_of("<title>Briefing - Harbour Stocks Rise | Global Markets Wire</title><p>text</p>")
    assert value(find_title(view)) == "Briefing - Harbour Stocks Rise"


def test_a_run_of_separators_before_the_site_name_is_one_separator() -> None:
    # A headline cut after a dash: "... London, March 5 - | Pacific Rim Report".
    view = view_of(
        "<title>Bank Expects Debt Accord London, March 5 - | Pacific Rim Report</title>"
        '<div class="brand"><a href="/">Pacific Rim Report</a></div>'
        "<h1>Bank Expects Debt Accord London, March 5 -</h1><p>text</p>"
    )
    assert value(find_source(view)) == "Pacific Rim Report"


def test_title_keeps_a_dash_part_that_is_not_a_site_name() -> None:
    title = "Sanctions on partners 'obvious next step' – US NATO envoy (VIDEO)"
    view = view_of(f"<title>{title}</title><p>text</p>")
    assert value(find_title(view)) == title


def test_title_drops_a_dash_suffix_the_page_shows_as_its_masthead() -> None:
    assert value(find_title(fixture_view("legacy-cp1252.html"))) == (
        "North Korea puts military in ‘quasi-state of war’"
    )


def test_title_drops_a_site_prefix_before_a_double_colon() -> None:
    assert value(find_title(fixture_view("meta-only.html"))) == (
        "Parents prosecuted after homeopathic treatment leads to daughter's death"
    )


def test_title_prefers_the_json_ld_headline_when_no_heading_agrees() -> None:
    view = view_of(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Rowing club'
        ' turns 100"}</script><title>Home | Lakeside Herald</title><h1>Latest news</h1>'
        "<h1>Weather</h1>"
    )
    assert (value(find_title(view)), origin(find_title(view))) == (
        "Rowing club turns 100",
        "json-ld",
    )


def test_main_heading_is_a_headline_classed_element_when_no_h1_agrees() -> None:
    view = view_of(
        '<meta property="og:title" content="Rowing club turns 100 years old">'
        "<h1>Site logo text</h1>"
        '<div class="story-headline">Rowing club turns 100 years old</div>'
    )
    assert view.heading is not None and view.heading.get("class") == "story-headline"


# --- authors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("By Jane Doe", ("Jane Doe",)),
        ("Posted by Tom Becker", ("Tom Becker",)),
        ("By Jane Doe and John Roe", ("Jane Doe", "John Roe")),
        ("Ana Torres, Li Wei & Omar Haddad", ("Ana Torres", "Li Wei", "Omar Haddad")),
        ("by Kim Hae-won, August 21, 2015", ("Kim Hae-won",)),
        ("By Maria Lopez · March 8, 2011", ("Maria Lopez",)),
        ("Jane Doe 3 hours ago", ("Jane Doe",)),
        ("Jane Doe, Senior Reporter", ("Jane Doe",)),
        ("Reuters Staff", ()),
        ("Staff", ()),
        ("Editorial Board", ()),
        ("BY JANE DOE", ("Jane Doe",)),
        ("Mary E. Smith", ("Mary E. Smith",)),
        ("Theresa May", ("Theresa May",)),
        ('Eve "><svg onload=alert(1)>', ('Eve "><svg onload=alert(1)>',)),
    ],
)
def test_bylines_are_cleaned_to_person_names(byline: str, names: tuple[str, ...]) -> None:
    assert clean_authors([byline]) == names


def test_authors_are_deduplicated_case_insensitively() -> None:
    assert clean_authors(["Jane Doe", "JANE DOE", "jane doe and John Roe"]) == (
        "Jane Doe",
        "John Roe",
    )


def test_authors_come_from_a_json_ld_author_list() -> None:
    found = find_authors(fixture_view("publisher-jsonld-graph.html"))
    assert (value(found), origin(found)) == (("Jane Doe", "John Roe"), "json-ld")


def test_authors_come_from_meta_author() -> None:
    found = find_authors(fixture_view("meta-only.html"))
    assert (value(found), origin(found)) == (("Priya Natarajan",), "meta")


def test_authors_come_from_microdata() -> None:
    found = find_authors(fixture_view("microdata.html"))
    assert (value(found), origin(found)) == (("Tom Becker", "Aiko Sato"), "microdata")


def test_authors_come_from_a_visible_by_line() -> None:
    found = find_authors(fixture_view("time-element-only.html"))
    assert (value(found), origin(found)) == (("Maria Lopez",), "text")


def test_an_article_author_that_is_a_profile_url_is_no_name() -> None:
    view = view_of(
        '<meta property="article:author" content="https://facebook.com/someone">'
        "<h1>A title here</h1>"
    )
    assert find_authors(view) is None


# --- source ---------------------------------------------------------------------------------------


def test_source_is_the_json_ld_publisher_even_by_id_reference() -> None:
    found = find_source(fixture_view("publisher-jsonld-graph.html"))
    assert (value(found), origin(found)) == ("Adriatic Ledger", "json-ld")


def test_source_is_the_microdata_publisher() -> None:
    found = find_source(fixture_view("microdata.html"))
    assert (value(found), origin(found)) == ("Netwatch Weekly", "microdata")


def test_aggregator_source_line_beats_the_aggregators_own_site_name() -> None:
    found = find_source(fixture_view("aggregator-seed-layout.html"))
    assert (value(found), origin(found)) == ("Wikinews", "markup")


def test_name_printed_beside_a_relative_date_is_the_source() -> None:
    found = find_source(fixture_view("extract-relative-no-reference.html"))
    assert (value(found), origin(found)) == ("Coastal Courier", "text")


@pytest.mark.parametrize(
    "header",
    [
        '<div class="meta"><span class="story-source">Russia Today</span>'
        '<time datetime="2025-08-03T18:00:00Z">2 days ago</time></div>',
    ],
)
def test_a_source_whose_name_ends_in_today_is_not_read_as_a_date(header: str) -> None:
    view = view_of(
        '<html><head><meta property="og:site_name" content="Daily8"></head><body>'
        f"<h1>Why US and Russia are bound to cooperate</h1>{header}"
        "<p>The head of Roscosmos made a rare visit to the United States this week.</p>"
        "</body></html>"
    )
    assert value(find_source(view)) == "Russia Today"


def test_an_author_or_a_section_beside_the_date_is_not_the_source() -> None:
    view = view_of(
        '<nav><a href="/politics">Politics</a></nav><h1>Council approves the budget</h1>'
        '<div><span>Politics</span> <span>2 hours ago</span></div><p class="byline">By Ana Torres'
        "</p><div><span>Ana Torres</span> <span>3 hours ago</span></div>",
        mtime=MTIME,
    )
    assert find_source(view, ["Ana Torres"]) is None


def test_source_is_og_site_name() -> None:
    found = find_source(fixture_view("opengraph-only.html"))
    assert (value(found), origin(found)) == ("Harbour Post", "opengraph")


def test_source_is_application_name() -> None:
    view = view_of('<meta name="application-name" content="Valley Gazette"><h1>Some title</h1>')
    assert (value(find_source(view)), origin(find_source(view))) == ("Valley Gazette", "meta")


def test_source_is_a_title_suffix_the_page_also_shows() -> None:
    found = find_source(fixture_view("xml-prologue.html"))
    assert (value(found), origin(found)) == ("Levant Review", "markup")


def test_source_is_a_title_suffix_longer_than_the_title_when_the_title_is_the_heading() -> None:
    # "Corrected - Fares | Harbour Gazette Wire": the site part is the longer one.
    view = fixture_view("boilerplate-layout.html")
    assert (value(find_title(view)), value(find_source(view))) == (
        "Corrected - Fares",
        "Harbour Gazette Wire",
    )


def test_source_is_a_title_suffix_as_long_as_the_title_that_is_the_heading() -> None:
    # "Nord Inc <NRD> 4th Qtr | The Evening Harbour-Post".
    view = fixture_view("boilerplate-dateline.html")
    assert (value(find_source(view)), origin(find_source(view))) == (
        "The Evening Harbour-Post",
        "markup",
    )


def test_the_articles_first_paragraph_beside_the_dateline_is_not_the_source() -> None:
    view = view_of(
        '<body><h1>Nord Inc 4th Qtr</h1><p class="dateline"><span>Mar 2, 1987</span></p>'
        "<div><p>CORRECTION - NORD INC</p></div><p>Nord Inc said its profit rose.</p></body>"
    )
    assert find_source(view) is None


def test_a_title_part_the_page_never_shows_is_not_a_source() -> None:
    assert find_source(fixture_view("meta-only.html")) is None


# --- dates ----------------------------------------------------------------------------------------


def test_published_comes_from_json_ld_in_a_graph() -> None:
    found = find_published(fixture_view("publisher-jsonld-graph.html"))
    assert (value(found), origin(found)) == ("2015-08-02T08:30:00+02:00", "json-ld")


def test_published_comes_from_a_json_ld_list_value() -> None:
    view = view_of(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "A title here",'
        ' "datePublished": ["2019-05-20", "2019-05-21"]}</script><h1>A title here</h1>'
    )
    assert value(find_published(view)) == "2019-05-20"


def test_published_comes_from_article_published_time() -> None:
    found = find_published(fixture_view("opengraph-only.html"))
    assert (value(found), origin(found)) == ("2010-10-09T16:20:00+00:00", "opengraph")


def test_published_comes_from_meta_name_date() -> None:
    found = find_published(fixture_view("meta-only.html"))
    assert (value(found), origin(found)) == ("2009-05-08", "meta")


def test_published_comes_from_microdata() -> None:
    found = find_published(fixture_view("microdata.html"))
    assert (value(found), origin(found)) == ("2008-01-20T10:00:00+00:00", "microdata")


def test_published_comes_from_a_time_element() -> None:
    found = find_published(fixture_view("time-element-only.html"))
    assert (value(found), origin(found)) == ("2011-03-08T09:15:00-05:00", "time-element")


def test_a_time_element_labelled_updated_is_the_modified_date_not_the_published_one() -> None:
    view = view_of(
        '<h1>A title here</h1><time class="updated" datetime="2020-01-05">Jan 5</time>'
        '<time datetime="2020-01-02">Jan 2</time>'
    )
    assert value(find_published(view)) == "2020-01-02"
    assert (value(find_modified(view)), origin(find_modified(view))) == (
        "2020-01-05",
        "time-element",
    )


def test_published_comes_from_a_date_printed_under_the_title() -> None:
    found = find_published(fixture_view("utf8-no-declaration.html"))
    assert (value(found), origin(found)) == ("2013-11-16", "text")


def test_relative_date_counts_back_from_the_pages_generated_time() -> None:
    view = fixture_view("relative-dates.html", mtime=MTIME)
    metadata = read_metadata(view)
    assert metadata.published == "2015-05-18"  # "yesterday" on 2015-05-19
    assert metadata.provenance["published"] == "relative"
    assert metadata.provenance["published_reference"] == "meta"


def test_relative_date_counts_back_from_the_file_time_without_a_generated_time() -> None:
    # og:updated_time says when the article changed, not when the page was made.
    metadata = read_metadata(fixture_view("extract-relative-no-reference.html", mtime=MTIME))
    assert metadata.published == "2020-02-29"  # "2 days ago" on 2020-03-02
    assert metadata.provenance["published_reference"] == "file-mtime"


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("Coastal Courier · 2 days ago", "2020-02-29"),
        ("By Jane Doe, Staff Writer | yesterday", "2020-03-01"),
        ("TODAY IN WASHINGTON FOR TUESDAY APRIL 7 (TIMES EDT/GMT)", None),
        ("Officials met today to discuss it.", None),
    ],
)
def test_only_a_short_relative_date_line_dates_the_article(line: str, day: str | None) -> None:
    view = view_of(
        f"<body><h1>Harbour tolls rise</h1><p>{line}</p><p>Tolls rise.</p></body>", mtime=MTIME
    )
    assert value(find_published(view)) == day


def test_relative_date_without_any_reference_time_is_no_date() -> None:
    assert find_published(fixture_view("extract-relative-no-reference.html")) is None


def test_a_date_in_the_future_of_the_reference_time_is_skipped() -> None:
    view = view_of(
        '<meta property="article:published_time" content="2030-01-01T00:00:00Z">'
        '<meta name="date" content="2019-06-01"><h1>A title here</h1>',
        mtime=MTIME,
    )
    assert value(find_published(view)) == "2019-06-01"


def test_placeholder_dates_are_skipped() -> None:
    view = view_of(
        '<meta property="article:published_time" content="1970-01-01T00:00:00Z">'
        '<meta name="date" content="0001-01-01"><h1>A title here</h1><p>No other date.</p>',
        mtime=MTIME,
    )
    assert find_published(view) is None


def test_a_date_stated_before_1990_is_kept() -> None:
    # Reuters-21578 stories are from 1987: a date the page prints next to the title is stated.
    found = find_published(fixture_view("boilerplate-layout.html", mtime=MTIME))
    assert (value(found), origin(found)) == ("1987-02-26", "text")


def test_sentences_that_mention_dates_are_not_the_published_date() -> None:
    # "The bank said the redemption date will be May 8, 1987." is text, not a date line.
    view = fixture_view("legacy-dates-in-text.html", mtime=MTIME)
    assert find_published(view) is None


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("By Marta Olsen | Feb 26, 1987", "1987-02-26"),
        ("Published on Thursday, February 26, 1987 at 3:01 pm EST", "1987-02-26"),
        ("Updated: Mar. 3, 2020, 10:15 a.m.", "2020-03-03"),
        ("The redemption date will be May 8, 1987.", None),
        ("NOTE: Periods end January 31, 1987 and 1986, respectively.", None),
        ("A ceremony on March 3, 2020 opened the new bridge to traffic for the first time", None),
    ],
)
def test_only_a_date_line_under_the_title_is_the_published_date(line: str, day: str | None) -> None:
    view = view_of(f"<body><h1>Harbour tolls rise</h1><p>{line}</p><p>Tolls rise.</p></body>")
    found = find_published(view)
    # (htmldate's extensive search, the last resort, may still guess a sentence's date.)
    assert (value(found) if origin(found) == "text" else None) == day


def test_htmldate_guesses_a_date_the_markup_does_not_state() -> None:
    view = view_of(
        '<link rel="canonical" href="https://example.org/news/2019/11/18/ferry-resumes">'
        "<h1>Ferry resumes</h1><p>The ferry is back.</p>",
        mtime=MTIME,
    )
    found = find_published(view)
    assert (value(found), origin(found)) == ("2019-11-18", "extractor")


def test_modified_is_kept_apart_from_published() -> None:
    metadata = read_metadata(fixture_view("publisher-jsonld-graph.html"))
    assert metadata.published == "2015-08-02T08:30:00+02:00"
    assert metadata.modified == "2015-08-03T11:05:00+02:00"


def test_modified_equal_to_published_is_dropped() -> None:
    assert read_metadata(fixture_view("truncated.html")).modified is None


# --- language, URL, description, tags, image, licence ---------------------------------------------


@pytest.mark.parametrize(
    ("html", "code", "where"),
    [
        ('<html lang="en-US"><h1>x</h1></html>', "en", "markup"),
        ('<meta property="og:locale" content="fr_FR"><h1>x</h1>', "fr", "opengraph"),
        ('<meta http-equiv="content-language" content="de"><h1>x</h1>', "de", "meta"),
        (
            '<script type="application/ld+json">{"@type": "Article", "inLanguage": "pt-BR"}'
            "</script><h1>x</h1>",
            "pt",
            "json-ld",
        ),  # fmt: skip
    ],
)
def test_language_cascade(html: str, code: str, where: str) -> None:
    found = find_language(view_of(html))
    assert (value(found), origin(found)) == (code, where)


def test_language_is_detected_from_the_body_when_the_page_does_not_say() -> None:
    body = "Die Regierung hat am Montag neue Maßnahmen beschlossen, die den Verkehr betreffen."
    found = find_language(view_of("<h1>x</h1>"), body)
    assert (value(found), origin(found)) == ("de", "detected")


@pytest.mark.parametrize(
    "body",
    [
        # A wire service's results table: py3langid's best guesses are Nigerian Pidgin and
        # "no linguistic content", each with little confidence.
        "LOUISVILLE, Ky., Feb 26 (Reuters) - Shr one dlr vs 73 cts\n\nNet 12.6 mln vs 15.8 mln",
        "Scarborough, Ontario, Feb 26 (Reuters) - Shr 45 cts vs 58 cts\n\nNet 1.1 mln vs 829,000"
        "\n\nSales 7.9 mln vs 9.4 mln\n\nAvg shrs 2,332,397 vs 1,428,000",
    ],
)
def test_no_language_is_detected_when_the_detector_is_unsure(body: str) -> None:
    # An unsure guess made an archive of English pages show a dozen languages in its facet and
    # analysed those pages without English stemming; unknown is analysed as English is.
    assert find_language(view_of("<h1>x</h1>"), body) is None


def test_canonical_link_comes_before_og_url_and_relative_ones_are_ignored() -> None:
    view = view_of(
        '<link rel="canonical" href="/relative/path"><meta property="og:url" '
        'content="https://example.org/a"><h1>x</h1>'
    )
    assert (value(find_url(view)), origin(find_url(view))) == ("https://example.org/a", "opengraph")
    assert value(find_url(fixture_view("publisher-jsonld-graph.html"))) == (
        "https://adriatic-ledger.example/europe/2015/08/02/italy-religious-schools-taxes"
    )


def test_description_prefers_og_description_over_meta_description() -> None:
    view = view_of(
        '<meta name="description" content="from meta"><meta property="og:description" '
        'content="from og"><h1>x</h1>'
    )
    assert value(find_description(view)) == "from og"


def test_tags_merge_keywords_without_duplicates() -> None:
    view = view_of(
        '<meta property="article:tag" content="Italy"><meta name="keywords" content="italy, Taxes">'
        '<meta property="article:section" content="Europe"><h1>x</h1>'
    )
    assert (value(find_tags(view)), origin(find_tags(view))) == (("Italy", "Taxes"), "opengraph")


def test_section_is_the_tag_only_without_keywords() -> None:
    view = view_of('<meta property="article:section" content="Europe"><h1>x</h1>')
    assert value(find_tags(view)) == ("Europe",)


def test_microdata_keywords_are_tags() -> None:
    assert value(find_tags(fixture_view("microdata.html"))) == ("Scientology", "Anonymous", "DDoS")


def test_image_comes_from_og_image_then_json_ld_image_object() -> None:
    assert value(find_image(fixture_view("publisher-jsonld-graph.html"))) == (
        "https://adriatic-ledger.example/media/2015/08/gonzaga-school.jpg"
    )
    view = view_of(
        '<script type="application/ld+json">{"@type": "NewsArticle", "image": {"@type": '
        '"ImageObject", "url": "https://example.org/lead.jpg"}}</script><h1>x</h1>'
    )
    assert (value(find_image(view)), origin(find_image(view))) == (
        "https://example.org/lead.jpg",
        "json-ld",
    )


@pytest.mark.parametrize(
    ("licence", "short"),
    [
        ("https://creativecommons.org/licenses/by/2.5/", "CC BY 2.5"),
        ("http://creativecommons.org/licenses/by-sa/4.0/deed.en", "CC BY-SA 4.0"),
        ("https://creativecommons.org/licenses/by-nc-nd/3.0/", "CC BY-NC-ND 3.0"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0"),
        ("Source: Wikinews, https://en.wikinews.org/wiki/X, CC BY 2.5", "CC BY 2.5"),
        ("https://example.org/terms", "https://example.org/terms"),
    ],
)
def test_creative_commons_licences_get_their_short_names(licence: str, short: str) -> None:
    assert license_name(licence) == short


def test_licence_comes_from_link_rel_license() -> None:
    found = find_license(fixture_view("truncated.html"))
    assert (value(found), origin(found)) == ("CC BY 2.5", "markup")


def test_licence_comes_from_json_ld_license() -> None:
    view = view_of(
        '<script type="application/ld+json">{"@type": "NewsArticle", "license": '
        '"https://creativecommons.org/licenses/by-sa/3.0/"}</script><h1>x</h1>'
    )
    assert (value(find_license(view)), origin(find_license(view))) == ("CC BY-SA 3.0", "json-ld")


def test_licence_comes_from_a_notice_at_the_end_of_the_body() -> None:
    found = find_license(view_of("<h1>x</h1>"), "Text.\n\nSource: Wikinews, CC BY 2.5")
    assert (value(found), origin(found)) == ("CC BY 2.5", "text")


def test_a_date_line_in_the_pages_language_is_the_published_date() -> None:
    view = view_of(
        '<html lang="es"><body><h1>Tarifas del puerto</h1>'
        "<p>Publicado el 12 de marzo de 2024</p><p>Las tarifas suben.</p></body></html>"
    )
    found = find_published(view)
    assert (value(found), origin(found)) == ("2024-03-12", "text")


def test_a_relative_date_in_the_pages_language_counts_back_from_its_reference() -> None:
    view = view_of(
        '<html lang="de"><head><meta name="generated" content="2024-03-14T10:00:00+01:00">'
        "</head><body><h1>Hafengebühren</h1><p>vor 2 Tagen</p><p>Die Gebühren steigen.</p>"
        "</body></html>"
    )
    found = find_published(view)
    assert (value(found), origin(found)) == ("2024-03-12", "relative")


def test_a_utc_time_gives_way_to_the_same_moment_with_the_publishers_offset() -> None:
    view = view_of(
        '<meta property="article:published_time" content="2020-06-29T02:00:00+00:00">'
        '<meta name="date" content="2020-06-28T22:00:00-04:00">'
        "<h1>Harbour tolls rise</h1><p>Tolls rise.</p>"
    )
    assert value(find_published(view)) == "2020-06-28T22:00:00-04:00"


def test_a_utc_time_a_day_off_the_date_shown_under_the_title_gives_the_shown_day() -> None:
    view = view_of(
        '<meta property="article:published_time" content="2020-06-29T02:00:00Z">'
        "<h1>Harbour tolls rise</h1><p>June 28, 2020</p><p>Tolls rise.</p>"
    )
    found = find_published(view)
    assert (value(found), origin(found)) == ("2020-06-28", "text")


def test_an_update_line_does_not_move_a_utc_time() -> None:
    view = view_of(
        '<meta property="article:published_time" content="2020-06-28T10:00:00Z">'
        "<h1>Harbour tolls rise</h1><p>Updated June 29, 2020</p><p>Tolls rise.</p>"
    )
    assert value(find_published(view)) == "2020-06-28T10:00:00+00:00"


def test_htmldate_comes_before_a_time_element_far_from_the_title() -> None:
    view = view_of(
        '<link rel="canonical" href="https://example.org/news/2019/11/18/ferry-resumes">'
        "<h1>Ferry resumes</h1><p>The ferry is back.</p>"
        '<div class="comments"><p>Nice <time datetime="2021-02-03">3 Feb 2021</time></p></div>',
        mtime=MTIME,
    )
    assert value(find_published(view)) == "2019-11-18"


def test_relative_date_in_a_web_archive_copy_counts_back_from_its_capture_time() -> None:
    # Most of the copy's links carry the capture time (2016-03-30 10:12:29 UTC); one older
    # capture of another page does not count, and neither does the file's time.
    view = fixture_view("relative-date-archived-copy.html", mtime=MTIME)
    metadata = read_metadata(view)
    assert metadata.published == "2016-03-27"  # "vor 3 Tagen" on 2016-03-30
    assert metadata.provenance["published_reference"] == "capture"


def test_a_page_citing_one_archived_copy_is_no_archive_copy() -> None:
    html = (
        "<html><head><meta name=language content=en></head><body><h1>Plague cases</h1>"
        "<p>2 days ago</p><p>Three cases were confirmed, the ministry said on Tuesday.</p>"
        '<p>Source: <a href="https://web.archive.org/web/20191113015611/http://a.example/">'
        'archived notice</a>, <a href="/news/">more news</a>, <a href="/">home</a></p>'
        "</body></html>"
    )
    metadata = read_metadata(view_of(html, mtime=MTIME))
    assert metadata.published == "2020-02-29"  # "2 days ago" on the file's 2020-03-02
    assert metadata.provenance["published_reference"] == "file-mtime"


def test_a_page_without_links_has_no_capture_time() -> None:
    metadata = read_metadata(view_of("<html><body><p>3 days ago</p></body></html>", mtime=MTIME))
    assert metadata.provenance.get("published_reference") in (None, "file-mtime")


def test_a_page_without_a_heading_has_no_outlet_beside_a_date() -> None:
    # A wire story without a heading: its opening paragraphs were the header region, and a line
    # ending in a date put "NOTE: Year-ago period ended" in the source facet.
    view = view_of(
        "<html><head><title>Nord Inc 4th qtr net</title></head><body>"
        "<p>Shr 1.10 dlrs vs 90 cts. Net 4.1 mln vs 3.4 mln.</p>"
        "<p>NOTE: Year-ago period ended March 31, 1986.</p></body></html>",
        mtime=MTIME,
    )
    assert find_source(view) is None


def test_a_sentence_naming_a_day_under_the_title_is_not_a_label_with_an_outlet() -> None:
    view = view_of(
        "<h1>Council approves the budget</h1>"
        "<p>The council voted yesterday to approve the budget.</p>"
        "<p>The budget passed by one vote after a debate of six hours.</p>",
        mtime=MTIME,
    )
    assert find_source(view) is None


@pytest.mark.parametrize(
    ("line", "outlet"),
    [
        ("Reuters · March 3, 2020 10:00 a.m. ET", "Reuters"),
        ("Reuters · March 3, 2020 at 10:00 a.m. ET", "Reuters"),
        ("Reuters · March 3, 2020 at 10:00 AM ET · 4 min read", "Reuters"),
        ("Coastal Courier · 2 days ago · 5 comments · Save for later", "Coastal Courier"),
        ("Coastal Courier · March 3, 2020 | Updated: March 4, 2020 14:02 CET", "Coastal Courier"),
    ],
)
def test_a_label_line_with_a_time_and_more_after_the_date_gives_its_outlet(
    line: str, outlet: str
) -> None:
    view = view_of(
        f"<h1>Council approves the budget</h1><div class='meta'>{line}</div>"
        "<p>The budget passed by one vote after a debate of six hours.</p>",
        mtime=MTIME,
    )
    assert value(find_source(view)) == outlet


def test_an_aggregator_card_without_a_heading_still_gives_its_outlet() -> None:
    view = view_of(
        "<html><body><div class='meta'>Coastal Courier · 2 hours ago</div>"
        "<p>The council approved the budget by one vote after a debate of six hours.</p>"
        "</body></html>",
        mtime=MTIME,
    )
    assert value(find_source(view)) == "Coastal Courier"


def test_the_caption_of_a_date_is_not_an_outlet() -> None:
    view = view_of(
        "<h1>Jest zgoda PE na umowę handlową</h1><p>Opublikowano: 2021-04-29 17:13</p>"
        "<p>Parlament Europejski zatwierdził umowę handlową po długiej debacie.</p>",
        mtime=MTIME,
    )
    assert find_source(view) is None
