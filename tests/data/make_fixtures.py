"""Write the HTML test fixtures under ``tests/data/`` (run once; the output is committed).

The tests never run this script: they read the files it wrote.  It exists so that the fixtures can
be regenerated and reviewed, and it is deterministic (same input, same bytes).

- ``pages/``: one small page per extraction case, most with a ``<name>.expected.json`` sidecar
  stating what the page says (title, authors, dates, body paragraphs, strings that are not body).
- ``corpus/``: a small corpus for the indexer, search, web and CLI tests, with ``EXPECTED.md``.

The article texts are real Wikinews articles (CC BY 2.5, credited in ``tests/data/README.md``);
the outlets, authors, URLs (``.example`` domains) and times of day are invented.

Example::

    .venv/bin/python tests/data/make_fixtures.py \\
        --wikinews /work/shared/data/wikinews-gum/wikinews_gum_43.jsonl.gz
"""

from __future__ import annotations

import gzip
import html
import json
import random
import re
import shutil
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

HERE = Path(__file__).resolve().parent
LICENSE_URL = "https://creativecommons.org/licenses/by/2.5/"
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DATELINE = re.compile(
    r"(?:%s), (?:%s) \d{1,2}, \d{4}" % ("|".join(WEEKDAYS), "|".join(MONTHS))  # noqa: UP031
)
# Block types that are running text (GUM's "sp" is an interview speaker turn, "list"/"item" list
# entries).  Figures, captions, headings and verse are left out of the plain layouts.
PARAGRAPH_TYPES = frozenset({"p", "sp", "quote", "incident", "list", "item"})
NESTING_DEPTH = 5000
MAX_FIXTURE_BYTES = 60_000

# The owner's aggregator layout (Daily8): its page furniture, which is never article text.
AGGREGATOR_FURNITURE = {
    "promo_image_alt": "Orange background",
    "promo_title": "Try Our AI Features",
    "promo_text": "Explore what Daily8 AI can do for you:",
    "comments_title": "Comments",
    "comments_empty": "No comments yet...",
    "related_title": "Related Articles",
    "banner_eyebrow": "DOWNLOAD THE APP",
    "banner_title": "Get Started Now: Download the App",
    "banner_text": (
        "Ready to dive into a world of global content with local flavor? Download Daily8 app "
        "today from your preferred app store and start exploring."
    ),
}
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SVG = '"><svg onload=alert(1)>'
LIVE_SCRIPT_MARKER = "live-script-must-not-be-extracted"


# --------------------------------------------------------------------------------------- stories


@dataclass(frozen=True)
class Block:
    """A paragraph-level block of a Wikinews record (GUM block type and text)."""

    type: str
    text: str


@dataclass(frozen=True)
class Story:
    """A Wikinews article's text, without its title block and dateline."""

    id: str
    title: str
    url: str
    day: str
    blocks: tuple[Block, ...]

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """The running-text paragraphs (what a plain layout renders as ``<p>``)."""
        return tuple(b.text for b in self.blocks if b.type in PARAGRAPH_TYPES)

    @property
    def credit(self) -> str:
        """The CC BY 2.5 credit line the licence asks for."""
        return f"Source: Wikinews, {self.url}, CC BY 2.5"

    def first(self, count: int) -> Story:
        """The same story keeping only its first ``count`` paragraphs (for the tiny fixtures)."""
        kept: list[Block] = []
        for block in self.blocks:
            if block.type in PARAGRAPH_TYPES:
                if count == 0:
                    break
                count -= 1
                kept.append(block)
        return replace(self, blocks=tuple(kept))


def read_stories(path: Path) -> dict[str, Story]:
    """Record id -> Story, from the gzipped JSON-lines Wikinews sample."""
    stories = {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            raw = json.loads(line)
            blocks = [Block(b["type"], b["text"].strip()) for b in raw["blocks"]]
            if blocks and blocks[0].type == "head":
                blocks = blocks[1:]  # the title again, plus the dateline
            cleaned = []
            for position, block in enumerate(blocks):
                text = block.text
                if position < 3 and (match := DATELINE.match(text)):
                    text = text[match.end() :].strip()
                if text:
                    cleaned.append(Block(block.type, text))
            stories[raw["id"]] = Story(
                raw["id"], raw["title"], raw["url"], raw["date_created"], tuple(cleaned)
            )
    return stories


def typographic_quotes(text: str) -> str:
    """Straight quotes -> curly ones, as a legacy Windows CMS would have stored them."""
    text = re.sub(r'(^|[\s(\[—–-])"', "\\1\u201c", text)
    text = text.replace('"', "\u201d")
    text = re.sub(r"(^|[\s(\[—–-])'", "\\1\u2018", text)
    return text.replace("'", "\u2019")


# ----------------------------------------------------------------------------------- page parts


@dataclass(frozen=True)
class PageMeta:
    """What a publisher page states about its article (and what a sidecar expects)."""

    site: str
    url: str
    published: str
    authors: tuple[str, ...] = ()
    modified: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    description: str | None = None
    image: str | None = None
    language: str = "en"
    extra: dict[str, Any] = field(default_factory=dict)


def esc(text: str) -> str:
    """Escape text for HTML content and double-quoted attribute values."""
    return html.escape(text, quote=True)


def json_for_script(data: object) -> str:
    """JSON safe inside ``<script>``: ``<`` and ``>`` become ``\\u003c``/``\\u003e``."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def summary(text: str, limit: int = 155) -> str:
    """A meta description: the text cut at a word boundary."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def long_day(iso: str) -> str:
    """``2015-09-01...`` -> ``September 1, 2015``."""
    day = date.fromisoformat(iso[:10])
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def credit_comment(stories: Iterable[Story]) -> str:
    """An HTML comment crediting the Wikinews texts a fixture uses."""
    credits = "; ".join(story.credit for story in stories)
    return f"<!-- Text: {esc(credits)}. See tests/data/README.md. -->"


def paragraphs_html(paragraphs: Iterable[str], indent: str = "      ") -> list[str]:
    """``<p>`` lines for a body."""
    return [f"{indent}<p>{esc(text)}</p>" for text in paragraphs]


def byline_names(authors: Sequence[str]) -> str:
    """``["A", "B", "C"]`` -> ``"A, B and C"``."""
    if len(authors) <= 1:
        return "".join(authors)
    return ", ".join(authors[:-1]) + " and " + authors[-1]


def page_text(lines: Iterable[str]) -> str:
    """Join lines into a page (LF line ends, trailing newline)."""
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ publisher layouts


def modern_publisher_page(story: Story, meta: PageMeta, *, graph: bool) -> str:
    """A current news site: JSON-LD (``@graph`` or a lone NewsArticle), OpenGraph, byline, time.

    The title tag carries a `` | Site`` suffix; the page has a cookie banner, share links, a
    newsletter box and a "More from" list around the article.
    """
    people = [{"@type": "Person", "name": name} for name in meta.authors]
    article: dict[str, Any] = {
        "@type": "NewsArticle",
        "headline": story.title,
        "description": meta.description,
        "datePublished": meta.published,
        "dateModified": meta.modified or meta.published,
        "author": people if len(people) != 1 else people[0],
        "keywords": ", ".join(meta.tags),
        "articleSection": meta.section,
        "inLanguage": meta.language,
        "mainEntityOfPage": meta.url,
    }
    if meta.image:
        article["image"] = {"@type": "ImageObject", "url": meta.image, "width": 1200}
    site_root = meta.url.split("/", 3)[:3]
    root = "/".join(site_root) + "/"
    if graph:
        organization = {
            "@type": "NewsMediaOrganization",
            "@id": f"{root}#organization",
            "name": meta.site,
            "url": root,
            "logo": {"@type": "ImageObject", "url": f"{root}static/logo-512.png"},
        }
        article["publisher"] = {"@id": f"{root}#organization"}
        article["isPartOf"] = {"@id": f"{meta.url}#webpage"}
        structured: dict[str, Any] = {
            "@context": "https://schema.org",
            "@graph": [
                organization,
                {"@type": "WebSite", "@id": f"{root}#website", "url": root, "name": meta.site},
                {
                    "@type": "WebPage",
                    "@id": f"{meta.url}#webpage",
                    "url": meta.url,
                    "name": f"{story.title} | {meta.site}",
                    "isPartOf": {"@id": f"{root}#website"},
                },
                {
                    "@type": "BreadcrumbList",
                    "itemListElement": [
                        {"@type": "ListItem", "position": 1, "name": "Home", "item": root},
                        {
                            "@type": "ListItem",
                            "position": 2,
                            "name": meta.section,
                            "item": f"{root}{(meta.section or '').lower()}/",
                        },
                    ],
                },
                article,
            ],
        }
    else:
        article["publisher"] = {"@type": "NewsMediaOrganization", "name": meta.site, "url": root}
        structured = {"@context": "https://schema.org", **article}
    lines = [
        "<!DOCTYPE html>",
        f'<html lang="{meta.language}">',
        "<head>",
        '<meta charset="utf-8">',
        credit_comment([story]),
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(story.title)} | {esc(meta.site)}</title>",
        f'<link rel="canonical" href="{esc(meta.url)}">',
        f'<meta name="description" content="{esc(meta.description or "")}">',
        f'<meta property="og:title" content="{esc(story.title)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:url" content="{esc(meta.url)}">',
        f'<meta property="og:site_name" content="{esc(meta.site)}">',
        f'<meta property="og:description" content="{esc(meta.description or "")}">',
        *([f'<meta property="og:image" content="{esc(meta.image)}">'] if meta.image else []),
        f'<meta property="article:published_time" content="{esc(meta.published)}">',
        f'<meta property="article:modified_time" content="{esc(meta.modified or meta.published)}">',
        *(f'<meta property="article:tag" content="{esc(tag)}">' for tag in meta.tags),
        '<meta name="twitter:card" content="summary_large_image">',
        '<link rel="stylesheet" href="/assets/app.3f9c2d.css">',
        '<script type="application/ld+json">',
        json_for_script(structured),
        "</script>",
        '<script async src="/assets/analytics.js"></script>',
        "</head>",
        '<body class="template-article">',
        '<div class="cookie-banner" role="dialog" aria-label="Cookie consent">',
        "  <p>We use cookies to improve your experience and to measure our audience.</p>",
        '  <button type="button" class="cookie-banner__accept">Accept all</button>',
        "</div>",
        '<header class="masthead">',
        f'  <a class="masthead__logo" href="/">{esc(meta.site)}</a>',
        '  <nav class="masthead__nav" aria-label="Sections"><ul>',
        '    <li><a href="/world/">World</a></li><li><a href="/politics/">Politics</a></li>',
        '    <li><a href="/science/">Science</a></li><li><a href="/sport/">Sport</a></li>',
        '    <li><a href="/opinion/">Opinion</a></li>',
        "  </ul></nav>",
        "</header>",
        '<main id="main">',
        '  <article class="story">',
        '    <header class="story__header">',
        f'      <p class="story__section"><a href="/{esc((meta.section or "").lower())}/">'
        f"{esc(meta.section or '')}</a></p>",
        f'      <h1 class="story__headline">{esc(story.title)}</h1>',
        f'      <p class="story__byline">By {esc(byline_names(meta.authors))}</p>',
        f'      <p class="story__dateline"><time datetime="{esc(meta.published)}">'
        f"{long_day(meta.published)}</time></p>",
        '      <ul class="share-links">',
        '        <li><a href="https://www.facebook.com/sharer/sharer.php">Share on Facebook</a>'
        "</li>",
        '        <li><a href="mailto:?subject=Shared%20story">Email</a></li>',
        "      </ul>",
        "    </header>",
        '    <div class="story__body">',
        *paragraphs_html(story.paragraphs),
        "    </div>",
        '    <aside class="newsletter-box">',
        "      <h2>Get the morning briefing</h2>",
        "      <p>The day's top stories in your inbox, every weekday at 6am.</p>",
        '      <form action="/newsletter"><input type="email" name="email" placeholder="Email">'
        "<button>Sign up</button></form>",
        "    </aside>",
        "  </article>",
        '  <section class="more-from">',
        f"    <h2>More from {esc(meta.site)}</h2>",
        *(
            f'    <a class="more-from__link" href="{esc(href)}">{esc(title)}</a>'
            for href, title in meta.extra.get("more", ())
        ),
        "  </section>",
        "</main>",
        '<footer class="site-footer">',
        f"  <p>© {meta.published[:4]} {esc(meta.site)}. All rights reserved.</p>",
        '  <a href="/privacy">Privacy</a> <a href="/terms">Terms</a>',
        "</footer>",
        "</body>",
        "</html>",
    ]
    return page_text(lines)


