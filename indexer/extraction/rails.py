"""Page structure around the main article: rails of other articles, and furniture to drop.

News aggregators show one article, then promotions, comments, a "Related Articles" rail holding
other articles in full, and an app-download banner.  General extractors keep much of that rail
as body text.  This module finds, by structure and general signals only (class/id words, heading
wording, nested <article> elements, the amount of text):

- rails: containers labelled related/recommended/more-stories (by class, id or heading) that do
  not hold the page's title heading;
- rail items: the parts of a rail that each carry their own headline; an item with enough text
  is an embedded article, a title-only link list yields nothing;
- stand-alone <article> elements outside the main article that hold a full story;
- boilerplate blocks: comments, promotions, newsletter and app banners, cookie notices, ads.

`find_layout` reports all of it without touching the tree; `Layout.prune()` then removes rails,
embedded articles and boilerplate so that body extraction sees the main article only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree
from lxml.html import HtmlElement

from indexer.extraction import selectors as sel
from indexer.extraction.pagetext import (
    class_and_id,
    clean_text,
    element_text,
    normalised_words,
    word_count,
)

# An item of a rail is a full article when its text is this long (news teasers are shorter)...
EMBEDDED_MIN_WORDS = 30
# ...and, in a rail that holds at least one such article (a rail of full texts, not of teasers),
# a shorter item is a (short) full article too.
EMBEDDED_RAIL_MIN_WORDS = 10
# The first paragraph after the title this long is the main article's lead: never removed.
_LEAD_WORDS = 25
_MAX_HEADLINE_WORDS = 40
# An item whose text is more than this share link text is a list of headlines, not an article.
_MAX_LINKED_SHARE = 0.5
# An <article> outside any rail is a full story (not a teaser card) with this much text, or with
# EMBEDDED_MIN_WORDS over at least two paragraphs.
_LOOSE_ARTICLE_WORDS = 80

# The tags a rail or a boilerplate block can be (iterating these by tag runs in C; testing every
# element's attributes in Python or in an XPath predicate is several times slower).
_CONTAINER_TAGS = (
    "div", "section", "aside", "ul", "ol", "nav", "footer", "header", "article", "p", "form",
    "table", "iframe", "h2", "h3", "h4", "h5", "h6",
)  # fmt: skip
_ITEMTYPED = etree.XPath("//body//*[@itemtype]")
_FOLLOWING_PARAGRAPHS = etree.XPath("following::p")
_ALL_PARAGRAPHS = etree.XPath("//body//p")
# A block holding this share of the page's visible text is the page's content, whatever its
# class or heading says (a live ticker marked "comments", an <article> that is the page).
MAIN_TEXT_SHARE = 0.5


@dataclass
class RailItem:
    """One headed item of a rail: its heading element, title and the elements it spans."""

    heading: HtmlElement
    title: str
    elements: list[HtmlElement]
    paragraphs: list[str]
    linked_chars: int = 0  # how much of the paragraphs' text is link text

    @property
    def words(self) -> int:
        return sum(word_count(p) for p in self.paragraphs)

    @property
    def is_link_list(self) -> bool:
        """True when the item's "paragraphs" are mostly links (a list of other headlines)."""
        return self.linked_chars > _MAX_LINKED_SHARE * sum(len(p) for p in self.paragraphs)

    def descendants(self) -> list[HtmlElement]:
        """Every element of the item, in document order."""
        return [e for root in self.elements for e in root.iter() if isinstance(e.tag, str)]


@dataclass
class Layout:
    """What surrounds the main article on a page."""

    rails: list[list[HtmlElement]] = field(default_factory=list)
    embedded: list[RailItem] = field(default_factory=list)
    boilerplate: list[HtmlElement] = field(default_factory=list)
    # The main article's first long paragraph after its title (never pruned): a body that lacks
    # it probably missed the article.
    lead: HtmlElement | None = None

    def prune(self) -> None:
        """Remove rails, embedded articles and boilerplate blocks from the tree (their tail text
        stays: it belongs to the parent)."""
        removable = [e for rail in self.rails for e in rail]
        removable += [e for item in self.embedded for e in item.elements] + self.boilerplate
        for element in removable:
            parent = element.getparent()
            if parent is not None:
                element.drop_tree()


