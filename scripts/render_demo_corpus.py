"""Render the shipped demo corpus (``corpus/``) from the Wikinews sample and the owner's seed page.

Two kinds of pages come out:

- ``corpus/wikinews/<slug>.html``: one publisher-style article page per Wikinews record, with the
  metadata a real news site carries (canonical link, OpenGraph, JSON-LD ``NewsArticle``) and the
  CC BY 2.5 credit line ``Source: Wikinews, <url>, CC BY 2.5`` that the licence requires.
- ``corpus/daily8/why-us-and-russia-are-bound-to-cooperate-beyond-earth.html``: the owner's example
  page rebuilt in a news aggregator's layout (article, promo, comments, a "Related Articles" rail
  holding three other full articles, an app banner), with its texts parsed from ``seed-page.txt``.

The output is deterministic: the same inputs always give the same bytes, so the corpus can be
regenerated and diffed.  Every text is escaped with :func:`html.escape`.

Example::

    .venv/bin/python scripts/render_demo_corpus.py \\
        --wikinews /work/shared/data/wikinews-gum/wikinews_gum_43.jsonl.gz \\
        --seed /work/shared/seed/seed-page.txt --out corpus
"""

from __future__ import annotations

import gzip
import html
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote_plus

import click

LICENSE_URL = "https://creativecommons.org/licenses/by/2.5/"
LICENSE_NAME = "CC BY 2.5"
SITE_NAME = "Wikinews"
SITE_URL = "https://en.wikinews.org/"
DAILY8_SLUG = "why-us-and-russia-are-bound-to-cooperate-beyond-earth"
DAILY8_BASE_URL = "https://daily8.example"
# The Daily8 page shows relative dates ("2 days ago"); this is the moment they are relative to.
# It is fixed (not "now") so that the rendered page is the same on every run.  The seed's stories
# (Crew-11 launch, the Politico lunar-reactor memo) date from early August 2025.
DAILY8_GENERATED_AT = datetime(2025, 8, 5, 18, 0, tzinfo=UTC)
RELATED_COUNT = 3
DESCRIPTION_CHARS = 160
KEYWORD_COUNT = 5

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Wikinews opens every story with a dateline ("Tuesday, September 1, 2015"); the GUM excerpts keep
# it at the end of the head block, as a paragraph of its own, or glued to the first paragraph.
DATELINE = re.compile(
    r"(?:%s), (?:%s) \d{1,2}, \d{4}" % ("|".join(WEEKDAYS), "|".join(MONTHS))  # noqa: UP031
)
# Capitalised word runs ("Church of Scientology", "New Zealand") are the keyword candidates.
PROPER_NAME = re.compile(r"\b[A-Z][\w'-]+(?: (?:of |de |the )?[A-Z][\w'-]+)*")
POSSESSIVE = re.compile(r"['’]s$")
SENTENCE_END = frozenset(".!?:;\"“”'‘’([—–-")
KEYWORD_STOPWORDS = frozenset(
    [
        "A",
        "An",
        "And",
        "As",
        "At",
        "But",
        "By",
        "For",
        "From",
        "He",
        "Her",
        "His",
        "However",
        "I",
        "If",
        "In",
        "It",
        "Its",
        "Me",
        "My",
        "No",
        "Not",
        "Of",
        "On",
        "Or",
        "Our",
        "She",
        "So",
        "That",
        "The",
        "Their",
        "There",
        "These",
        "They",
        "This",
        "Those",
        "To",
        "We",
        "What",
        "When",
        "Where",
        "Which",
        "While",
        "Who",
        "Why",
        "Yes",
        "You",
        "Your",
        "Image",
        "Images",
        "File",
        "Wikinews",
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
)


@dataclass(frozen=True)
class Block:
    """One paragraph-level block of a Wikinews record (``type`` is GUM's block type)."""

    type: str
    text: str


@dataclass(frozen=True)
class NewsRecord:
    """One Wikinews article as stored in the GUM sample."""

    id: str
    title: str
    url: str
    date_created: str
    date_modified: str
    genre: str
    blocks: tuple[Block, ...]

    @property
    def section(self) -> str:
        """The human section name for the record's genre ("News", "Interview")."""
        return self.genre.capitalize()


def read_records(path: Path) -> list[NewsRecord]:
    """Read the gzipped JSON-lines sample, sorted by id so the output order never varies."""
    records = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            raw = json.loads(line)
            records.append(
                NewsRecord(
                    id=raw["id"],
                    title=raw["title"],
                    url=raw["url"],
                    date_created=raw["date_created"],
                    date_modified=raw["date_modified"],
                    genre=raw["genre"],
                    blocks=tuple(Block(b["type"], b["text"].strip()) for b in raw["blocks"]),
                )
            )
    return sorted(records, key=lambda record: record.id)


def slugify(text: str, max_length: int = 80) -> str:
    """A lowercase ASCII file-name slug, cut at a word boundary."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug


def assign_slugs(records: Sequence[NewsRecord]) -> dict[str, str]:
    """Record id -> unique slug (a numeric suffix only if two titles collide)."""
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for record in records:
        base = slugify(record.title)
        slug, number = base, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        taken.add(slug)
        slugs[record.id] = slug
    return slugs


def body_blocks(record: NewsRecord) -> list[Block]:
    """The record's blocks without the title block and without the dateline.

    The first ``head`` block repeats the title (plus the dateline), which the page already shows
    as ``<h1>`` and ``<time>``; a dateline on its own is dropped and one glued to the start of the
    first paragraph is cut off.  Later ``head`` blocks are section headings and stay.
    """
    blocks = list(record.blocks)
    if blocks and blocks[0].type == "head":
        blocks = blocks[1:]
    cleaned: list[Block] = []
    for position, block in enumerate(blocks):
        text = block.text
        if position < 3:
            match = DATELINE.match(text)
            if match:
                text = text[match.end() :].strip()
        if text:
            cleaned.append(Block(block.type, text))
    return cleaned


def description_of(blocks: Sequence[Block]) -> str:
    """The first paragraph, trimmed at a word boundary to about 160 characters."""
    fallback = blocks[0].text if blocks else ""
    first = next((b.text for b in blocks if b.type in ("p", "sp")), fallback)
    if len(first) <= DESCRIPTION_CHARS:
        return first
    return first[:DESCRIPTION_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def keywords_of(record: NewsRecord, blocks: Sequence[Block]) -> list[str]:
    """A few tag-like keywords: the section, then the names the article mentions most often.

    The sample carries no tags, and a real publisher page has some; names that recur in the text
    ("Church of Scientology", "NASA") are what an editor would pick.
    """
    counts: Counter[str] = Counter()
    for block in blocks:
        if block.type in ("figure", "caption", "lg"):
            # Image credits ("Image: Nick Moreau") are not what the story is about, and verse
            # capitalises every line.
            continue
        for match in PROPER_NAME.finditer(block.text):
            before = block.text[: match.start()].rstrip()
            if not before or before[-1] in SENTENCE_END:
                continue  # a sentence's first word is capitalised whatever it is
            words = [w for w in match.group().split() if w not in KEYWORD_STOPWORDS]
            name = POSSESSIVE.sub("", " ".join(words)).strip(" '-")
            if len(name) > 2 and name not in KEYWORD_STOPWORDS:
                counts[name] += 1
    ranked = sorted((name for name, n in counts.items() if n >= 2), key=lambda n: (-counts[n], n))
    return [record.section, *ranked[:KEYWORD_COUNT]]


def pick_related(
    records: Sequence[NewsRecord], keywords: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Record id -> the ids of three other records sharing the most keywords (ties: by id)."""
    related: dict[str, list[str]] = {}
    for record in records:
        mine = set(keywords[record.id])
        others = [other for other in records if other.id != record.id]
        others.sort(
            key=lambda other: (
                -len(mine & set(keywords[other.id])),
                other.genre != record.genre,
                other.id,
            )
        )
        related[record.id] = [other.id for other in others[:RELATED_COUNT]]
    return related


def esc(text: str) -> str:
    """Escape text for HTML content and double-quoted attribute values."""
    return html.escape(text, quote=True)


def json_ld(data: object) -> str:
    """JSON for a ``<script type="application/ld+json">`` element (no ``</`` can end it early)."""
    return json.dumps(data, ensure_ascii=False, indent=2).replace("</", "<\\/")


def long_date(iso_day: str) -> str:
    """``2015-09-01`` -> ``Tuesday, September 1, 2015`` (independent of the process locale)."""
    day = date.fromisoformat(iso_day)
    return f"{WEEKDAYS[day.weekday()]}, {MONTHS[day.month - 1]} {day.day}, {day.year}"


def render_body(blocks: Sequence[Block]) -> Iterator[str]:
    """HTML lines for the article body: paragraphs, quotes, lists, figures, poems, headings."""
    index = 0
    while index < len(blocks):
        block = blocks[index]
        if block.type in ("list", "item"):
            # GUM marks a list's first item "list" and the rest "item": one <ul> per run.
            yield '<ul class="article__list">'
            while index < len(blocks) and blocks[index].type in ("list", "item"):
                yield f"  <li>{esc(blocks[index].text)}</li>"
                index += 1
            yield "</ul>"
            continue
        if block.type == "lg":
            # Verse lines, optionally followed by their caption (the poem's credit).
            yield '<figure class="article__poem">'
            yield "  <blockquote>"
            while index < len(blocks) and blocks[index].type == "lg":
                yield f"    <p>{esc(blocks[index].text)}</p>"
                index += 1
            yield "  </blockquote>"
            if index < len(blocks) and blocks[index].type == "caption":
                yield f"  <figcaption>{esc(blocks[index].text)}</figcaption>"
                index += 1
            yield "</figure>"
            continue
        if block.type == "head":
            yield f'<h2 class="article__subhead">{esc(block.text)}</h2>'
        elif block.type == "quote":
            yield f'<blockquote class="article__quote"><p>{esc(block.text)}</p></blockquote>'
        elif block.type in ("figure", "caption"):
            # The sample keeps captions but not the images: a placeholder frame stands in.
            yield '<figure class="article__figure">'
            yield '  <div class="article__figure-frame" aria-hidden="true"></div>'
            yield f"  <figcaption>{esc(block.text)}</figcaption>"
            yield "</figure>"
        elif block.type == "sp":
            yield f'<p class="article__turn">{esc(block.text)}</p>'
        else:  # p, incident and anything new: plain paragraphs
            yield f"<p>{esc(block.text)}</p>"
        index += 1


WIKINEWS_NAV = (
    ("/wiki/Main_Page", "Main page"),
    ("/wiki/Category:Politics_and_conflicts", "Politics"),
    ("/wiki/Category:Science_and_technology", "Science"),
    ("/wiki/Category:Sports", "Sports"),
    ("/wiki/Category:Interviews", "Interviews"),
    ("/wiki/Special:NewsFeed", "Latest news"),
)
WIKINEWS_STYLE = """\
    .skip-link{position:absolute;left:-999px}.skip-link:focus{left:8px;top:8px}
    .layout{display:grid;grid-template-columns:minmax(0,1fr) 18rem;gap:2rem;max-width:72rem}
    .article__figure-frame{aspect-ratio:4/3;background:#eaecf0}
    @media (max-width:48rem){.layout{grid-template-columns:1fr}}"""


def render_wikinews_page(
    record: NewsRecord,
    blocks: Sequence[Block],
    keywords: Sequence[str],
    related: Sequence[tuple[str, str]],
) -> str:
    """One Wikinews article as a complete publisher page; ``related`` is (href, title) pairs."""
    description = description_of(blocks)
    published, modified = record.date_created, record.date_modified
    structured = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": record.url},
        "headline": record.title,
        "description": description,
        "datePublished": published,
        "dateModified": modified,
        "author": {"@type": "Organization", "name": SITE_NAME, "url": SITE_URL},
        "publisher": {"@type": "Organization", "name": SITE_NAME, "url": SITE_URL},
        "license": LICENSE_URL,
        "inLanguage": "en",
        "articleSection": record.section,
        "keywords": list(keywords),
        "url": record.url,
    }
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en" dir="ltr">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(record.title)} - {SITE_NAME}</title>",
        f'<link rel="canonical" href="{esc(record.url)}">',
        f'<link rel="license" href="{LICENSE_URL}">',
        f'<meta name="description" content="{esc(description)}">',
        f'<meta property="og:title" content="{esc(record.title)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:url" content="{esc(record.url)}">',
        f'<meta property="og:site_name" content="{SITE_NAME}">',
        f'<meta property="og:description" content="{esc(description)}">',
        '<meta property="og:locale" content="en_US">',
        f'<meta property="article:published_time" content="{esc(published)}">',
        f'<meta property="article:modified_time" content="{esc(modified)}">',
        f'<meta property="article:section" content="{esc(record.section)}">',
        *(f'<meta property="article:tag" content="{esc(tag)}">' for tag in keywords),
        '<meta name="twitter:card" content="summary">',
        '<link rel="stylesheet" href="/static/css/wikinews.min.css?v=20240611">',
        "<style>",
        WIKINEWS_STYLE,
        "</style>",
        '<script type="application/ld+json">',
        json_ld(structured),
        "</script>",
        "<script>window.RLQ=window.RLQ||[];window.RLQ.push(function(){"
        "document.documentElement.className+=' client-js';});</script>",
        "</head>",
        f'<body class="page-article section-{esc(record.genre)}">',
        '<a class="skip-link" href="#content">Skip to content</a>',
        '<header class="site-header" role="banner">',
        '  <div class="site-header__inner">',
        '    <a class="site-logo" href="/wiki/Main_Page" title="Visit the main page">'
        f'<span class="site-logo__name">{SITE_NAME}</span> '
        '<span class="site-logo__tagline">The free news source you can write!</span></a>',
        '    <form class="site-search" role="search" action="/w/index.php" method="get">',
        '      <label class="visually-hidden" for="site-search-input">Search Wikinews</label>',
        '      <input id="site-search-input" name="search" type="search"'
        ' placeholder="Search Wikinews" autocomplete="off">',
        "    </form>",
        "  </div>",
        '  <nav class="site-nav" aria-label="Sections">',
        "    <ul>",
        *(f'      <li><a href="{href}">{label}</a></li>' for href, label in WIKINEWS_NAV),
        "    </ul>",
        "  </nav>",
        "</header>",
        '<div class="layout">',
        '<main id="content" class="layout__main">',
        f'<article class="article" id="{esc(record.id)}">',
        '  <header class="article__header">',
        f'    <p class="article__kicker"><a href="/wiki/Category:{esc(record.section)}">'
        f"{esc(record.section)}</a></p>",
        f'    <h1 class="article__title">{esc(record.title)}</h1>',
        f'    <p class="article__byline">By <span class="article__author">{SITE_NAME}</span>'
        f' · <time class="article__published" datetime="{esc(published)}">'
        f"{long_date(published)}</time>"
        f' · <span class="article__updated">Updated <time datetime="{esc(modified)}">'
        f"{long_date(modified)}</time></span></p>",
        "  </header>",
        '  <div class="article__body">',
        *(f"    {line}" for line in render_body(blocks)),
        "  </div>",
        '  <footer class="article__footer">',
        f'    <p class="article__credit">Source: {SITE_NAME}, <a href="{esc(record.url)}">'
        f'{esc(record.url)}</a>, <a rel="license" href="{LICENSE_URL}">{LICENSE_NAME}</a></p>',
        '    <ul class="article__tags">',
        *(
            f'      <li><a href="/wiki/Special:Search?search={esc(quote_plus(tag))}" rel="tag">'
            f"{esc(tag)}</a></li>"
            for tag in keywords
        ),
        "    </ul>",
        "  </footer>",
        "</article>",
        "</main>",
        '<aside class="layout__sidebar" aria-labelledby="related-heading">',
        '  <section class="related-news">',
        '    <h2 id="related-heading">Related news</h2>',
        "    <ul>",
        *(f'      <li><a href="{esc(href)}">{esc(title)}</a></li>' for href, title in related),
        "    </ul>",
        "  </section>",
        "</aside>",
        "</div>",
        '<footer class="site-footer" role="contentinfo">',
        "  <p>Text is available under the Creative Commons Attribution 2.5 License;"
        " additional terms may apply.</p>",
        '  <ul class="site-footer__links">',
        '    <li><a href="/wiki/Wikinews:About">About Wikinews</a></li>',
        '    <li><a href="/wiki/Wikinews:Privacy_policy">Privacy policy</a></li>',
        '    <li><a href="/wiki/Wikinews:General_disclaimer">Disclaimers</a></li>',
        "  </ul>",
        "</footer>",
        '<script src="/static/js/site.min.js?v=20240611" defer></script>',
        "</body>",
        "</html>",
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class RailItem:
    """One article of the seed page's "Related Articles" rail."""

    title: str
    source: str
    when: str
    body: str