def wordpress_page(story: Story, meta: PageMeta, *, note: str | None = None) -> str:
    """A WordPress-style outlet: OpenGraph, ``meta name=author``, ``entry-content``, comments."""
    author = byline_names(meta.authors)
    slug = meta.url.rstrip("/").rsplit("/", 1)[-1]
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en-US">',
        "<head>",
        '<meta charset="UTF-8">',
        credit_comment([story]),
        f"<title>{esc(story.title)} &#8211; {esc(meta.site)}</title>",
        '<meta name="robots" content="index, follow, max-image-preview:large">',
        f'<meta name="author" content="{esc(author)}">',
        f'<meta name="description" content="{esc(meta.description or "")}">',
        f'<link rel="canonical" href="{esc(meta.url)}">',
        '<meta property="og:locale" content="en_US">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{esc(story.title)}">',
        f'<meta property="og:url" content="{esc(meta.url)}">',
        f'<meta property="og:site_name" content="{esc(meta.site)}">',
        f'<meta property="article:published_time" content="{esc(meta.published)}">',
        *(f'<meta property="article:tag" content="{esc(tag)}">' for tag in meta.tags),
        "<link rel='stylesheet' id='theme-style-css' href='/wp-content/themes/metro/style.css"
        "?ver=6.4.2' media='all'>",
        '<script>var metroSettings = {"ajaxUrl":"\\/wp-admin\\/admin-ajax.php"};</script>',
        "</head>",
        f'<body class="post-template-default single single-post postid-{len(slug) * 97}">',
        '<div id="page" class="site">',
        '<header id="masthead" class="site-header">',
        f'  <p class="site-title"><a href="/" rel="home">{esc(meta.site)}</a></p>',
        '  <nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">',
        '    <li class="menu-item"><a href="/news/">News</a></li>',
        '    <li class="menu-item"><a href="/arts/">Arts</a></li>',
        '    <li class="menu-item"><a href="/sports/">Sports</a></li>',
        '    <li class="menu-item"><a href="/events/">Events</a></li>',
        "  </ul></nav>",
        "</header>",
        '<div id="content" class="site-content"><div id="primary" class="content-area">',
        '<main id="main" class="site-main">',
        f'<article id="post-{len(slug) * 97}" class="post type-post status-publish hentry">',
        '  <header class="entry-header">',
        f'    <h1 class="entry-title">{esc(story.title)}</h1>',
        '    <div class="entry-meta"><span class="byline">by <span class="author vcard">'
        f'<a class="url fn n" href="/author/{esc(author.lower().replace(" ", "-"))}/">'
        f'{esc(author)}</a></span></span> <span class="posted-on">'
        f'<time class="entry-date published" datetime="{esc(meta.published)}">'
        f"{long_day(meta.published)}</time></span></div>",
        "  </header>",
        '  <div class="entry-content">',
        *paragraphs_html(story.paragraphs, "    "),
        *([f'    <p class="syndication-note"><em>{esc(note)}</em></p>'] if note else []),
        "  </div>",
        '  <footer class="entry-footer"><span class="cat-links">Posted in '
        f'<a href="/news/" rel="category tag">{esc(meta.section or "News")}</a></span></footer>',
        "</article>",
        '<div id="comments" class="comments-area">',
        '  <h2 class="comments-title">One thought on this story</h2>',
        '  <ol class="comment-list"><li class="comment"><article class="comment-body">',
        '    <footer class="comment-meta"><b class="fn">riverside_reader</b></footer>',
        '    <div class="comment-content"><p>Thanks for covering this, I had not seen it'
        " reported anywhere else.</p></div>",
        "  </article></li></ol>",
        "</div>",
        "</main></div>",
        '<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries">',
        '  <h2 class="widget-title">Most read</h2><ul>',
        *(
            f'    <li><a href="{esc(href)}">{esc(title)}</a></li>'
            for href, title in meta.extra.get("more", ())
        ),
        "  </ul></section></aside>",
        "</div>",
        f'<footer id="colophon" class="site-footer"><p>{esc(meta.site)} is a free weekly.'
        " Proudly powered by WordPress.</p></footer>",
        "</div>",
        "<script src='/wp-includes/js/wp-embed.min.js?ver=6.4.2'></script>",
        "</body>",
        "</html>",
    ]
    return page_text(lines)


def wikinews_page(story: Story, meta: PageMeta) -> str:
    """The Wikinews-style page the shipped corpus uses: JSON-LD, OG, byline, figures, credit."""
    structured = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.title,
        "datePublished": meta.published,
        "dateModified": meta.modified or meta.published,
        "author": {"@type": "Organization", "name": "Wikinews"},
        "publisher": {"@type": "Organization", "name": "Wikinews"},
        "license": LICENSE_URL,
        "keywords": list(meta.tags),
    }
    body: list[str] = []
    for block in story.blocks:
        if block.type in ("figure", "caption"):
            body += [
                '      <figure class="article__figure">',
                f"        <figcaption>{esc(block.text)}</figcaption>",
                "      </figure>",
            ]
        elif block.type == "head":
            body.append(f'      <h2 class="article__subhead">{esc(block.text)}</h2>')
        elif block.type == "quote":
            body.append(f"      <blockquote><p>{esc(block.text)}</p></blockquote>")
        elif block.type in PARAGRAPH_TYPES:
            body.append(f"      <p>{esc(block.text)}</p>")
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en" dir="ltr">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{esc(story.title)} - Wikinews</title>",
        f'<link rel="canonical" href="{esc(story.url)}">',
        f'<link rel="license" href="{LICENSE_URL}">',
        f'<meta name="description" content="{esc(meta.description or "")}">',
        f'<meta property="og:title" content="{esc(story.title)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:url" content="{esc(story.url)}">',
        '<meta property="og:site_name" content="Wikinews">',
        f'<meta property="article:published_time" content="{esc(meta.published)}">',
        f'<meta property="article:section" content="{esc(meta.section or "News")}">',
        '<script type="application/ld+json">',
        json_for_script(structured),
        "</script>",
        "</head>",
        '<body class="page-article">',
        '<header class="site-header"><a class="site-logo" href="/wiki/Main_Page">Wikinews</a>',
        '  <nav class="site-nav"><ul><li><a href="/wiki/Main_Page">Main page</a></li>'
        '<li><a href="/wiki/Category:Science_and_technology">Science</a></li>'
        '<li><a href="/wiki/Category:Interviews">Interviews</a></li></ul></nav>',
        "</header>",
        '<main id="content">',
        '  <article class="article">',
        '    <header class="article__header">',
        f'      <h1 class="article__title">{esc(story.title)}</h1>',
        '      <p class="article__byline">By <span class="article__author">Wikinews</span> · '
        f'<time datetime="{esc(meta.published)}">{long_day(meta.published)}</time></p>',
        "    </header>",
        '    <div class="article__body">',
        *body,
        "    </div>",
        '    <footer class="article__footer">',
        f'      <p class="article__credit">Source: Wikinews, <a href="{esc(story.url)}">'
        f'{esc(story.url)}</a>, <a rel="license" href="{LICENSE_URL}">CC BY 2.5</a></p>',
        "    </footer>",
        "  </article>",
        "</main>",
        '<aside class="sidebar"><h2>Related news</h2><ul>',
        *(
            f'  <li><a href="{esc(href)}">{esc(title)}</a></li>'
            for href, title in meta.extra.get("more", ())
        ),
        "</ul></aside>",
        '<footer class="site-footer"><p>Text is available under the Creative Commons Attribution'
        " 2.5 License.</p></footer>",
        "</body>",
        "</html>",
    ]
    return page_text(lines)