@dataclass
class _Labels:
    """The page's elements with a class, id or heading tag, in document order, and which of them
    are marked as rails or as boilerplate (worked out once per page)."""

    elements: list[HtmlElement]
    rail: set[HtmlElement]
    boilerplate: set[HtmlElement]


def _read_labels(tree: HtmlElement) -> _Labels:
    elements = [
        e
        for e in tree.iter(_CONTAINER_TAGS)
        if e.tag in sel.HEADING_TAGS or e.get("class") is not None or e.get("id") is not None
    ]
    rail, boilerplate = set(), set()
    for element in elements:
        marker = class_and_id(element)
        if marker:
            is_rail, is_boilerplate = _classify_marker(marker)
            if is_rail and element.tag not in sel.HEADING_TAGS:
                rail.add(element)
            if is_boilerplate:
                boilerplate.add(element)
    return _Labels(elements, rail, boilerplate)


@functools.lru_cache(maxsize=16384)
def _classify_marker(marker: str) -> tuple[bool, bool]:
    # (rail?, boilerplate?) of a class/id string.  Cached: pages repeat the same class strings
    # (every nav item, every card) and sites repeat them across pages.
    return bool(sel.RAIL_MARKER.search(marker)), bool(sel.BOILERPLATE_MARKER.search(marker))


def find_layout(tree: HtmlElement, heading: HtmlElement | None) -> Layout:
    """Rails, embedded articles and boilerplate blocks of a page titled by `heading`."""
    labels = _read_labels(tree)
    protected, lead = _protected(tree, heading, labels)
    layout = Layout(lead=lead)
    body = tree.find("body")
    page_chars = visible_chars(body) if body is not None else 0

    def is_page_content(roots: list[HtmlElement]) -> bool:
        # Whatever a block's class or heading says, one that holds most of the page's text
        # is what the page is about (a live ticker marked "comments", an <article> that is
        # the page's story without its title): never pruned, never another article.
        held = sum(visible_chars(root) for root in roots)
        return page_chars > 0 and held >= MAIN_TEXT_SHARE * page_chars

    # Boilerplate first: a comment form or an ad inside a rail item is not part of its text.
    furniture: set[HtmlElement] = set()
    for block in [*_boilerplate_blocks(tree, labels, protected), *_navigation(tree, protected)]:
        if block in furniture or is_page_content([block]):
            continue
        layout.boilerplate.append(block)
        furniture.update(block.iter())
    taken = set(furniture)
    for rail in _rails(labels, protected):
        if any(e in taken for e in rail):
            continue
        articles = _full_articles(rail_items(rail, furniture))
        # A rail of several full articles may hold more text than the page's own.
        if len(articles) < 2 and is_page_content(rail):
            continue
        layout.rails.append(rail)
        taken.update(e for root in rail for e in root.iter())
        layout.embedded += articles
    # The <article> element that holds the title, when the page marks its story so: other
    # <article> elements outside it are other stories.
    main_article = next(heading.iterancestors("article"), None) if heading is not None else None
    for article in _loose_articles(tree, protected, taken):
        # A large <article> is the page's story without its title, unless it is a list of
        # stories (it holds <article>s of its own) beside the <article> that holds the title.
        other = is_other_story(article, main_article)
        stories = other and next(article.iterdescendants("article"), None) is not None
        if not stories and is_page_content([article]):
            continue
        item = _whole_article(article, furniture)
        if item is not None and _is_full_story(item):
            layout.embedded.append(item)
            taken.update(article.iter())
        elif other:
            layout.boilerplate.append(article)
            taken.update(article.iter())
    return layout


def _navigation(tree: HtmlElement, protected: set[HtmlElement]) -> Iterator[HtmlElement]:
    """<nav> elements (a site's menus), unless they hold the article's title or lead."""
    for nav in tree.iter("nav"):
        if nav not in protected:
            yield nav


# A headline link is at least this long (characters): "More", "Share" are not titles.
_CARD_TITLE_MIN_CHARS = 20
# A story card's own title: a heading, or a link of a headline's length.
_STORY_TITLE = etree.XPath(
    "boolean(.//h1|.//h2|.//h3|.//h4|.//h5|.//h6"
    f"|.//a[@href][string-length(normalize-space(.)) >= {_CARD_TITLE_MIN_CHARS}])"
)