@dataclass(frozen=True)
class SeedPage:
    """The texts of the owner's example page, in page order."""

    logo_alt: str
    title: str
    source: str
    when: str
    paragraphs: tuple[str, ...]
    promo_image_alt: str
    promo_title: str
    promo_text: str
    comments_title: str
    comments_empty: str
    related_title: str
    related: tuple[RailItem, ...]
    banner_eyebrow: str
    banner_title: str
    banner_text: str
    store_alts: tuple[str, str]


RELATIVE_WHEN = re.compile(r"(?:\d+|an?) (?:minute|hour|day|week|month|year)s? ago$")
# The seed is visible text: an icon's alt text sits glued to the text after it ("time16 minutes
# ago"), and a paragraph followed by a differently styled one loses the line break between them
# ("common ground.This article was first published ...").
ICON_PREFIX = "time"
GLUED_PARAGRAPHS = re.compile(r"(?<=[a-z]\.)(?=[A-Z][a-z])")
STORE_ALTS = ("app-store", "play-store")


def parse_seed(text: str) -> SeedPage:
    """Split the seed page's visible text into its parts (the texts are never retyped here)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    logo_alt, title = lines[0], lines[1]
    if lines[2] != title:
        raise ValueError(f"seed: expected the title twice, got {lines[1]!r} / {lines[2]!r}")
    meta = RELATIVE_WHEN.search(lines[3])
    if meta is None:
        raise ValueError(f"seed: no relative date in {lines[3]!r}")
    source, when = lines[3][: meta.start()], meta.group()
    promo_at = lines.index("Try Our AI Features") - 1
    paragraphs: list[str] = []
    for line in lines[4:promo_at]:
        paragraphs.extend(part.strip() for part in GLUED_PARAGRAPHS.split(line))
    comments_at = lines.index("Comments")
    related_at = lines.index("Related Articles")
    time_lines = [
        i
        for i, line in enumerate(lines)
        if line.startswith(ICON_PREFIX) and RELATIVE_WHEN.fullmatch(line[len(ICON_PREFIX) :])
    ]
    related = []
    for i in time_lines:
        item_title, repeated, item_source = lines[i - 3], lines[i - 2], lines[i - 1]
        bullet, heading, body = lines[i + 1], lines[i + 2], lines[i + 3]
        if not (item_title == repeated == heading and bullet.endswith(item_source)):
            raise ValueError(f"seed: unexpected related-article layout near {item_title!r}")
        related.append(RailItem(item_title, item_source, lines[i][len(ICON_PREFIX) :], body))
    banner_at = time_lines[-1] + 4
    stores = lines[banner_at + 3]
    if stores != "".join(STORE_ALTS):
        raise ValueError(f"seed: unexpected app-store line {stores!r}")
    return SeedPage(
        logo_alt=logo_alt,
        title=title,
        source=source,
        when=when,
        paragraphs=tuple(paragraphs),
        promo_image_alt=lines[promo_at],
        promo_title=lines[promo_at + 1],
        promo_text=lines[promo_at + 2],
        comments_title=lines[comments_at],
        comments_empty=lines[comments_at + 1],
        related_title=lines[related_at],
        related=tuple(related),
        banner_eyebrow=lines[banner_at],
        banner_title=lines[banner_at + 1],
        banner_text=lines[banner_at + 2],
        store_alts=STORE_ALTS,
    )


def resolve_relative(when: str, reference: datetime) -> datetime:
    """``"16 minutes ago"`` -> the moment it names, counted back from ``reference``."""
    amount_text, unit = when.split()[:2]
    amount = 1 if amount_text in ("a", "an") else int(amount_text)
    unit = unit.rstrip("s")
    days_per_unit = {"week": 7, "month": 30, "year": 365}
    if unit in days_per_unit:
        return reference - timedelta(days=amount * days_per_unit[unit])
    return reference - timedelta(**{f"{unit}s": amount})


ICON_SVG = (
    '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">'
    '<path d="{path}" fill="currentColor"/></svg>'
)
DAILY8_NAV = (
    ("/", "Home", "M3 11l9-8 9 8v10h-6v-6H9v6H3z"),
    ("/explore", "Explore", "M12 2a10 10 0 100 20 10 10 0 000-20zm4 6l-2 6-6 2 2-6z"),
    ("/search", "Search", "M10 2a8 8 0 015.3 14l5.4 5.3-1.4 1.4-5.3-5.4A8 8 0 1110 2z"),
    ("/ai", "Daily8 AI", "M12 2l2.5 7.5L22 12l-7.5 2.5L12 22l-2.5-7.5L2 12l7.5-2.5z"),
    ("/account", "Account", "M12 12a5 5 0 100-10 5 5 0 000 10zm-9 10a9 9 0 0118 0z"),
)
SHARE_BUTTONS = (
    ("Share on X", "M4 4l16 16M20 4L4 20"),
    ("Share on Facebook", "M14 8h3V4h-3a4 4 0 00-4 4v2H8v4h2v8h4v-8h3l1-4h-4V8z"),
    ("Copy link", "M10 14a5 5 0 007 0l3-3a5 5 0 00-7-7l-1 1M14 10a5 5 0 00-7 0l-3 3a5 5 0 007 7"),
)
PROMO_CHIPS = (
    ("Summarize this article", "M4 6h16M4 12h10M4 18h7"),
    ("Ask Daily8 AI", "M4 4h16v12H8l-4 4z"),
    ("Translate", "M3 5h12M9 3v2m-4 0c1 4 4 7 8 9m-2-9c-1 4-4 7-8 9M13 21l4-9 4 9"),
)
DAILY8_STYLE = """\
    :root{--d8-orange:#ff6a13;--d8-ink:#111827}
    body{margin:0;font-family:Inter,system-ui,sans-serif;color:var(--d8-ink)}
    .article-grid{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,1fr);gap:32px}
    .ai-promo{position:relative;border-radius:16px;overflow:hidden}
    .app-banner{position:sticky;bottom:0;background:var(--d8-orange);color:#fff}
    @media (max-width:768px){.article-grid{grid-template-columns:1fr}}"""


def icon(path: str) -> str:
    """An inline SVG icon (decorative: hidden from assistive technology)."""
    return ICON_SVG.format(path=path)


def iso(moment: datetime) -> str:
    """An ISO 8601 timestamp with an explicit offset."""
    return moment.isoformat()


def render_rail_item(item: RailItem, number: int, reference: datetime) -> Iterator[str]:
    """One related-rail card: title (twice, as the seed shows it), source, time and full text."""
    slug = slugify(item.title)
    published = resolve_relative(item.when, reference)
    yield f'<article class="related-item" data-position="{number}" data-slug="{esc(slug)}">'
    yield f'  <a class="related-item__card" href="/article/{esc(slug)}">'
    yield f'    <h3 class="related-item__headline">{esc(item.title)}</h3>'
    yield (
        '    <p class="related-item__headline related-item__headline--compact">'
        f"{esc(item.title)}</p>"
    )
    yield "  </a>"
    yield '  <div class="related-item__meta">'
    yield f'    <span class="related-item__source">{esc(item.source)}</span>'
    yield (
        '    <span class="related-item__time"><img src="/_next/static/media/clock.svg"'
        f' alt="{ICON_PREFIX}" width="12" height="12"><time datetime="{iso(published)}">'
        f"{esc(item.when)}</time></span>"
    )
    yield "  </div>"
    yield '  <div class="related-item__expanded" data-state="open">'
    yield f'    <ul class="related-item__tags"><li>{esc(item.source)}</li></ul>'
    yield f'    <h4 class="related-item__expanded-title">{esc(item.title)}</h4>'
    yield f'    <div class="related-item__body"><p>{esc(item.body)}</p></div>'
    yield "  </div>"
    yield "</article>"


def render_daily8_page(seed: SeedPage, generated_at: datetime) -> str:
    """The owner's example page in a news aggregator's layout."""
    published = generated_at - timedelta(days=2)
    if resolve_relative(seed.when, generated_at) != published:
        raise ValueError(f"seed: the main article is {seed.when!r}, expected '2 days ago'")
    canonical = f"{DAILY8_BASE_URL}/article/{DAILY8_SLUG}"
    description = description_of([Block("p", seed.paragraphs[0])])
    body_paragraphs = seed.paragraphs[:-1]
    credit_note = seed.paragraphs[-1]
    next_data = {
        "props": {"pageProps": {"slug": DAILY8_SLUG, "locale": "en", "source": seed.source}},
        "page": "/article/[slug]",
        "query": {"slug": DAILY8_SLUG},
        "buildId": "d8-web-2025.08.1",
    }
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en" class="theme-light">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">',
        f"<title>{esc(seed.title)} | Daily8</title>",
        f'<meta name="description" content="{esc(description)}">',
        f'<meta name="generated" content="{iso(generated_at)}">',
        f'<link rel="canonical" href="{canonical}">',
        f'<meta property="og:title" content="{esc(seed.title)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:url" content="{canonical}">',
        '<meta property="og:site_name" content="Daily8">',
        '<meta name="theme-color" content="#ff6a13">',
        '<link rel="icon" href="/favicon.ico" sizes="any">',
        '<link rel="preload" href="/_next/static/media/inter-latin.woff2" as="font"'
        ' type="font/woff2" crossorigin="anonymous">',
        '<link rel="stylesheet" href="/_next/static/css/5f2c1b7e9a0d.css" data-precedence="next">',
        "<style>",
        DAILY8_STYLE,
        "</style>",
        "<script>(function(w,d){w.dataLayer=w.dataLayer||[];w.dataLayer.push({event:'pageview',"
        "section:'article'});d.documentElement.dataset.js='1';})(window,document);</script>",
        '<script src="/_next/static/chunks/webpack-3b1f0e2a.js" async></script>',
        "</head>",
        '<body class="page page--article">',
        '<div id="__next">',
        '<header class="topbar" role="banner">',
        '  <a class="topbar__logo" href="/"><img src="/_next/static/media/daily8-logo.svg"'
        f' alt="{esc(seed.logo_alt)}" width="112" height="28"></a>',
        '  <nav class="topbar__nav" aria-label="Main">',
        "    <ul>",
        *(
            f'      <li><a href="{href}" aria-label="{label}">{icon(path)}</a></li>'
            for href, label, path in DAILY8_NAV
        ),
        "    </ul>",
        "  </nav>",
        "</header>",
        '<main class="main-container" id="main">',
        '<div class="article-grid">',
        f'<article class="article-detail" id="article-{DAILY8_SLUG}">',
        '  <header class="article-detail__header">',
        f'    <h1 class="article-detail__title">{esc(seed.title)}</h1>',
        '    <div class="share-box">',
        f'      <p class="share-box__title">{esc(seed.title)}</p>',
        '      <div class="share-box__buttons">',
        *(
            f'        <button type="button" class="share-box__button" aria-label="{label}">'
            f"{icon(path)}</button>"
            for label, path in SHARE_BUTTONS
        ),
        "      </div>",
        "    </div>",
        '    <div class="article-detail__meta">'
        f'<span class="article-detail__source">{esc(seed.source)}</span>'
        f'<time class="article-detail__time" datetime="{iso(published)}">{esc(seed.when)}</time>'
        "</div>",
        "  </header>",
        '  <div class="article-detail__content">',
        *(f"    <p>{esc(paragraph)}</p>" for paragraph in body_paragraphs),
        f'    <p class="article-detail__note"><em>{esc(credit_note)}</em></p>',
        "  </div>",
        '  <section class="ai-promo" aria-labelledby="ai-promo-title">',
        '    <img class="ai-promo__bg" src="/_next/static/media/orange-background.webp"'
        f' alt="{esc(seed.promo_image_alt)}" width="640" height="180" loading="lazy">',
        '    <div class="ai-promo__inner">',
        f'      <h2 id="ai-promo-title" class="ai-promo__title">{esc(seed.promo_title)}</h2>',
        f'      <p class="ai-promo__text">{esc(seed.promo_text)}</p>',
        '      <div class="ai-promo__chips">',
        *(
            f'        <button type="button" class="chip" aria-label="{label}">{icon(path)}</button>'
            for label, path in PROMO_CHIPS
        ),
        "      </div>",
        "    </div>",
        "  </section>",
        '  <section class="comments" id="comments" aria-labelledby="comments-title">',
        f'    <h2 id="comments-title" class="comments__title">{esc(seed.comments_title)}</h2>',
        '    <div class="comments__list" data-count="0">',
        f'      <p class="comments__empty">{esc(seed.comments_empty)}</p>',
        "    </div>",
        "  </section>",
        "</article>",
        '<aside class="related" aria-labelledby="related-title">',
        f'  <h2 id="related-title" class="related__title">{esc(seed.related_title)}</h2>',
    ]
    for number, item in enumerate(seed.related, start=1):
        lines.extend(f"  {line}" for line in render_rail_item(item, number, generated_at))
    lines += [
        "</aside>",
        "</div>",
        "</main>",
        '<section class="app-banner" id="app-download" aria-labelledby="app-banner-title">',
        f'  <p class="app-banner__eyebrow">{esc(seed.banner_eyebrow)}</p>',
        f'  <h2 id="app-banner-title" class="app-banner__title">{esc(seed.banner_title)}</h2>',
        f'  <p class="app-banner__text">{esc(seed.banner_text)}</p>',
        '  <div class="app-banner__stores">',
        '    <a href="https://apps.apple.com/app/daily8" rel="noopener">'
        f'<img src="/_next/static/media/app-store.svg" alt="{seed.store_alts[0]}"'
        ' width="120" height="40"></a>',
        '    <a href="https://play.google.com/store/apps/details?id=example.daily8" rel="noopener">'
        f'<img src="/_next/static/media/play-store.svg" alt="{seed.store_alts[1]}"'
        ' width="135" height="40"></a>',
        "  </div>",
        "</section>",
        "</div>",
        '<script id="__NEXT_DATA__" type="application/json">'
        f"{json.dumps(next_data, separators=(',', ':'))}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(lines) + "\n"


def render_readme(records: Sequence[NewsRecord], slugs: dict[str, str], command: str) -> str:
    """``corpus/README.md``: what the corpus is, how it was made, and the credits."""
    by_day = sorted(records, key=lambda record: (record.date_created, record.id))
    lines = [
        "# The artsearch demo corpus",
        "",
        "A small folder of news article pages that artsearch ships so that it has something to",
        "index out of the box (`artsearch index corpus/`). It holds:",
        "",
        f"- `wikinews/`: {len(records)} real Wikinews articles "
        f"({by_day[0].date_created[:4]}–{by_day[-1].date_created[:4]}), each rendered as a",
        "  publisher-style article page: `<title>`, canonical link, meta description, OpenGraph",
        "  and `article:*` tags, a JSON-LD `NewsArticle`, a byline with `<time>`, the body, a",
        '  "Related news" sidebar and a site header, navigation and footer.',
        "- `daily8/`: one page in the layout of a news aggregator (the owner's example page):",
        "  the article, page furniture (an AI promo box, a comments block, an app banner) and a",
        '  "Related Articles" rail holding three other articles in full. Its dates are relative',
        '  ("2 days ago"); `<meta name="generated">` records the moment they are relative to.',
        "",
        "## How it was rendered",
        "",
        "The pages are generated, not hand-edited. To regenerate them (same inputs, same bytes):",
        "",
        "```sh",
        command,
        "```",
        "",
        "The Wikinews text comes from the Wikinews documents excerpted in the GUM corpus",
        "(UniversalDependencies/UD_English-GUM, commit afb41ee9bca57991125814fa04d96a0e61470c8b):",
        "only the article text and its title, URL, dates and genre were kept. GUM keeps excerpts",
        "of about 600–1,000 words, so some pages are shorter than the original story. Images were",
        "not kept: figures show their captions (with the image credits) over an empty frame.",
        "Keywords are derived from the names each article mentions most often.",
        "",
        "## Credits and licences",
        "",
        "The Wikinews articles are licensed under the Creative Commons Attribution 2.5 licence",
        f"({LICENSE_URL}). Every page carries the credit line",
        "`Source: Wikinews, <article URL>, CC BY 2.5`. The articles, by publication date:",
        "",
    ]
    for record in by_day:
        lines.append(
            f"- {record.date_created}: [{record.title}]({record.url}) "
            f"(`wikinews/{slugs[record.id]}.html`)"
        )
    lines += [
        "",
        f"The text of `daily8/{DAILY8_SLUG}.html` (the article, its related articles and the page",
        "furniture) is the project owner's example page, reproduced as the owner supplied it; the",
        "markup around it is ours. Daily8, its URLs and the relative dates are illustrative.",
        "",
    ]
    return "\n".join(lines)


def write_if_changed(path: Path, text: str) -> bool:
    """Write UTF-8 text (LF line ends); return whether the file's bytes changed."""
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def render_corpus(
    wikinews: Path, seed: Path, out: Path, command: str
) -> Iterable[tuple[Path, bool]]:
    """Render every page and the README; yields (path, changed) for each file written."""
    records = read_records(wikinews)
    slugs = assign_slugs(records)
    blocks = {record.id: body_blocks(record) for record in records}
    keywords = {record.id: keywords_of(record, blocks[record.id]) for record in records}
    related = pick_related(records, keywords)
    titles = {record.id: record.title for record in records}
    for record in records:
        links = [(f"{slugs[other]}.html", titles[other]) for other in related[record.id]]
        page = render_wikinews_page(record, blocks[record.id], keywords[record.id], links)
        path = out / "wikinews" / f"{slugs[record.id]}.html"
        yield path, write_if_changed(path, page)
    seed_page = parse_seed(seed.read_text(encoding="utf-8"))
    path = out / "daily8" / f"{DAILY8_SLUG}.html"
    yield path, write_if_changed(path, render_daily8_page(seed_page, DAILY8_GENERATED_AT))
    path = out / "README.md"
    yield path, write_if_changed(path, render_readme(records, slugs, command))


@click.command()
@click.option(
    "--wikinews",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The Wikinews sample (gzipped JSON lines).",
)
@click.option(
    "--seed",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The owner's example page as visible text (seed-page.txt).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("corpus"),
    show_default=True,
    help="The corpus folder to write.",
)
def main(wikinews: Path, seed: Path, out: Path) -> None:
    """Render the demo corpus pages and corpus/README.md.

    Example: render_demo_corpus.py --wikinews wikinews_gum_43.jsonl.gz --seed seed-page.txt
    """
    command = (
        ".venv/bin/python scripts/render_demo_corpus.py"
        f" --wikinews {wikinews} --seed {seed} --out {out}"
    )
    results = list(render_corpus(wikinews, seed, out, command))
    changed = sum(was_changed for _, was_changed in results)
    written = len(results)
    click.echo(f"rendered {written} files into {out} ({changed} changed)")


if __name__ == "__main__":
    main()