# ------------------------------------------------------------------------ aggregator (seed) layout


@dataclass(frozen=True)
class RailEntry:
    """An article shown in full in an aggregator's related rail."""

    story: Story
    source: str
    when: str
    moment: datetime


def rail_body(story: Story) -> str:
    """A rail item's text: the paragraphs run together in one element, as the seed page shows."""
    return " ".join(story.paragraphs)


def aggregator_page(
    main: Story,
    *,
    site: str,
    source: str,
    when: str,
    moment: datetime,
    generated: datetime,
    rail: Sequence[RailEntry],
    datetime_attributes: bool,
) -> str:
    """The owner's aggregator layout: article, promo, comments, full-text rail, app banner.

    With ``datetime_attributes`` false the relative dates are plain text, so the only way to
    resolve them is the page's recorded generation time.
    """
    furniture = AGGREGATOR_FURNITURE
    slug = re.sub(r"[^a-z0-9]+", "-", main.title.lower()).strip("-")

    def stamp(css: str, text: str, at: datetime) -> str:
        if datetime_attributes:
            return f'<time class="{css}" datetime="{at.isoformat()}">{esc(text)}</time>'
        return f'<span class="{css}">{esc(text)}</span>'

    lines = [
        "<!DOCTYPE html>",
        '<html lang="en" class="theme-light">',
        "<head>",
        '<meta charset="utf-8">',
        credit_comment([main, *(entry.story for entry in rail)]),
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(main.title)} | {esc(site)}</title>",
        f'<meta name="generated" content="{generated.isoformat()}">',
        f'<meta property="og:title" content="{esc(main.title)}">',
        f'<meta property="og:site_name" content="{esc(site)}">',
        '<meta property="og:type" content="article">',
        f'<link rel="canonical" href="https://{esc(site.lower())}.example/article/{slug}">',
        '<link rel="stylesheet" href="/_next/static/css/8d1e0c.css">',
        "<script>(function(w){w.dataLayer=w.dataLayer||[];w.dataLayer.push({event:'pageview'})})"
        "(window);</script>",
        "</head>",
        '<body class="page page--article">',
        f"<!-- rendered {generated.strftime('%Y-%m-%dT%H:%M:%SZ')} by d8-web -->",
        '<div id="__next">',
        '<header class="topbar"><a class="topbar__logo" href="/"><img src="/logo.svg" alt="logo"'
        ' width="112" height="28"></a>',
        '  <nav class="topbar__nav" aria-label="Main"><ul>'
        '<li><a href="/" aria-label="Home"><svg viewBox="0 0 24 24" aria-hidden="true">'
        '<path d="M3 11l9-8 9 8v10H3z"/></svg></a></li>'
        '<li><a href="/search" aria-label="Search"><svg viewBox="0 0 24 24" aria-hidden="true">'
        '<path d="M10 2a8 8 0 100 16 8 8 0 000-16z"/></svg></a></li></ul></nav>',
        "</header>",
        '<main class="main-container"><div class="article-grid">',
        f'<article class="article-detail" id="article-{slug}">',
        '  <header class="article-detail__header">',
        f'    <h1 class="article-detail__title">{esc(main.title)}</h1>',
        f'    <div class="share-box"><p class="share-box__title">{esc(main.title)}</p>'
        '<button type="button" aria-label="Share"></button></div>',
        f'    <div class="article-detail__meta"><span class="article-detail__source">'
        f"{esc(source)}</span>{stamp('article-detail__time', when, moment)}</div>",
        "  </header>",
        '  <div class="article-detail__content">',
        *paragraphs_html(main.paragraphs, "    "),
        "  </div>",
        '  <section class="ai-promo">',
        '    <img class="ai-promo__bg" src="/orange-bg.webp"'
        f' alt="{esc(furniture["promo_image_alt"])}">',
        f'    <h2 class="ai-promo__title">{esc(furniture["promo_title"])}</h2>',
        f'    <p class="ai-promo__text">{esc(furniture["promo_text"])}</p>',
        "  </section>",
        '  <section class="comments" id="comments">',
        f'    <h2 class="comments__title">{esc(furniture["comments_title"])}</h2>',
        f'    <p class="comments__empty">{esc(furniture["comments_empty"])}</p>',
        "  </section>",
        "</article>",
        '<aside class="related" aria-labelledby="related-title">',
        f'  <h2 id="related-title">{esc(furniture["related_title"])}</h2>',
    ]
    for number, entry in enumerate(rail, start=1):
        title = esc(entry.story.title)
        lines += [
            f'  <article class="related-item" data-position="{number}">',
            f'    <a class="related-item__card" href="/article/{number}">'
            f'<h3 class="related-item__headline">{title}</h3>'
            f'<p class="related-item__headline related-item__headline--compact">{title}</p></a>',
            f'    <div class="related-item__meta"><span class="related-item__source">'
            f'{esc(entry.source)}</span><span class="related-item__time"><img src="/clock.svg"'
            f' alt="time">{stamp("related-item__when", entry.when, entry.moment)}</span></div>',
            '    <div class="related-item__expanded">',
            f'      <ul class="related-item__tags"><li>{esc(entry.source)}</li></ul>',
            f'      <h4 class="related-item__expanded-title">{title}</h4>',
            f'      <div class="related-item__body"><p>{esc(rail_body(entry.story))}</p></div>',
            "    </div>",
            "  </article>",
        ]
    lines += [
        "</aside>",
        "</div></main>",
        '<section class="app-banner" id="app-download">',
        f'  <p class="app-banner__eyebrow">{esc(furniture["banner_eyebrow"])}</p>',
        f'  <h2 class="app-banner__title">{esc(furniture["banner_title"])}</h2>',
        f'  <p class="app-banner__text">{esc(furniture["banner_text"])}</p>',
        '  <a href="https://apps.apple.com/"><img src="/app-store.svg" alt="app-store"></a>',
        '  <a href="https://play.google.com/"><img src="/play-store.svg" alt="play-store"></a>',
        "</section>",
        "</div>",
        "</body>",
        "</html>",
    ]
    return page_text(lines)


def aggregator_expectation(
    main: Story,
    *,
    source: str,
    when: str,
    moment: datetime,
    generated: datetime,
    rail: Sequence[RailEntry],
) -> dict[str, Any]:
    """The sidecar of an aggregator page: main article, rail articles, non-body strings."""
    furniture = list(AGGREGATOR_FURNITURE.values())
    rail_strings = [entry.story.title for entry in rail] + [
        entry.story.paragraphs[0] for entry in rail
    ]
    body = "\n".join(main.paragraphs)
    not_in_body = [text for text in furniture + rail_strings if text not in body]
    return {
        "title": main.title,
        "source": source,
        "generated": generated.isoformat(),
        "published_relative": when,
        "published": moment.isoformat(),
        "published_day": moment.date().isoformat(),
        "authors": [],
        "body_paragraphs": list(main.paragraphs),
        "related": [
            {
                "title": entry.story.title,
                "source": entry.source,
                "published_relative": entry.when,
                "published": entry.moment.isoformat(),
                "body": rail_body(entry.story),
            }
            for entry in rail
        ],
        "not_in_body": not_in_body,
    }


# ----------------------------------------------------------------------------- the single pages


def opengraph_only_page(story: Story, meta: PageMeta) -> str:
    """Only OpenGraph and ``article:published_time`` in the head; no byline, no ``<time>``."""
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "<head>",
        '<meta charset="utf-8">',
        credit_comment([story]),
        f"<title>{esc(story.title)} - {esc(meta.site)}</title>",
        f'<meta property="og:title" content="{esc(story.title)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:url" content="{esc(meta.url)}">',
        f'<meta property="og:site_name" content="{esc(meta.site)}">',
        f'<meta property="og:description" content="{esc(meta.description or "")}">',
        f'<meta property="article:published_time" content="{esc(meta.published)}">',
        '<link rel="stylesheet" href="/css/site.css">',
        "</head>",
        "<body>",
        '<div class="header"><a href="/" class="logo">' + esc(meta.site) + "</a>",
        '  <ul class="menu"><li><a href="/local">Local</a></li><li><a href="/world">World</a></li>'
        '<li><a href="/contact">Contact</a></li></ul>',
        "</div>",
        '<div class="container">',
        '  <div class="col-main">',
        f'    <h1 class="headline">{esc(story.title)}</h1>',
        '    <div class="story-body">',
        *paragraphs_html(story.paragraphs),
        "    </div>",
        "  </div>",
        '  <div class="col-side"><h3>Trending</h3><ol><li><a href="/t/1">Tide tables</a></li>'
        '<li><a href="/t/2">Ferry timetable changes</a></li></ol></div>',
        "</div>",
        f'<div class="footer">Copyright {esc(meta.site)}</div>',
        "</body>",
        "</html>",
    ]
    return page_text(lines)