def is_other_story(article: HtmlElement, main_article: HtmlElement | None) -> bool:
    """An <article> element outside the one that holds the page's title, when the page marks
    its own story with <article>, that has a title of its own (a heading or a headline link):
    a teaser card of another story.  Some content systems wrap every block of the page's one
    story in an <article> (a box beside the text, a caption): untitled, those stay."""
    if main_article is None or main_article in article.iterancestors():
        return False
    return bool(_STORY_TITLE(article))


def visible_chars(element: HtmlElement) -> int:
    """About how many characters of visible text an element holds (scripts and styles not
    counted; white space counted: this is a share, not a length to show)."""
    hidden = sum(len(e.text or "") for e in element.iter("script", "style", "noscript"))
    return len(element.text_content()) - hidden


# --- what must stay -------------------------------------------------------------------------------


def _protected(
    tree: HtmlElement, heading: HtmlElement | None, labels: _Labels
) -> tuple[set[HtmlElement], HtmlElement | None]:
    """Elements that contain the main article's heading or lead paragraph (never removed), and
    the lead paragraph."""
    protected: set[HtmlElement] = {tree}
    anchors: list[HtmlElement] = []
    if heading is not None:
        anchors.append(heading)
        protected.update(heading.iterancestors())
    lead = _lead_paragraph(tree, heading, protected, labels)
    if lead is not None:
        anchors.append(lead)
    for anchor in anchors:
        protected.add(anchor)
        protected.update(anchor.iterancestors())
    return protected, lead


def _lead_paragraph(
    tree: HtmlElement, heading: HtmlElement | None, protected: set[HtmlElement], labels: _Labels
) -> HtmlElement | None:
    # The first long paragraph after the heading that is not inside a marked rail or block
    # (a marker on the heading's own container, such as "paywall" or "has-comments", is ignored).
    paragraphs = _ALL_PARAGRAPHS(tree) if heading is None else _FOLLOWING_PARAGRAPHS(heading)
    for element in paragraphs:
        if word_count(element.text_content()) >= _LEAD_WORDS and not any(
            a not in protected and (a in labels.rail or a in labels.boilerplate)
            for a in element.iterancestors()
        ):
            return element
    return None


# --- rails ----------------------------------------------------------------------------------------


def _rails(labels: _Labels, protected: set[HtmlElement]) -> Iterator[list[HtmlElement]]:
    """Rails in document order, each as the list of its top-level elements.

    A rail is the outermost element whose class or id says so, or the block a rail heading
    ("Related Articles") introduces.  Anything that contains the main heading is not a rail.
    """
    inside: set[HtmlElement] = set()
    for element in labels.elements:
        if element in inside or element in protected or element.tag in sel.PAGE_LEVEL_TAGS:
            continue
        rail: list[HtmlElement] | None = None
        if element in labels.rail:
            rail = [element]
        elif element.tag in sel.HEADING_TAGS and sel.RAIL_HEADING.match(_heading_text(element)):
            rail = _block_introduced_by(element, protected)
        if rail:
            for root in rail:
                inside.update(root.iter())
            yield rail


def _heading_text(element: HtmlElement) -> str:
    return re.sub(r"[\s:»›>|]+$", "", re.sub(r"\s*\(\d+\)$", "", element_text(element)))


def _block_introduced_by(heading: HtmlElement, protected: set[HtmlElement]) -> list[HtmlElement]:
    """The container a heading opens: its ancestors while nothing precedes it there; when the
    heading shares its parent with earlier content, the heading and its following siblings up to
    the next heading of the same or a higher level."""
    block = heading
    while True:
        parent = block.getparent()
        if parent is None or parent in protected or parent.tag in sel.PAGE_LEVEL_TAGS:
            break
        if (parent.text or "").strip() or any(
            word_count(element_text(s)) or (s.tail or "").strip()
            for s in block.itersiblings(preceding=True)
        ):
            break
        block = parent
    if block is not heading:
        return [block]
    siblings = [heading]
    level = heading.tag
    for sibling in heading.itersiblings():
        # "h2" <= "h3": a heading of the same or a higher level ends the block.
        if sibling.tag in sel.HEADING_TAGS and sibling.tag <= level:
            break
        if sibling in protected:
            break
        siblings.append(sibling)
    return siblings


# --- rail items -----------------------------------------------------------------------------------


def _is_headline(element: HtmlElement) -> bool:
    if element.tag in sel.HEADING_TAGS:
        return True
    if element.tag not in ("p", "div", "span", "a", "strong") or element.get("class") is None:
        return False
    return bool(sel.HEADLINE_MARKER.search(element.get("class") or "")) and not any(
        child.tag in sel.BLOCK_TAGS for child in element.iterdescendants()
    )


