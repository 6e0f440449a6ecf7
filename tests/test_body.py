"""Main text of a page (indexer.body): trafilatura, JSON-LD articleBody, clean-up and limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml.html import HtmlElement

from indexer.extraction import body, extract_page
from indexer.extraction.body import extract_body, unwrap_layout_tables, without_page_furniture
from indexer.extraction.htmlparse import load_page, parse_html

PAGES = Path(__file__).parent / "data" / "pages"


def page_tree(name: str) -> HtmlElement:
    return load_page((PAGES / name).read_bytes())


def test_the_body_is_the_pages_text_even_when_json_ld_has_an_article_body() -> None:
    # The JSON-LD articleBody rule (preferring a long articleBody consistent with the page) was
    # dropped: it changed nothing on Zyte and the generated pages and lost on trafilatura-eval.
    data = (PAGES / "publisher-ticker-json-ld.html").read_bytes()
    [article] = [a for a in extract_page(data, "publisher-ticker-json-ld.html") if not a.embedded]
    assert article.provenance["body"] == "extractor"
    assert article.body.count("First Harbour Bancorp <I>") == 2


def test_layout_tables_become_divs_and_data_tables_stay() -> None:
    tree = page_tree("meta-only.html")
    assert unwrap_layout_tables(tree) == 1
    assert tree.find(".//table") is None
    data = parse_html("<table><tr><td>Wheat</td><td>2.55</td></tr></table>")
    assert unwrap_layout_tables(data) == 0 and data.find(".//table") is not None


def test_furniture_around_a_short_article_is_dropped() -> None:
    text = "\n\n".join(
        [
            "N.Z. Reserves Fall",
            "By Jane Doe",
            "Reserves fell to 7.15 billion dlrs in January.",
            "Feb 26, 1987",
        ]
    )
    assert without_page_furniture(text, "N.Z. Reserves Fall") == (
        "Reserves fell to 7.15 billion dlrs in January."
    )
    # A copyright notice stays: some publishers' bodies end with the wire's.
    notice = "Reserves fell.\n\n© 2019 Associated Press. All rights reserved."
    assert without_page_furniture(notice) == notice
    assert without_page_furniture("N.Z. Reserves Fall\n\nFeb 26, 1987", "N.Z. Reserves Fall") == ""


def test_a_page_of_thousands_of_paragraphs_is_read_directly_and_cut() -> None:
    paragraph = "<p>" + "Rail services resumed across the valley on Monday morning. " * 3 + "</p>"
    tree = parse_html("<html><body>" + paragraph * 30_000 + "</body></html>")
    found = extract_body(tree)
    assert found is not None
    assert len(found.value) <= body.MAX_BODY_CHARS
    assert found.value.startswith("Rail services resumed")


TOLLS_LEAD = (
    "Tolls for cargo ships entering the north harbour will rise by eight percent from the first "
    "of March, the port authority said on Tuesday, the first increase in six years."
)


def test_a_print_header_gives_way_to_the_article_text() -> None:
    # trafilatura in fast mode took the print header on one real page (its <body> has
    # id="article_body"); its default mode, with its own second opinions, finds the article.
    found = extract_body(page_tree("extract-print-header.html"))
    assert found is not None and found.origin == "extractor"
    paragraphs = found.value.split("\n\n")
    assert paragraphs[1] == TOLLS_LEAD and len(paragraphs) == 6
    assert "personal, non-commercial use" not in found.value
    assert "Ships waiting outside the north harbour." not in found.value  # a caption


def test_a_short_text_the_precision_focus_does_not_confirm_is_no_body(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A headline-only aggregator item: the default focus rescues a source line and a dot.
    def extractor(
        tree: HtmlElement, settings: body.ExtractorSettings = body.EXTRACTOR_SETTINGS
    ) -> list[str]:
        return [] if settings == body.SHORT_TEXT_SETTINGS else ["Prairie Ledger", "·"]

    monkeypatch.setattr(body, "extractor_paragraphs", extractor)
    assert extract_body(page_tree("extract-print-header.html")) is None


def test_an_article_cut_into_blocks_of_one_kind_is_read_whole() -> None:
    found = extract_body(page_tree("extract-continued-body.html"))
    assert found is not None
    paragraphs = found.value.split("\n\n")
    assert len(paragraphs) == 6
    assert paragraphs[0].startswith("For most of the last century")
    assert paragraphs[3].startswith("The change was not only about saving money")
    assert paragraphs[-1].startswith("The museum has begun to scan")
    assert "Advertisement" not in found.value


def test_a_paragraph_that_is_one_link_to_another_story_is_not_body() -> None:
    found = extract_body(page_tree("extract-teaser-link.html"))
    assert found is not None
    assert "Valley hotels count the cost" not in found.value
    assert "Timetables are posted at roads.alpine.example" in found.value  # a short link stays


def test_furniture_lines_repeating_the_title_or_the_heading_or_without_words_are_dropped() -> None:
    text = "Ferry Fares Frozen\n\nCorrected - Ferry Fares\n\n·\n\nThe ferry company kept its fares."
    assert without_page_furniture(text, "Ferry Fares Frozen", "Corrected - Ferry Fares") == (
        "The ferry company kept its fares."
    )


# --- teasers, second copies, furniture in other languages ---------------------------------------

LONG = "The council met on Tuesday evening and talked about the harbour for a very long time."


def article_page(paragraphs: str) -> HtmlElement:
    return parse_html(
        "<html><body><article><h1>Harbour plans</h1>"
        f"<p>{LONG}</p>{paragraphs}<p>{LONG} Again.</p></article></body></html>"
    )


def body_paragraphs(paragraphs: str, url: str | None = "https://news.example.org/a") -> list[str]:
    found = extract_body(article_page(paragraphs), page_url=url)
    assert found is not None
    return found.value.split("\n\n")


def test_a_labelled_link_to_another_story_of_the_site_is_a_teaser_in_any_language() -> None:
    teaser = (
        '<p>Lea también: <a href="/2024/03/ferry-fares-rise">Ferry fares rise again in the '
        "north</a></p>"
    )
    assert not any("Ferry fares" in p for p in body_paragraphs(teaser))


def test_links_to_other_sites_within_the_page_or_to_mail_are_kept() -> None:
    kept = [
        '<p><a href="https://other.example.com/petition">Sign the petition against the new quay'
        "</a></p>",
        '<p><a href="#the-vote">The vote on the new quay and what it means</a></p>',
        '<p><a href="mailto:desk@news.example.org">Write to the harbour desk about this story'
        "</a></p>",
    ]
    paragraphs = body_paragraphs("".join(kept))
    for text in ("Sign the petition", "The vote on the new quay", "Write to the harbour desk"):
        assert any(text in p for p in paragraphs), text


def test_the_label_of_a_run_of_teasers_goes_with_them() -> None:
    teasers = "".join(
        f'<p><a href="/2024/03/story-{n}">Another story of the week number {n} here</a></p>'
        for n in range(3)
    )
    tree = article_page("<p>Auch interessant</p>" + teasers)
    lines = [LONG, "Auch interessant"] + [
        f"Another story of the week number {n} here" for n in range(3)
    ]
    assert body.without_link_lines(tree, [*lines, LONG], "example.org") == [LONG, LONG]


def test_a_list_of_teaser_cards_is_not_body_but_a_list_of_links_to_elsewhere_is() -> None:
    cards = "".join(
        f'<li><a href="/sport/story-{n}">Keeper signs new deal {n}</a> The club said more.</li>'
        for n in range(3)
    )
    assert not any("Keeper signs" in p for p in body_paragraphs(f"<ul>{cards}</ul>"))
    sources = "".join(
        f'<li><a href="https://source{n}.example.net/r">Keeper signs new deal {n}</a> More.</li>'
        for n in range(3)
    )
    assert any("Keeper signs" in p for p in body_paragraphs(f"<ul>{sources}</ul>"))


def test_a_second_copy_of_the_article_is_dropped_but_a_repeated_pull_quote_is_not() -> None:
    run = [f"{LONG} Paragraph {n} of the story." for n in range(3)]
    assert body.without_repeated_runs([*run, "A caption.", *run]) == [*run, "A caption."]
    quote = "This is the pull quote of the story, said twice on the page."
    assert body.without_repeated_runs([quote, *run[:2], quote]) == [quote, *run[:2], quote]
    items = "- Eat 60 minutes before\n- Drink water\n- Rest"
    assert body.without_repeated_runs([items, LONG, items]) == [items, LONG, items]


def test_the_pages_address_and_date_lines_in_its_language_are_furniture() -> None:
    text = "\n\n".join(
        [
            "https://news.example.org/a",
            "Publicado el 12 de marzo de 2024",
            "hace 2 días",
            LONG,
        ]
    )
    assert without_page_furniture(text, "https://news.example.org/a", language="es") == LONG
    assert without_page_furniture("23.10.2018\n\n" + LONG, language="de") == LONG
    assert without_page_furniture("2024年3月12日\n\n" + LONG, language="zh") == LONG
    kept = "Seit 1999 werden hier Pressemitteilungen veröffentlicht"
    assert without_page_furniture(f"{kept}\n\n{LONG}", language="de") == f"{kept}\n\n{LONG}"


def test_a_short_article_flattened_into_one_paragraph_is_split_back_into_its_blocks() -> None:
    # trafilatura's rescue of a short article returns title, byline, caption and paragraphs as
    # one paragraph; split where the page's blocks are, the title and byline lines go.
    data = (PAGES / "extract-short-article-flattened.html").read_bytes()
    flattened = body.extractor_paragraphs(load_page(data))
    assert len(flattened) == 1 and flattened[0].startswith("Harbour Board Sets")
    [article] = extract_page(data, "extract-short-article-flattened.html")
    assert article.body.split("\n\n") == [
        "Cranes at the container terminal at dusk, seen from the north pier. (Coastal Courier)",
        "PORTLAND, March 4 - The harbour board declared a dividend of 12 cents a share.",
        "Payable April 2 to holders of record.",
        "The board met on Tuesday.",
    ]


def test_one_paragraph_holding_one_block_or_words_found_in_it_by_chance_stays_whole() -> None:
    tree = parse_html(
        "<body><p>The board (PPD) met on Tuesday and voted.</p><ul><li>PPD</li></ul>"
        "<p>Board</p></body>"
    )
    paragraph = ["The board (PPD) met on Tuesday and voted."]
    assert body.with_blocks_restored(tree, paragraph) == paragraph
    flattened = ["Harbour news The board met on Tuesday. It voted."]
    tree = parse_html(
        "<body><h1>Harbour news</h1><p>The board met on Tuesday.</p><p>It voted.</p></body>"
    )
    assert body.with_blocks_restored(tree, flattened) == [
        "Harbour news",
        "The board met on Tuesday.",
        "It voted.",
    ]


def test_code_and_drawings_are_dropped_but_json_data_and_tail_text_stay() -> None:
    tree = parse_html(
        "<body><p>Tolls rise.<script>var a = 1;</script> Ferries too.</p>"
        "<style>p {color: red}</style><svg><text>logo</text></svg>"
        '<script type="application/ld+json">{"@type": "NewsArticle"}</script></body>'
    )
    body.drop_code(tree)
    assert [e.tag for e in tree.iter("script", "style", "svg")] == ["script"]
    assert tree.find(".//p").text_content() == "Tolls rise. Ferries too."