def meta_only_page(story: Story, meta: PageMeta) -> str:
    """A 2000s table layout with classic ``<meta name=...>`` tags and nothing newer."""
    lines = [
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"'
        ' "http://www.w3.org/TR/html4/loose.dtd">',
        "<html>",
        "<head>",
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">',
        credit_comment([story]),
        f"<title>{esc(meta.site)} :: {esc(story.title)}</title>",
        f'<meta name="author" content="{esc(byline_names(meta.authors))}">',
        f'<meta name="date" content="{esc(meta.published)}">',
        f'<meta name="keywords" content="{esc(", ".join(meta.tags))}">',
        f'<meta name="description" content="{esc(meta.description or "")}">',
        '<meta name="generator" content="NewsDesk CMS 2.1">',
        '<link rel="stylesheet" type="text/css" href="/styles/main.css">',
        '<script type="text/javascript" src="/js/popup.js"></script>',
        "</head>",
        '<body bgcolor="#ffffff" topmargin="0" leftmargin="0">',
        '<table width="100%" border="0" cellpadding="0" cellspacing="0">',
        '<tr><td colspan="2" class="banner"><img src="/img/banner.gif" width="760" height="90"'
        f' alt="{esc(meta.site)}"></td></tr>',
        '<tr><td width="160" valign="top" class="leftnav">',
        '  <a href="/index.html">Home</a><br><a href="/health/">Health</a><br>'
        '<a href="/courts/">Courts</a><br><a href="/archive/">Archive</a>',
        "</td>",
        '<td valign="top" class="content">',
        f'  <h1 class="title">{esc(story.title)}</h1>',
        *paragraphs_html(story.paragraphs, "  "),
        '  <p class="small"><a href="javascript:window.print()">Print this story</a> |'
        ' <a href="/email.html">Email a friend</a></p>',
        "</td></tr>",
        '<tr><td colspan="2" class="footer">All material copyright, reproduction prohibited.'
        "</td></tr>",
        "</table>",
        "</body>",
        "</html>",
    ]
    return page_text(lines)


def time_element_only_page(story: Story, meta: PageMeta) -> str:
    """No metadata in the head beyond a title: only a visible byline and a ``<time>``."""
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "<head>",
        '<meta charset="utf-8">',
        credit_comment([story]),
        f"<title>{esc(story.title)}</title>",
        "</head>",
        "<body>",
        f'<header><a href="/">{esc(meta.site)}</a> <nav><a href="/tech">Tech</a>'
        ' <a href="/business">Business</a></nav></header>',
        "<main>",
        f"  <h1>{esc(story.title)}</h1>",
        f'  <p class="story-meta">By {esc(byline_names(meta.authors))} · '
        f'<time datetime="{esc(meta.published)}">{long_day(meta.published)}</time></p>',
        *paragraphs_html(story.paragraphs, "  "),
        "</main>",
        "<footer><p>Tips? Write to the newsroom.</p></footer>",
        "</body>",
        "</html>",
    ]
    return page_text(lines)


def microdata_page(story: Story, meta: PageMeta) -> str:
    """schema.org microdata: ``itemprop`` headline, datePublished, dateModified, author, body."""
    authors = "".join(
        '<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
        f'<span itemprop="name">{esc(name)}</span></span>'
        for name in meta.authors
    )
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        credit_comment([story]),
        f"<title>{esc(story.title)} — {esc(meta.site)}</title>",
        "</head>",
        "<body>",
        f'<div class="topnav"><a href="/">{esc(meta.site)}</a> | <a href="/security">Security</a>'
        ' | <a href="/web">Web</a></div>',
        '<div class="post" itemscope itemtype="https://schema.org/NewsArticle">',
        f'  <h1 itemprop="headline">{esc(story.title)}</h1>',
        f'  <meta itemprop="datePublished" content="{esc(meta.published)}">',
        f'  <meta itemprop="keywords" content="{esc(", ".join(meta.tags))}">',
        f'  <div class="post-info">Posted by {authors} on {long_day(meta.published)}.'
        f' Updated <time itemprop="dateModified" datetime="{esc(meta.modified or "")}">'
        f"{long_day(meta.modified or meta.published)}</time>.</div>",
        '  <div itemprop="publisher" itemscope itemtype="https://schema.org/Organization">'
        f'<meta itemprop="name" content="{esc(meta.site)}"></div>',
        '  <div class="post-body" itemprop="articleBody">',
        *paragraphs_html(story.paragraphs, "    "),
        "  </div>",
        "</div>",
        '<div class="footer">Netwatch Weekly, since 1999.</div>',
        "</body>",
        "</html>",
    ]
    return page_text(lines)


def legacy_table_page(story: Story, meta: PageMeta, *, declare_charset: bool) -> str:
    """A late-1990s page: upper-case tags, ``<font>``, tables; optionally a charset declaration."""
    declaration = (
        ['<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1252">']
        if declare_charset
        else []
    )
    lines = [
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.0 Transitional//EN">',
        "<HTML>",
        "<HEAD>",
        *declaration,
        f"<TITLE>{esc(story.title)} — {esc(meta.site)}</TITLE>",
        f'<META NAME="author" CONTENT="{esc(byline_names(meta.authors))}">',
        "</HEAD>",
        '<BODY BGCOLOR="#FFFFFF" TEXT="#000000" LINK="#003399">',
        credit_comment([story]),
        '<TABLE WIDTH="640" BORDER="0" CELLPADDING="4"><TR>',
        f'<TD><FONT FACE="Arial" SIZE="5"><B>{esc(meta.site)}</B></FONT><BR>',
        '<FONT SIZE="1"><A HREF="/">Home</A> · <A HREF="/asia/">Asia</A> · '
        '<A HREF="/archive/">Archive</A></FONT></TD>',
        "</TR><TR><TD>",
        f'<FONT FACE="Georgia" SIZE="4"><B>{esc(story.title)}</B></FONT><BR>',
        f'<FONT SIZE="2"><I>by {esc(byline_names(meta.authors))}, {long_day(meta.published)}'
        "</I></FONT>",
        *(f"<P>{esc(text)}" for text in story.paragraphs),
        "</TD></TR></TABLE>",
        f'<P><FONT SIZE="1">© {meta.published[:4]} {esc(meta.site)} — all rights reserved</FONT>',
        "</BODY>",
        "</HTML>",
    ]
    return page_text(lines)


def xhtml_page(story: Story, meta: PageMeta, title: str) -> str:
    """XHTML 1.0 Strict with an XML prologue declaring its encoding."""
    body: list[str] = []
    for block in story.blocks:
        if block.type == "head":
            body.append(f"    <h2>{esc(block.text)}</h2>")
        elif block.type in PARAGRAPH_TYPES:
            body.append(f"    <p>{esc(block.text)}</p>")
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"'
        ' "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">',
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">',
        "<head>",
        '<meta http-equiv="Content-Type" content="application/xhtml+xml; charset=utf-8" />',
        credit_comment([story]),
        f"<title>{esc(title)} — {esc(meta.site)}</title>",
        f'<meta name="author" content="{esc(byline_names(meta.authors))}" />',
        f'<meta name="description" content="{esc(meta.description or "")}" />',
        f'<link rel="canonical" href="{esc(meta.url)}" />',
        '<link rel="stylesheet" type="text/css" href="/css/screen.css" />',
        "</head>",
        "<body>",
        f'<div id="header"><a href="/">{esc(meta.site)}</a><br />',
        '<a href="/interviews/">Interviews</a> | <a href="/about/">About</a></div>',
        '<div id="content">',
        f"  <h1>{esc(title)}</h1>",
        f'  <p class="meta">Interview by {esc(byline_names(meta.authors))},'
        f" {long_day(meta.published)}</p>",
        '  <div class="entry">',
        *body,
        "  </div>",
        "</div>",
        '<div id="footer"><p>Valid XHTML 1.0 Strict</p></div>',
        "</body>",
        "</html>",
    ]
    return page_text(lines)


def deeply_nested_page(story: Story, meta: PageMeta) -> str:
    """An article wrapped in thousands of nested ``<div>``s (a broken page builder's output)."""
    head = [
        "<!DOCTYPE html>",
        "<html>",
        "<head>",
        '<meta charset="utf-8">',
        credit_comment([story]),
        f"<title>{esc(story.title)}</title>",
        "</head>",
        "<body>",
    ]
    article = [
        "<article>",
        f"<h1>{esc(story.title)}</h1>",
        f'<p class="byline">By {esc(byline_names(meta.authors))} · '
        f'<time datetime="{esc(meta.published)}">{long_day(meta.published)}</time></p>',
        *(f"<p>{esc(text)}</p>" for text in story.paragraphs),
        "</article>",
    ]
    return (
        "\n".join(head)
        + "\n"
        + "<div>" * NESTING_DEPTH
        + "\n"
        + "\n".join(article)
        + "\n"
        + "</div>" * NESTING_DEPTH
        + "\n</body>\n</html>\n"
    )


def index_page(site: str, sections: Sequence[tuple[str, Sequence[str]]]) -> str:
    """A site's front page: navigation and lists of headline links, no article text."""
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{esc(site)} — News, arts and events</title>",
        f'<meta property="og:site_name" content="{esc(site)}">',
        '<meta property="og:type" content="website">',
        "</head>",
        "<body>",
        f'<header><a class="logo" href="/">{esc(site)}</a>',
        '  <nav><ul><li><a href="/news/">News</a></li><li><a href="/arts/">Arts</a></li>'
        '<li><a href="/sports/">Sports</a></li><li><a href="/events/">Events</a></li>'
        '<li><a href="/subscribe/">Subscribe</a></li></ul></nav>',
        "</header>",
        "<main>",
    ]
    for number, (name, titles) in enumerate(sections):
        slug = name.lower().replace(" ", "-")
        lines.append(f'  <section class="rail rail--{slug}"><h2>{esc(name)}</h2><ul>')
        lines += [
            f'    <li><a href="/{slug}/{number}{index}/">{esc(title)}</a></li>'
            for index, title in enumerate(titles)
        ]
        lines.append("  </ul></section>")
    lines += [
        "</main>",
        '<footer><a href="/about/">About us</a> · <a href="/advertise/">Advertise</a> · '
        '<a href="/privacy/">Privacy</a></footer>',
        "</body>",
        "</html>",
    ]
    return page_text(lines)