def rail_items(
    rail: list[HtmlElement], furniture: set[HtmlElement] | None = None
) -> list[RailItem]:
    """The headed items of a rail (or of one <article>), in document order.

    Headline elements with the same text (a card often repeats its title) belong to one item
    when they are inside it; an item spans the highest element holding only its own headlines,
    plus the following siblings that hold no headline (a flat "h3, p, p, h3, p" rail).
    """
    headlines = _headlines_by_text(rail)
    if not headlines:
        return []
    owner = {element: key for key, elements in headlines.items() for element in elements}
    # (headline, item top) of each item.  Headlines with one text outside the first one's item
    # are items of their own: a story and its longer version, both titled alike, in one rail.
    tops: list[tuple[HtmlElement, HtmlElement]] = []
    for key, elements in headlines.items():
        while elements:
            top = _item_top(elements[0], key, owner, rail)
            tops.append((elements[0], top))
            elements = [e for e in elements if e is not top and top not in e.iterancestors()]
    if len(tops) > len(headlines):
        position = {e: i for i, e in enumerate(e for root in rail for e in root.iter())}
        tops.sort(key=lambda pair: position[pair[0]])
    top_set = {top for _, top in tops}
    items = []
    roots = set(rail)
    for heading, top in tops:
        elements = [top]
        for sibling in top.itersiblings():
            # A rail root's siblings are outside the rail unless they are rail roots too.
            if sibling in top_set or any(e in owner for e in sibling.iter()):
                break
            if top in roots and sibling not in roots:
                break
            elements.append(sibling)
        title = element_text(heading)
        paragraphs, linked = _item_paragraphs(elements, rail, title, furniture or set())
        items.append(RailItem(heading, title, elements, paragraphs, linked))
    return items


def _headlines_by_text(rail: list[HtmlElement]) -> dict[str, list[HtmlElement]]:
    """The outermost headline elements of a rail with two to forty words, by their words (a rail
    heading such as "Related Articles" is not an item's headline)."""
    headlines: dict[str, list[HtmlElement]] = {}
    for root in rail:
        for element in root.iter():
            if not isinstance(element.tag, str) or not _is_headline(element):
                continue
            text = element_text(element)
            words = word_count(text)
            if (
                words < 2
                or words > _MAX_HEADLINE_WORDS
                or sel.RAIL_HEADING.match(_heading_text(element))
            ):
                continue
            if any(_is_headline(a) for a in element.iterancestors()):
                continue
            headlines.setdefault(normalised_words(text), []).append(element)
    return headlines


def _whole_article(article: HtmlElement, furniture: set[HtmlElement]) -> RailItem | None:
    """An <article> element as one item: its first headline and all its paragraphs (its
    subheadings do not make it several articles)."""
    heading = next((e for e in article.iter() if isinstance(e.tag, str) and _is_headline(e)), None)
    if heading is None:
        return None
    title = element_text(heading)
    if not 2 <= word_count(title) <= _MAX_HEADLINE_WORDS:
        return None
    paragraphs, linked = _item_paragraphs([article], [article], title, furniture)
    return RailItem(heading, title, [article], paragraphs, linked)


def _is_full_story(item: RailItem) -> bool:
    # A teaser card has one short blurb; a story has several paragraphs or a long one.
    if item.is_link_list or item.words < EMBEDDED_MIN_WORDS:
        return False
    return len(item.paragraphs) >= 2 or item.words >= _LOOSE_ARTICLE_WORDS


def _item_top(
    headline: HtmlElement, key: str, owner: dict[HtmlElement, str], rail: list[HtmlElement]
) -> HtmlElement:
    top = headline
    while top not in rail:
        parent = top.getparent()
        if parent is None or any(owner.get(e, key) != key for e in parent.iter()):
            break
        top = parent
    return top


