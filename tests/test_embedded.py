"""Page structure around the article (indexer.embedded): rails, rail items, furniture."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml.html import HtmlElement

from indexer.extraction import selectors as sel
from indexer.extraction.headline import find_main_heading
from indexer.extraction.htmlparse import load_page, parse_html
from indexer.extraction.pagetext import element_text
from indexer.extraction.rails import Layout, find_layout, rail_items
from indexer.extraction.view import read_head

PAGES = Path(__file__).parent / "data" / "pages"


def page(name: str) -> tuple[HtmlElement, HtmlElement | None]:
    tree = load_page((PAGES / name).read_bytes())
    return tree, find_main_heading(tree, read_head(tree), None)


def test_seed_layout_has_one_rail_of_three_full_articles() -> None:
    tree, heading = page("aggregator-seed-layout.html")
    layout = find_layout(tree, heading)
    assert [r[0].get("class") for r in layout.rails] == ["related"]
    assert [item.title for item in layout.embedded] == [
        "Greek court rules worship of ancient Greek deities is legal",
        "Hundreds dead in Hajj stampede",
        "At least 107 killed in Mecca crane collapse",
    ]
    assert all(len(item.paragraphs) == 1 and item.words > 100 for item in layout.embedded)


def test_seed_layout_furniture_is_boilerplate() -> None:
    tree, heading = page("aggregator-seed-layout.html")
    classes = {block.get("class") for block in find_layout(tree, heading).boilerplate}
    assert {"ai-promo", "comments", "app-banner"} <= classes


def test_pruning_leaves_the_main_article_and_nothing_of_the_rail() -> None:
    tree, heading = page("aggregator-seed-layout.html")
    find_layout(tree, heading).prune()
    text = element_text(tree)
    assert "analysed effects of global warming" in text
    for gone in ("Related Articles", "Hajj", "No comments yet", "Download Daily8 app"):
        assert gone not in text


def test_a_repeated_headline_belongs_to_one_rail_item() -> None:
    # Each seed card shows its title three times (card, compact line, expanded heading).
    tree, _ = page("aggregator-seed-layout.html")
    rail = [tree.find(".//aside")]
    assert len(rail_items(rail)) == 3


def test_two_cards_titled_alike_are_two_rail_items() -> None:
    # A story and its longer version, each in its own card of one rail.
    tree, heading = page("aggregator-headline-only.html")
    layout = find_layout(tree, heading)
    assert [(item.title, len(item.paragraphs)) for item in layout.embedded] == [
        ("Harbour Board Approves New Quay", 1),
        ("Harbour Board Approves New Quay", 2),
        ("Rail Freight Rates to Fall in April", 1),
    ]


def test_the_lead_paragraph_after_the_title_is_reported() -> None:
    tree, heading = page("boilerplate-layout.html")
    lead = find_layout(tree, heading).lead
    assert lead is not None and element_text(lead).startswith("The island ferry company said")


def test_title_only_link_list_is_a_rail_without_articles() -> None:
    tree, heading = page("extract-title-only-rail.html")
    layout = find_layout(tree, heading)
    assert len(layout.rails) == 1 and layout.embedded == []


def test_front_page_headline_lists_yield_no_articles() -> None:
    tree, heading = page("not-an-article.html")
    assert find_layout(tree, heading).embedded == []


def test_read_more_link_paragraph_is_boilerplate() -> None:
    tree, heading = page("extract-nested-article.html")
    layout = find_layout(tree, heading)
    assert any(element_text(b).startswith("Read more:") for b in layout.boilerplate)
    assert [item.title for item in layout.embedded] == [
        "Bridge repairs to close the embankment for a week"
    ]


def test_a_marker_word_on_the_articles_own_container_does_not_remove_it() -> None:
    tree = parse_html(
        '<body><div class="article paywall read-more-container"><h1>Night trains return</h1>'
        "<p>" + "Overnight trains will run again on the valley line from December. " * 5 + "</p>"
        "</div></body>"
    )
    layout = find_layout(tree, tree.find(".//h1"))
    assert layout.rails == [] and layout.boilerplate == [] and layout.embedded == []


@pytest.mark.parametrize(
    ("marker", "rail"),
    [
        ("related", True),
        ("relatedArticles", True),
        ("story-related", True),
        ("more_stories", True),
        ("MoreStories", True),
        ("unrelated", False),
        ("story-body", False),
    ],
)
def test_rail_class_words_match_at_a_word_start(marker: str, rail: bool) -> None:
    assert bool(sel.RAIL_MARKER.search(marker)) is rail


@pytest.mark.parametrize(
    "heading",
    ["Related Articles", "Related", "More from Reuters", "You may also like", "Most read"],
)
def test_rail_headings_are_recognised(heading: str) -> None:
    assert sel.RAIL_HEADING.match(heading)


@pytest.mark.parametrize(
    "heading",
    [
        "Comments",
        "Comments (3)",
        "Try Our AI Features",
        "Get Started Now: Download the App",
        "Newsletter",
        "Our free newsletters",
    ],
)
def test_furniture_headings_are_recognised(heading: str) -> None:
    assert sel.BOILERPLATE_HEADING.search(heading)


@pytest.mark.parametrize(
    "headline",
    ["First Union <FUNC> Starts Investment Newsletter", "Why the parish newsletter still matters"],
)
def test_a_headline_ending_in_a_furniture_word_is_not_furniture(headline: str) -> None:
    assert not sel.BOILERPLATE_HEADING.search(headline)


LONG = "The council met on Tuesday evening and talked about the harbour for a very long time. "


def layout_of(markup: str) -> tuple[HtmlElement, Layout]:
    tree = parse_html(f"<html><body>{markup}</body></html>")
    heading = tree.find(".//h1")
    return tree, find_layout(tree, heading)


def test_a_block_marked_as_comments_that_holds_most_of_the_pages_text_is_kept() -> None:
    # A live ticker in a block classed "live-match-comments": the page is about it.
    _, layout = layout_of(
        f'<h1>Lorient hold on</h1><p>{LONG}</p><div class="live-match-comments">'
        + "".join(f"<p>{n}' {LONG}</p>" for n in range(8))
        + "</div>"
    )
    assert layout.boilerplate == []


def test_navigation_menus_are_pruned() -> None:
    tree, layout = layout_of(
        '<nav class="mega"><ul><li><a href="/home">Home</a></li><li><a href="/w">World</a></li>'
        f"</ul></nav><article><h1>Harbour plans</h1><p>{LONG}</p><p>{LONG}</p></article>"
    )
    assert [e.tag for e in layout.boilerplate] == ["nav"]


def test_other_stories_cards_beside_the_titled_article_are_pruned() -> None:
    tree, layout = layout_of(
        f"<article><h1>Harbour plans</h1><p>{LONG}</p><p>{LONG}</p><p>{LONG}</p></article>"
        '<article class="card"><h3>Ferry fares rise again</h3><p>Teaser.</p></article>'
        '<article class="linked"><a href="/fares">Ferry fares rise again this May</a></article>'
        '<article class="box"><p>Fossils are remains of plants or animals.</p></article>'
    )
    # A card of another story has a title of its own; an untitled box is the story's own.
    assert [e.get("class") for e in layout.boilerplate] == ["card", "linked"]