def xss_page(story: Story, meta: PageMeta, title: str, author: str, description: str) -> str:
    """An article whose texts carry script-injection payloads as text, plus live ones in markup.

    The payloads are escaped in the source, so an extractor must return them literally and a
    renderer must escape them again.  The live ``<script>``, event handlers and ``javascript:``
    URLs must never reach extracted text or metadata.
    """
    structured = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "description": description,
        "datePublished": meta.published,
        "author": {"@type": "Person", "name": author},
        "keywords": list(meta.tags),
        "image": "javascript:alert(1)",
        "publisher": {"@type": "Organization", "name": meta.site},
    }
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        credit_comment([story]),
        f"<title>{esc(title)} | {esc(meta.site)}</title>",
        f'<meta name="author" content="{esc(author)}">',
        f'<meta name="description" content="{esc(description)}">',
        f'<meta name="keywords" content="{esc(", ".join(meta.tags))}">',
        f'<meta property="og:title" content="{esc(title)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:url" content="{esc(meta.url)}">',
        f'<meta property="og:site_name" content="{esc(meta.site)}">',
        f'<meta property="og:description" content="{esc(description)}">',
        '<meta property="og:image" content="javascript:alert(1)">',
        f'<meta property="article:published_time" content="{esc(meta.published)}">',
        f'<link rel="canonical" href="{esc(meta.url)}">',
        '<script type="application/ld+json">',
        json_for_script(structured),
        "</script>",
        f"<script>window.__probe = '{LIVE_SCRIPT_MARKER}';</script>",
        "<style>.hero{background:url(javascript:alert(1))}</style>",
        "</head>",
        '<body onload="alert(1)">',
        f'<header><a href="/">{esc(meta.site)}</a> <nav><a href="javascript:alert(1)">Home</a>'
        ' <a href="/security/">Security</a></nav></header>',
        "<main>",
        f'<article class="story" data-title="{esc(XSS_SCRIPT)}" onmouseover="alert(1)">',
        f'  <h1 class="story__headline" title="{esc(XSS_SVG)}">{esc(title)}</h1>',
        f'  <p class="story__byline">By <span class="author">{esc(author)}</span> · '
        f'<time datetime="{esc(meta.published)}">{long_day(meta.published)}</time></p>',
        '  <div class="story__body">',
        f"    <p>{esc(story.paragraphs[0])}</p>",
        f"    <script>document.write('{LIVE_SCRIPT_MARKER}');</script>",
        f"    <p>Readers reported that comment forms echoed the text {esc(XSS_SCRIPT)} back"
        " to other visitors without escaping it.</p>",
        f'    <img src="x" onerror="alert(1)" alt="{esc(XSS_IMG)}">',
        f"    <p>Two more payloads were seen in the wild: {esc(XSS_IMG)} and {esc(XSS_SVG)},"
        " both pasted into a profile's display name.</p>",
        '    <iframe src="javascript:alert(1)" title="embed"></iframe>',
        *paragraphs_html(story.paragraphs[1:], "    "),
        '    <p>Read <a href="javascript:alert(1)">the full advisory</a> on the vendor site.</p>',
        "  </div>",
        "</article>",
        "</main>",
        f'<footer><p>{esc(meta.site)} security desk</p><noscript><img src="x" '
        'onerror="alert(1)"></noscript></footer>',
        "</body>",
        "</html>",
    ]
    return page_text(lines)