def _item_paragraphs(
    elements: list[HtmlElement], rail: list[HtmlElement], title: str, furniture: set[HtmlElement]
) -> tuple[list[str], int]:
    """The body paragraphs of a rail item (its paragraphs or, without <p>, its text blocks)
    outside headlines, metadata lines, buttons, navigation and boilerplate; and how many of
    their characters are link text."""
    title_key = normalised_words(title)
    paragraphs: list[str] = []
    linked = 0
    blocks = [e for root in elements for e in root.iter("p")]
    if not blocks:
        blocks = [
            e
            for root in elements
            for e in root.iter()
            if e.tag in sel.BLOCK_TAGS
            and e.tag not in sel.HEADING_TAGS
            and not any(c.tag in sel.BLOCK_TAGS for c in e.iterdescendants())
        ]
    # Without <p>s, short blocks are labels ("Russia Today", "Show less"), not paragraphs.
    min_words = 1 if blocks and blocks[0].tag == "p" else 4
    for block in blocks:
        if block in furniture or _is_headline(block) or _excluded(block, rail):
            continue
        text = element_text(block)
        if word_count(text) < min_words or normalised_words(text) == title_key:
            continue
        paragraphs.append(text)
        # A blurb inside a link (a whole card that is one link) counts as link text.
        if any(a.tag == "a" for a in _ancestors_within(block, elements)):
            linked += len(text)
        else:
            linked += sum(len(clean_text(a.text_content())) for a in block.iter("a"))
    return paragraphs, linked


def _ancestors_within(element: HtmlElement, roots: list[HtmlElement]) -> Iterator[HtmlElement]:
    for ancestor in element.iterancestors():
        yield ancestor
        if ancestor in roots:
            return


def _excluded(block: HtmlElement, rail: list[HtmlElement]) -> bool:
    # Inside a headline, a metadata line (source, time, tags, share), or a non-text element.
    for ancestor in block.iterancestors():
        if ancestor in rail:
            return False
        if ancestor.tag in sel.NON_TEXT_TAGS or ancestor.tag in sel.HEADING_TAGS:
            return True
        if _is_headline(ancestor) or sel.META_MARKER.search(class_and_id(ancestor)):
            return True
    return False


def _full_articles(items: list[RailItem]) -> list[RailItem]:
    """The items of one rail that are full articles, not teasers or headline lists."""
    items = [item for item in items if not item.is_link_list]
    if not any(item.words >= EMBEDDED_MIN_WORDS for item in items):
        return []
    return [item for item in items if item.words >= EMBEDDED_RAIL_MIN_WORDS]


# --- stand-alone <article> elements ---------------------------------------------------------------


def _loose_articles(
    tree: HtmlElement, protected: set[HtmlElement], taken: set[HtmlElement]
) -> Iterator[HtmlElement]:
    """<article> elements (and schema.org Article microdata) that are not the main article nor
    contain it: an article nested in the main one, or another story appended after it."""
    typed = [
        e for e in _ITEMTYPED(tree) if re.search(r"schema\.org/\w*Article$", e.get("itemtype", ""))
    ]
    for element in [*tree.iter("article"), *typed]:
        if element in taken or element in protected:
            continue
        taken.update(element.iter())
        yield element


# --- boilerplate ----------------------------------------------------------------------------------


def _is_link_teaser(element: HtmlElement) -> bool:
    # "Read more: <a>Another story</a>": a short paragraph that is mostly one link elsewhere.
    raw = element.text_content()
    if len(raw) > 300 or not sel.LINK_TEASER.match(raw.lstrip()):
        return False
    text = element_text(element)
    linked = sum(len(element_text(a)) for a in element.iter("a"))
    return linked >= 0.5 * len(text)


def _boilerplate_blocks(
    tree: HtmlElement, labels: _Labels, protected: set[HtmlElement]
) -> Iterator[HtmlElement]:
    """Comments, promotions, sign-up and app banners, cookie notices and ad slots: blocks marked
    so by class or id, or introduced by such a heading ("Comments", "Download the app"); and
    "Read more: <link>" paragraphs."""
    inside: set[HtmlElement] = set()
    for element in labels.elements:
        if element in inside or element in protected or element.tag in sel.PAGE_LEVEL_TAGS:
            continue
        block: list[HtmlElement] = []
        if element in labels.boilerplate:
            block = [element]
        elif element.tag in sel.HEADING_TAGS and sel.BOILERPLATE_HEADING.search(
            _heading_text(element)
        ):
            block = _block_introduced_by(element, protected)
        for root in block:
            inside.update(root.iter())
            yield root
    for element in tree.iter("p", "li"):
        if element not in inside and element not in protected and _is_link_teaser(element):
            inside.update(element.iter())
            yield element