def png_bytes(width: int = 40, height: int = 40) -> bytes:
    """A small valid PNG (an RGB gradient): the bytes of an image misnamed ``.html``."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 6 % 256, y * 6 % 256, 128))
        for y in range(height)
    )

    def chunk(tag: bytes, data: bytes) -> bytes:
        checksum = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", checksum)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def gzip_bytes(data: bytes) -> bytes:
    """Gzip with a zero timestamp and no file name, so the bytes never change."""
    return gzip.compress(data, compresslevel=9, mtime=0)


# ------------------------------------------------------------------------------------- writing


class FixtureWriter:
    """Writes fixture files and remembers them for the size check."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: list[Path] = []

    def bytes(self, relative: str, data: bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.written.append(path)
        return path

    def text(self, relative: str, text: str, encoding: str = "utf-8") -> Path:
        return self.bytes(relative, text.encode(encoding))

    def expectation(self, relative: str, data: dict[str, Any]) -> Path:
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        return self.text(relative, text)


def story_expectation(story: Story, meta: PageMeta, **overrides: Any) -> dict[str, Any]:
    """The usual sidecar: what the page states about its article."""
    data: dict[str, Any] = {
        "title": story.title,
        "authors": list(meta.authors),
        "source": meta.site,
        "published": meta.published,
        "published_day": meta.published[:10],
        "modified": meta.modified,
        "url": meta.url,
        "language": meta.language,
        "tags": list(meta.tags),
        "description": meta.description,
        "body_paragraphs": list(story.paragraphs),
        "not_in_body": [],
    }
    data.update(overrides)
    return data


def write_pages(stories: dict[str, Story], out: FixtureWriter) -> list[Story]:
    """Write ``pages/``; return the stories used (for the credits)."""
    used: list[Story] = []

    def take(record_id: str) -> Story:
        story = stories[record_id]
        if story not in used:
            used.append(story)
        return story

    # The seed layout, with other texts: one main article, three full rail articles.
    main = take("GUM_news_warming")
    generated = datetime(2014, 7, 30, 9, 0, tzinfo=UTC)
    rail = [
        RailEntry(take("GUM_news_worship"), "Wikinews", "16 minutes ago",
                  generated - timedelta(minutes=16)),
        RailEntry(take("GUM_news_stampede"), "Wikinews", "an hour ago",
                  generated - timedelta(hours=1)),
        RailEntry(take("GUM_news_crane"), "Wikinews", "4 hours ago",
                  generated - timedelta(hours=4)),
    ]  # fmt: skip
    moment = generated - timedelta(days=2)
    out.text(
        "pages/aggregator-seed-layout.html",
        aggregator_page(
            main, site="Daily8", source="Wikinews", when="2 days ago", moment=moment,
            generated=generated, rail=rail, datetime_attributes=True,
        ),
    )  # fmt: skip
    out.expectation(
        "pages/aggregator-seed-layout.expected.json",
        aggregator_expectation(
            main, source="Wikinews", when="2 days ago", moment=moment, generated=generated,
            rail=rail,
        ),
    )  # fmt: skip

    # JSON-LD @graph with two authors, a " | Site" title suffix, keywords, canonical, OG.
    story = take("GUM_news_taxes")
    meta = PageMeta(
        site="Adriatic Ledger",
        url="https://adriatic-ledger.example/europe/2015/08/02/italy-religious-schools-taxes",
        published="2015-08-02T08:30:00+02:00",
        modified="2015-08-03T11:05:00+02:00",
        authors=("Jane Doe", "John Roe"),
        section="Europe",
        tags=("Italy", "Education", "Taxes", "Religion"),
        description=summary(story.paragraphs[0]),
        image="https://adriatic-ledger.example/media/2015/08/gonzaga-school.jpg",
        extra={"more": [("/europe/2015/08/01/ferry-strike", "Ferry strike ends after two days")]},
    )
    out.text("pages/publisher-jsonld-graph.html", modern_publisher_page(story, meta, graph=True))
    out.expectation(
        "pages/publisher-jsonld-graph.expected.json",
        story_expectation(
            story, meta, image=meta.image, title_tag=f"{story.title} | {meta.site}",
            byline="By Jane Doe and John Roe",
            not_in_body=["Get the morning briefing", "We use cookies", "More from Adriatic Ledger"],
        ),
    )  # fmt: skip

    story = take("GUM_news_defector")
    meta = PageMeta(
        site="Harbour Post",
        url="https://harbourpost.example/news/scientology-defector-arrested",
        published="2010-10-09T16:20:00Z",
        description=summary(story.paragraphs[0]),
    )
    out.text("pages/opengraph-only.html", opengraph_only_page(story, meta))
    out.expectation(
        "pages/opengraph-only.expected.json",
        story_expectation(story, meta, not_in_body=["Trending", "Ferry timetable changes"]),
    )

    story = take("GUM_news_homeopathic")
    meta = PageMeta(
        site="Southern Cross Chronicle",
        url="",
        published="2009-05-08",
        authors=("Priya Natarajan",),
        tags=("homeopathy", "eczema", "manslaughter", "Sydney"),
        description=summary(story.paragraphs[0]),
    )
    out.text("pages/meta-only.html", meta_only_page(story, meta))
    out.expectation(
        "pages/meta-only.expected.json",
        story_expectation(
            story, meta, url=None, source=None,
            title_tag=f"{meta.site} :: {story.title}",
            not_in_body=["Print this story", "Email a friend", "All material copyright"],
        ),
    )  # fmt: skip

    story = take("GUM_news_ie9")
    meta = PageMeta(
        site="Bytewise", url="", published="2011-03-08T09:15:00-05:00", authors=("Maria Lopez",)
    )
    out.text("pages/time-element-only.html", time_element_only_page(story, meta))
    out.expectation(
        "pages/time-element-only.expected.json",
        story_expectation(story, meta, url=None, source=None, byline="By Maria Lopez"),
    )

    story = take("GUM_news_hackers")
    meta = PageMeta(
        site="Netwatch Weekly",
        url="",
        published="2008-01-20T10:00:00Z",
        modified="2008-01-21T08:45:00Z",
        authors=("Tom Becker", "Aiko Sato"),
        tags=("Scientology", "Anonymous", "DDoS"),
    )
    out.text("pages/microdata.html", microdata_page(story, meta))
    out.expectation("pages/microdata.expected.json", story_expectation(story, meta, url=None))

    # windows-1252 bytes, declared; typographic quotes (0x91-0x94) in the title and the text.
    record = take("GUM_news_korea")
    story = replace(
        record,
        title=typographic_quotes(record.title),
        blocks=tuple(replace(b, text=typographic_quotes(b.text)) for b in record.blocks),
    )
    meta = PageMeta(site="Pacific Wire", url="", published="2015-08-21", authors=("Kim Hae-won",))
    out.text(
        "pages/legacy-cp1252.html",
        legacy_table_page(story, meta, declare_charset=True),
        encoding="cp1252",
    )
    out.expectation(
        "pages/legacy-cp1252.expected.json",
        story_expectation(
            story, meta, url=None, encoding="windows-1252",
            title_tag=f"{story.title} — {meta.site}",
        ),
    )  # fmt: skip

    # The same kind of page with no declaration at all: the bytes are not valid UTF-8.
    story = take("GUM_news_questionnaire")
    # The story's own text has only cp1252 punctuation (0x92, 0x97); the byline adds letters.
    meta = PageMeta(
        site="Channel Observer", url="", published="2023-02-23", authors=("José Álvarez",)
    )
    out.text(
        "pages/legacy-undeclared-latin1.html",
        legacy_table_page(story, meta, declare_charset=False),
        encoding="cp1252",
    )
    out.expectation(
        "pages/legacy-undeclared-latin1.expected.json",
        story_expectation(
            story, meta, url=None, encoding="windows-1252",
            title_tag=f"{story.title} — {meta.site}",
            must_contain=["José Álvarez", "’"],
        ),
    )  # fmt: skip

    # UTF-8 with no declaration: "Ličen" (č is not in latin-1) decodes wrongly under a default.
    record = take("GUM_interview_licen")
    story = replace(
        record,
        title="Wikinews interviews academic Simon Ličen about attitudes towards US Paralympics",
    )
    meta = PageMeta(site="Wikinews", url="", published="2013-11-16", authors=("Wikinews",))
    out.text("pages/utf8-no-declaration.html", utf8_without_declaration(story, meta))
    out.expectation(
        "pages/utf8-no-declaration.expected.json",
        story_expectation(story, meta, url=None, encoding="utf-8", must_contain=["Ličen"]),
    )

    story = take("GUM_news_afghan")
    meta = PageMeta(
        site="Capitol Ledger",
        url="https://capitolledger.example/world/2017/07/21/afghan-robotics-team-honored",
        published="2017-07-21T14:00:00-04:00",
        modified="2017-07-21T18:30:00-04:00",
        authors=("Nadia Rahimi",),
        section="World",
        tags=("Afghanistan", "Robotics", "FIRST Global"),
        description=summary(story.paragraphs[0]),
    )
    page = modern_publisher_page(story, meta, graph=False)
    out.bytes("pages/gzip-page.html.gz", gzip_bytes(page.encode("utf-8")))
    out.expectation("pages/gzip-page.expected.json", story_expectation(story, meta))

    out.bytes("pages/empty.html", b"")
    out.bytes("pages/binary.html", png_bytes())

    # A real page cut mid-tag about halfway through.
    story = take("GUM_news_expo")
    meta = PageMeta(
        site="Wikinews", url=story.url, published=story.day, authors=("Wikinews",),
        section="News", tags=("Toronto", "Fan Expo Canada"),
        description=summary(story.paragraphs[0]),
    )  # fmt: skip
    whole = wikinews_page(story, meta)
    # Cut inside the first tag with attributes past the middle: '<figure class="arti'.
    tag = re.compile(r'<[a-z0-9]+ class="[^"]{6,}">').search(whole, len(whole) // 2)
    if tag is None:
        raise click.ClickException("truncated.html: no tag with attributes in the second half")
    truncated = whole[: tag.start() + tag.group().index('"') + 5]
    out.text("pages/truncated.html", truncated)
    complete = [p for p in story.paragraphs if f"<p>{esc(p)}</p>" in truncated]
    out.expectation(
        "pages/truncated.expected.json",
        story_expectation(
            story, meta, body_paragraphs=complete, cut_at_byte=len(truncated.encode("utf-8")),
            note="body_paragraphs lists only the paragraphs that survive the cut",
        ),
    )  # fmt: skip

    # XHTML with an XML prologue (lxml refuses a str that still carries the declaration).
    record = take("GUM_interview_peres")
    story = record
    meta = PageMeta(
        site="Levant Review",
        url="https://levantreview.example/interviews/shimon-peres-future-of-peace",
        published="2008-01-09",
        authors=("Wikinews",),
        description=summary(story.paragraphs[0]),
    )
    out.text("pages/xml-prologue.html", xhtml_page(story, meta, story.title))
    out.expectation("pages/xml-prologue.expected.json", story_expectation(story, meta))

    story = take("GUM_news_worship")
    meta = PageMeta(site="Aegean Times", url="", published="2006-03-27", authors=("Eleni Markou",))
    out.text("pages/deeply-nested.html", deeply_nested_page(story, meta))
    out.expectation(
        "pages/deeply-nested.expected.json",
        story_expectation(story, meta, url=None, source=None, nesting_depth=NESTING_DEPTH),
    )

    headlines = [
        stories[record_id].title
        for record_id in (
            "GUM_news_asylum", "GUM_news_clock", "GUM_news_crane", "GUM_news_election",
            "GUM_news_flag", "GUM_news_korea", "GUM_news_nasa", "GUM_news_soccer",
            "GUM_news_warhol", "GUM_interview_onion", "GUM_interview_mcguire",
            "GUM_interview_herrick",
        )
    ]  # fmt: skip
    out.text(
        "pages/not-an-article.html",
        index_page(
            "Metro Times",
            [("Top stories", headlines[:4]), ("World", headlines[4:8]), ("Culture", headlines[8:])],
        ),
    )
    out.expectation(
        "pages/not-an-article.expected.json",
        {
            "is_article": False,
            "note": "a site front page: navigation and headline links only, no article text",
            "headline_links": headlines,
        },
    )

    story = take("GUM_news_ie9").first(3)
    write_xss(story, out, "pages/xss.html", with_expectation=True)

    # Relative dates only (no datetime attributes): the page records when it was generated.
    main = take("GUM_news_asylum")
    generated = datetime(2015, 5, 19, 8, 30, tzinfo=UTC)
    rail = [
        RailEntry(take("GUM_news_flag"), "Wikinews", "16 minutes ago",
                  generated - timedelta(minutes=16)),
        RailEntry(take("GUM_news_korea"), "Wikinews", "an hour ago",
                  generated - timedelta(hours=1)),
    ]  # fmt: skip
    moment = generated - timedelta(days=1)
    out.text(
        "pages/relative-dates.html",
        aggregator_page(
            main, site="NewsPulse", source="Wikinews", when="yesterday", moment=moment,
            generated=generated, rail=rail, datetime_attributes=False,
        ),
    )  # fmt: skip
    expectation = aggregator_expectation(
        main, source="Wikinews", when="yesterday", moment=moment, generated=generated, rail=rail
    )
    expectation["published"] = None  # "yesterday" names a day, not a moment
    expectation["note"] = "no datetime attributes: resolve against <meta name=generated>"
    out.expectation("pages/relative-dates.expected.json", expectation)
    return used


def utf8_without_declaration(story: Story, meta: PageMeta) -> str:
    """A plain UTF-8 page with neither ``<meta charset>`` nor a BOM."""
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "<head>",
        credit_comment([story]),
        f"<title>{esc(story.title)}</title>",
        "</head>",
        "<body>",
        '<div id="top"><a href="/">Home</a> &middot; <a href="/sport/">Sport</a></div>',
        '<div id="article">',
        f"<h1>{esc(story.title)}</h1>",
        f'<div class="date">{long_day(meta.published)}</div>',
        *(f"<p>{esc(text)}</p>" for text in story.paragraphs),
        "</div>",
        "</body>",
        "</html>",
    ]
    return page_text(lines)


XSS_TITLE = f"Comment forms echoed {XSS_SCRIPT} to readers"
XSS_AUTHOR = f"Eve {XSS_SVG}"
XSS_DESCRIPTION = f"Payloads such as {XSS_IMG} and {XSS_SVG} were stored as text."


def write_xss(story: Story, out: FixtureWriter, relative: str, *, with_expectation: bool) -> None:
    """The injection-payload article (also used, byte for byte, in the test corpus)."""
    meta = PageMeta(
        site="The Sentinel",
        url="https://sentinel.example/security/2011/03/10/comment-form-payloads",
        published="2011-03-10T12:00:00Z",
        authors=(XSS_AUTHOR,),
        tags=(XSS_SCRIPT, "security"),
    )
    out.text(relative, xss_page(story, meta, XSS_TITLE, XSS_AUTHOR, XSS_DESCRIPTION))
    if not with_expectation:
        return
    out.expectation(
        relative.replace(".html", ".expected.json"),
        {
            "title": XSS_TITLE,
            "authors": [XSS_AUTHOR],
            "source": meta.site,
            "published": meta.published,
            "published_day": meta.published[:10],
            "url": meta.url,
            "description": XSS_DESCRIPTION,
            "tags": list(meta.tags),
            "payloads": [XSS_SCRIPT, XSS_IMG, XSS_SVG],
            "body_must_contain": [XSS_SCRIPT, XSS_IMG, XSS_SVG, story.paragraphs[0]],
            "must_not_appear_anywhere": [LIVE_SCRIPT_MARKER, "javascript:"],
            "note": (
                "payloads are text: extracted strings contain them literally; the live script, "
                "event handlers and javascript: URLs must not reach any extracted field"
            ),
        },
    )


TITLE_TAG = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def add_title_tags(pages: Path) -> None:
    """Record in each sidecar what the page's ``<title>`` says (often the title plus a suffix)."""
    for sidecar in sorted(pages.glob("*.expected.json")):
        stem = sidecar.name.removesuffix(".expected.json")
        page = next(p for p in pages.glob(f"{stem}.*") if not p.name.endswith(".json"))
        data = page.read_bytes()
        if page.suffix == ".gz":
            data = gzip.decompress(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252")  # the two legacy fixtures
        expectation = json.loads(sidecar.read_text(encoding="utf-8"))
        match = TITLE_TAG.search(text)
        if "title" not in expectation or match is None:
            continue
        ordered: dict[str, Any] = {}
        for key, value in expectation.items():
            if key != "title_tag":
                ordered[key] = value
            if key == "title":
                ordered["title_tag"] = html.unescape(match.group(1))
        sidecar.write_text(json.dumps(ordered, ensure_ascii=False, indent=2) + "\n", "utf-8")


# ---------------------------------------------------------------------------------- the corpus


@dataclass(frozen=True)
class CorpusEntry:
    """One file of the test corpus, for EXPECTED.md."""

    path: str
    title: str | None
    source: str | None
    day: str | None
    authors: tuple[str, ...] = ()
    note: str = ""


def write_corpus(stories: dict[str, Story], out: FixtureWriter) -> list[Story]:
    """Write ``corpus/`` and its ``EXPECTED.md``; return the stories used."""
    used: list[Story] = []
    entries: list[CorpusEntry] = []

    def take(record_id: str) -> Story:
        story = stories[record_id]
        if story not in used:
            used.append(story)
        return story

    def more(*record_ids: str) -> list[tuple[str, str]]:
        return [(f"/story/{stories[i].day}", stories[i].title) for i in record_ids]

    # Wikinews itself: three pages, one of them ".htm".
    for record_id, relative, section in (
        ("GUM_news_stampede", "wikinews/hundreds-dead-in-hajj-stampede.html", "News"),
        ("GUM_news_lanterns", "wikinews/lantern-festival-in-taipei.html", "News"),
        ("GUM_news_nasa", "wikinews/nasa-shuttle-anniversary.htm", "Science"),
    ):
        story = take(record_id)
        meta = PageMeta(
            site="Wikinews", url=story.url, published=story.day, authors=("Wikinews",),
            section=section, description=summary(story.paragraphs[0]),
            extra={"more": more("GUM_news_crane", "GUM_news_korea")},
        )  # fmt: skip
        out.text(f"corpus/{relative}", wikinews_page(story, meta))
        entries.append(CorpusEntry(relative, story.title, "Wikinews", story.day, ("Wikinews",)))

    # Daily Planet: a modern publisher (JSON-LD, OG, byline, <time>); one page gzipped.
    planet = "https://dailyplanet.example"
    planet_pages = (
        ("GUM_news_asylum", "outlets/daily-planet-asylum-seekers-rescued.html",
         "2015-05-18T07:40:00+00:00", ("Clara Benton",), "World", False),
        ("GUM_news_crane", "outlets/daily-planet-mecca-crane-collapse.html.gz",
         "2015-09-12T06:10:00+00:00", ("Clara Benton", "Omar Haddad"), "World", True),
        ("GUM_news_korea", "outlets/daily-planet-north-korea-quasi-state-of-war.html",
         "2015-08-21T05:55:00+00:00", ("Omar Haddad",), "World", False),
        ("GUM_news_election", "outlets/daily-planet-hong-kong-election.html",
         "2016-09-09T10:00:00+08:00", ("Mei-Ling Chan",), "Politics", False),
    )  # fmt: skip
    for record_id, relative, published, authors, section, gzipped in planet_pages:
        story = take(record_id)
        slug = relative.rsplit("/", 1)[-1].split(".")[0].removeprefix("daily-planet-")
        meta = PageMeta(
            site="Daily Planet", url=f"{planet}/{section.lower()}/{published[:10]}/{slug}",
            published=published, authors=authors, section=section,
            tags=(section, "Wikinews"), description=summary(story.paragraphs[0]),
            extra={"more": more("GUM_news_stampede", "GUM_news_warhol")},
        )  # fmt: skip
        page = modern_publisher_page(story, meta, graph=False)
        if gzipped:
            out.bytes(f"corpus/{relative}", gzip_bytes(page.encode("utf-8")))
        else:
            out.text(f"corpus/{relative}", page)
        entries.append(
            CorpusEntry(relative, story.title, "Daily Planet", published[:10], authors,
                        "gzipped" if gzipped else "")
        )  # fmt: skip

    # Metro Times: a WordPress weekly; one page is a syndicated copy of a Daily Planet story.
    metro = "https://metrotimes.example"
    metro_pages = (
        ("GUM_news_warhol", "outlets/metro-times-warhol-photo-legacy.html",
         "2014-01-28T15:00:00-05:00", ("Dev Raman",), None),
        ("GUM_news_soccer", "outlets/metro-times-world-cup-day-five.html",
         "2018-06-19T09:30:00-04:00", ("Sophie Lindqvist",), None),
        ("GUM_news_korea", "outlets/metro-times-north-korea-quasi-state-of-war.html",
         "2015-08-21T11:20:00-04:00", ("Omar Haddad",),
         "This story was first published by the Daily Planet and is republished with"
         " permission."),
    )  # fmt: skip
    for record_id, relative, published, authors, note in metro_pages:
        story = take(record_id)
        slug = relative.rsplit("/", 1)[-1].split(".")[0].removeprefix("metro-times-")
        meta = PageMeta(
            site="Metro Times", url=f"{metro}/{published[:4]}/{published[5:7]}/{slug}/",
            published=published, authors=authors, section="News", tags=("News",),
            description=summary(story.paragraphs[0]),
            extra={"more": more("GUM_news_soccer", "GUM_news_election")},
        )  # fmt: skip
        out.text(f"corpus/{relative}", wordpress_page(story, meta, note=note))
        copy_note = (
            "syndicated copy of outlets/daily-planet-north-korea-quasi-state-of-war.html"
            if note
            else ""
        )
        entries.append(
            CorpusEntry(relative, story.title, "Metro Times", published[:10], authors, copy_note)
        )

    relative = "outlets/the-sentinel-comment-form-payloads.html"
    write_xss(take("GUM_news_ie9").first(3), out, f"corpus/{relative}", with_expectation=False)
    entries.append(
        CorpusEntry(relative, XSS_TITLE, "The Sentinel", "2011-03-10", (XSS_AUTHOR,),
                    "same bytes as tests/data/pages/xss.html")
    )  # fmt: skip

    # The aggregator: its three rail articles are also pages of their own above.
    main = take("GUM_news_clock")
    generated = datetime(2015, 9, 24, 12, 0, tzinfo=UTC)
    rail = [
        RailEntry(stories["GUM_news_crane"], "Daily Planet", "12 days ago",
                  datetime(2015, 9, 12, 6, 10, tzinfo=UTC)),
        RailEntry(stories["GUM_news_korea"], "Daily Planet", "a month ago",
                  datetime(2015, 8, 21, 5, 55, tzinfo=UTC)),
        RailEntry(stories["GUM_news_asylum"], "Daily Planet", "4 months ago",
                  datetime(2015, 5, 18, 7, 40, tzinfo=UTC)),
    ]  # fmt: skip
    relative = "aggregator/daily8-texas-student-ahmed-mohamed.html"
    out.text(
        f"corpus/{relative}",
        aggregator_page(
            main, site="Daily8", source="Wikinews", when="2 days ago",
            moment=generated - timedelta(days=2), generated=generated, rail=rail,
            datetime_attributes=True,
        ),
    )  # fmt: skip
    entries.append(
        CorpusEntry(relative, main.title, "Wikinews", "2015-09-22", (),
                    "aggregator page; its rail repeats the crane, North Korea and asylum stories")
    )  # fmt: skip

    # Not articles: binary bytes named .html, and a text file.
    broken = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random.Random(1729).randbytes(2000)
    out.bytes("corpus/aggregator/broken-download.html", broken)
    entries.append(
        CorpusEntry("aggregator/broken-download.html", None, None, None, (),
                    "binary (a JPEG header and random bytes): skipped with a reason")
    )  # fmt: skip
    out.text(
        "corpus/notes.txt",
        "Editorial notes, not a web page. The indexer must ignore this file.\n"
        "Marker word that must never be searchable: quillwort.\n",
    )
    out.text("corpus/EXPECTED.md", expected_corpus_markdown(entries, stories))
    return used


def markdown_cell(text: str) -> str:
    """A table cell; text with markup goes in a code span so that it shows literally."""
    if "<" in text:
        return f"`{text}`"
    return text.replace("|", "&#124;")


def expected_corpus_markdown(entries: Sequence[CorpusEntry], stories: dict[str, Story]) -> str:
    """``corpus/EXPECTED.md``: each file, its expected fields, and which pages are copies."""
    pages = [entry for entry in entries if entry.title]
    lines = [
        "# The test corpus: what the indexer should find",
        "",
        "Generated by `tests/data/make_fixtures.py`; texts are Wikinews articles (CC BY 2.5, see",
        "`tests/data/README.md`); outlets, authors and URLs are invented. Values in code spans",
        "are literal (the XSS page's title and author contain markup as text).",
        "",
        "| path | title | source | published | authors | note |",
        "|---|---|---|---|---|---|",
    ]
    for entry in entries:
        title = markdown_cell(entry.title or "—")
        authors = markdown_cell("; ".join(entry.authors) or "—")
        lines.append(
            f"| `{entry.path}` | {title} | {entry.source or '—'} | {entry.day or '—'} | "
            f"{authors} | {entry.note} |"
        )
    lines += [
        "| `notes.txt` | — | — | — | — | not HTML: ignored (never a page, never an error) |",
        "| `EXPECTED.md` | — | — | — | — | this file: ignored |",
        "",
        "## Copies (one story, several pages)",
        "",
        f'- "{stories["GUM_news_korea"].title}": `outlets/daily-planet-north-korea-quasi-state'
        "-of-war.html` (the original), `outlets/metro-times-north-korea-quasi-state-of-war.html`"
        " (syndicated copy: same text plus a closing republication note) and the second rail item"
        " of `aggregator/daily8-texas-student-ahmed-mohamed.html`.",
        f'- "{stories["GUM_news_crane"].title}": `outlets/daily-planet-mecca-crane-collapse'
        ".html.gz` and the first rail item of the aggregator page.",
        f'- "{stories["GUM_news_asylum"].title}": `outlets/daily-planet-asylum-seekers-rescued'
        ".html` and the third rail item of the aggregator page.",
        "",
        "## Totals",
        "",
        f"- Files: {len(entries) + 2} ({len(entries)} with an HTML extension, of which"
        f" {len(pages)} are pages and 1 is binary; plus `notes.txt` and this file).",
        f"- Pages that yield an article: {len(pages)}; skipped: 1"
        " (`aggregator/broken-download.html`).",
        f"- Distinct stories: {len(pages) - 1} (the syndicated copy is the same story as its"
        " original); the aggregator's 3 rail articles are embedded copies of stories that have"
        " their own pages, so deduplication adds no new story.",
        "- Sources: Wikinews (3 pages + the aggregator's main article), Daily Planet (4),"
        " Metro Times (3), The Sentinel (1).",
        "- Years: " + ", ".join(sorted({entry.day[:4] for entry in pages if entry.day})) + ".",
        "",
    ]
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------- main


PAGE_NOTES = (
    ("aggregator-seed-layout.html", "the owner's aggregator layout (Daily8) with other texts: main"
     " article, AI promo, comments, a related rail of 3 full articles, app banner; relative dates"
     " with datetime attributes and <meta name=generated>"),
    ("publisher-jsonld-graph.html", "JSON-LD @graph (organisation, website, webpage, breadcrumbs,"
     " NewsArticle with two Person authors, keywords string, dates with offsets), canonical, OG,"
     " byline \"By Jane Doe and John Roe\", title with \" | Adriatic Ledger\" suffix, cookie"
     " banner and newsletter box"),
    ("opengraph-only.html", "only OpenGraph and article:published_time; no author anywhere"),
    ("meta-only.html", "a 2000s table layout with <meta name=author|date|keywords|description>"
     " only; title tag is \"Site :: Title\""),
    ("time-element-only.html", "no head metadata but <title>: a visible byline"
     " \"By Maria Lopez\" and <time datetime>"),
    ("microdata.html", "schema.org microdata: itemprop headline, datePublished (meta),"
     " dateModified (time), two Person authors, keywords, articleBody"),
    ("legacy-cp1252.html", "windows-1252 bytes declared by <META HTTP-EQUIV>; curly quotes"
     " 0x91-0x94 in the title and text, em dash 0x97"),
    ("legacy-undeclared-latin1.html", "windows-1252 bytes with no declaration (not valid UTF-8):"
     " 0x92, 0x97 and the accented byline \"José Álvarez\""),
    ("utf8-no-declaration.html", "UTF-8 without <meta charset> or BOM: \"Ličen\" (č is not in"
     " latin-1) mis-decodes under a latin-1 default"),
    ("gzip-page.html.gz", "a gzipped modern article page (JSON-LD, OG, byline, <time>)"),
    ("empty.html", "0 bytes"),
    ("binary.html", "a 40x40 PNG image named .html"),
    ("truncated.html", "a Wikinews-style page cut inside a tag about halfway through; the"
     " sidecar lists the paragraphs that survive"),
    ("xml-prologue.html", "XHTML 1.0 Strict starting <?xml version=\"1.0\" encoding=\"utf-8\"?>"
     " (lxml refuses a str with an encoding declaration; bs4 warns XMLParsedAsHTMLWarning)"),
    ("deeply-nested.html", f"an article inside {NESTING_DEPTH} nested <div>s (lxml.html drops"
     " content past its depth limit; BeautifulSoup keeps it)"),
    ("not-an-article.html", "a site front page: navigation and headline links, no article text"),
    ("xss.html", "script-injection payloads as escaped text in title, h1, byline, meta author,"
     " description, keywords and JSON-LD, plus live payloads (script, onerror, onload,"
     " javascript: URLs in og:image/JSON-LD image/links/iframe) that must never be extracted"),
    ("relative-dates.html", "an aggregator page whose dates are only \"yesterday\", \"16 minutes"
     " ago\", \"an hour ago\" (no datetime attributes) plus <meta name=generated>"),
)  # fmt: skip


def credits_markdown(stories: Sequence[Story]) -> str:
    """The credit list for ``tests/data/README.md``."""
    ordered = sorted(stories, key=lambda story: (story.day, story.id))
    return "\n".join(f"- {story.day}: [{story.title}]({story.url})" for story in ordered)


MARKUP = re.compile(r"<[^<>]+>")


def markup_in_code_spans(text: str) -> str:
    """Put ``<tags>`` in code spans, or Markdown renderers would swallow them as HTML."""
    return MARKUP.sub(lambda match: f"`{match.group()}`", text)


def readme_markdown(stories: Sequence[Story]) -> str:
    """``tests/data/README.md``: what each fixture tests, the sidecar format, the credits."""
    lines = [
        "# Test data",
        "",
        "Generated by `tests/data/make_fixtures.py` (deterministic; the tests only read the",
        "committed files and never run the script). To regenerate, review the diff, and commit:",
        "",
        "```sh",
        ".venv/bin/python tests/data/make_fixtures.py \\",
        "    --wikinews /work/shared/data/wikinews-gum/wikinews_gum_43.jsonl.gz",
        "```",
        "",
        "Large inputs (such as a 20 MB page) are generated by the tests at run time, not stored.",
        "",
        "## `pages/`: one file per extraction case",
        "",
        *(f"- `{name}`: {markup_in_code_spans(note)}." for name, note in PAGE_NOTES),
        "",
        "Most pages have a sidecar `<name>.expected.json` (the name up to its first dot) with what",
        "the page states: `title`, `authors`, `source` (site name, or null when the page does not",
        "name one), `published` (as written on the page), `published_day`, `modified`, `url`,",
        "`language`, `tags`, `description`, `body_paragraphs` (the article's paragraphs, in",
        "order) and `not_in_body` (page furniture that must not end up in the body). Case-specific",
        "keys: `title_tag`, `byline`, `encoding`, `must_contain`, `related` (rail articles with",
        "`title`, `source`, `published_relative`, `published`, `body`), `generated`,",
        "`published_relative`, `is_article`, `payloads`, `body_must_contain`,",
        "`must_not_appear_anywhere`, `cut_at_byte`, `nesting_depth`, `note`. Values the page does",
        "not state are null.",
        "",
        "## `corpus/`: a small corpus for the index, search, web and CLI tests",
        "",
        "13 files with an HTML extension in 3 folders (Wikinews pages, two invented outlets and an",
        "aggregator), a `.htm` page, a gzipped page, a syndicated copy, an aggregator whose rail",
        "repeats three stories that have their own pages, the XSS page, a binary file named",
        "`.html` and a `notes.txt`. `corpus/EXPECTED.md` lists every file's expected title,",
        "source, day and authors, and which pages are copies of which.",
        "",
        "## Credits",
        "",
        "The article texts are Wikinews articles, licensed under the Creative Commons Attribution",
        f"2.5 licence ({LICENSE_URL}), taken from the Wikinews documents excerpted in the GUM",
        "corpus (UniversalDependencies/UD_English-GUM), credited as",
        "`Source: Wikinews, <article URL>, CC BY 2.5`.",
        "Changes: GUM keeps excerpts; datelines, figures and captions are left out of most",
        "layouts; some fixtures keep only the first paragraphs; `legacy-cp1252.html` turns",
        'straight quotes into curly ones; `utf8-no-declaration.html` spells the title "Ličen" as',
        "the article's own heading does; `xss.html` adds original sentences carrying the payloads.",
        "Each page also names its source in an HTML comment. The articles used:",
        "",
        credits_markdown(stories),
        "",
        "Everything else is invented for the tests: the outlets (Daily Planet, Metro Times, The",
        "Sentinel, Adriatic Ledger, Harbour Post, ...), the authors, the `.example` URLs and the",
        'times of day. The aggregator furniture strings ("Try Our AI Features", "No comments',
        'yet...", "DOWNLOAD THE APP", ...) follow the project owner\'s example page.',
        "",
    ]
    return "\n".join(lines)


@click.command()
@click.option(
    "--wikinews",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The Wikinews sample (gzipped JSON lines).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=HERE,
    show_default=True,
    help="The tests/data folder to write into.",
)
def main(wikinews: Path, out: Path) -> None:
    """Regenerate tests/data/pages/, tests/data/corpus/ and tests/data/README.md.

    Example: make_fixtures.py --wikinews wikinews_gum_43.jsonl.gz
    """
    stories = read_stories(wikinews)
    for folder in ("pages", "corpus"):
        shutil.rmtree(out / folder, ignore_errors=True)
    writer = FixtureWriter(out)
    used = write_pages(stories, writer)
    add_title_tags(out / "pages")
    used += [story for story in write_corpus(stories, writer) if story not in used]
    too_big = [p for p in writer.written if p.stat().st_size > MAX_FIXTURE_BYTES]
    if too_big:
        raise click.ClickException(f"fixtures over {MAX_FIXTURE_BYTES} bytes: {too_big}")
    writer.text("README.md", readme_markdown(used))
    total = sum(p.stat().st_size for p in writer.written)
    click.echo(f"wrote {len(writer.written)} files, {total} bytes, crediting {len(used)} articles")


if __name__ == "__main__":
    main()
