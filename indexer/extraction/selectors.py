"""Word lists, patterns and selectors that extraction matches pages against, kept as data.

Everything here is general: the words sites use in class names, ids and headings, not any one
site's markup.  Patterns over class/id strings match at a word start, so "related-posts",
"relatedArticles" and "post_related" match and "unrelated" does not.
"""

from __future__ import annotations

import re
from datetime import date

# --- page structure -------------------------------------------------------------------------------

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
BLOCK_TAGS = frozenset(
    {
        "p", "div", "li", "blockquote", "section", "article", "td", "dd", "pre", "ul", "ol",
        "table", "tr", "main", "aside", "header", "footer", "figure", "dl", "form",
        *HEADING_TAGS,
    }
)  # fmt: skip
# Elements whose text is never article text.
NON_TEXT_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "button", "nav", "form", "select",
     "textarea", "iframe", "figcaption", "figure"}
)  # fmt: skip
# Containers too large to be a rail or a boilerplate block however they are labelled.
PAGE_LEVEL_TAGS = frozenset({"html", "body", "main"})


def _word_start(words: str) -> re.Pattern[str]:
    # A match must begin a word of the class/id string: after a separator, at the start, or at a
    # camelCase boundary ("storyRelated").
    # ("-?" in a word list also accepts "_": "more_stories").
    words = words.replace("-?", "[-_]?")
    return re.compile(rf"(?:(?<![A-Za-z])(?i:{words})|(?<=[a-z])(?:{words.title()}))")


# Class/id words of "more articles" rails: related/recommended/more-stories lists and widgets.
RAIL_MARKER = _word_start(
    "related|recommend|more-?stories|more-?news|more-?articles|more-?from|"
    "read-?next|also-?read|read-?also|you-?may|you-?might|most-?read|most-?popular|"
    "most-?viewed|popular|trending|editors?-?picks?|further-?reading|suggested|up-?next|"
    "next-?article|outbrain|taboola|similar"
)
# Headings that introduce such a rail ("Related Articles", "More from Reuters", "Most read").
RAIL_HEADING = re.compile(
    r"^(?:related(?: articles| stories| news| posts| content| coverage| reading| links)?"
    r"|recommended(?: for you| articles| stories| reading)?|recommendations"
    r"|more (?:stories|news|articles|headlines|to read|like this)|more (?:from|on|in) .{1,40}"
    r"|you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|also (?:read|on .{1,40})"
    r"|read (?:more|also|next)|further reading|what to read next|up next|see also|in other news"
    r"|most (?:read|popular|viewed|shared|commented)|trending(?: now| stories| news)?"
    r"|popular(?: now| stories| articles)?|editor'?s'? picks?|top stories|latest(?: news| stories)?"
    r"|other news|don'?t miss|elsewhere on .{1,40})$",
    re.I,
)
# Class/id words of blocks that are never part of an article: comments, promotions, sign-up and
# app-download banners, cookie notices, ad slots.
BOILERPLATE_MARKER = _word_start(
    "comments?|disqus|discussion|respond|replies|promo|newsletter|subscribe|sign-?up|"
    "cookie|consent|gdpr|app-?banner|get-?app|download-?app|app-?download|smart-?banner|"
    "app-?promo|app-?store|ad-?slot|adslot|advert|ad-?unit|sponsor|ticker"
)
# Headings of such blocks ("Comments (3)", "Download the app", "Try our AI features", "Our
# newsletters"; not a headline that ends in a word of them: "First Union Starts Newsletter").
BOILERPLATE_HEADING = re.compile(
    r"^(?:\d+ )?(?:comments?|responses?|replies|reader comments)(?: ?\(\d+\))?$"
    r"|^(?:leave|post|add|write) a (?:comment|reply|response)|^join the (?:discussion|conversation)"
    r"|\b(?:download|get|install) (?:the|our) (?:\w+ )?app\b|^(?:get|download) the app"
    r"|^try (?:our|it|\w+ ai)\b|^sign up\b|^subscribe\b|^(?:[\w'’]+ ){0,3}newsletters?$"
    r"|^advertisement$",
    re.I,
)
# A paragraph that only points to another article ("Read more: <a>Other story</a>").
LINK_TEASER = re.compile(
    r"^(?:read more|related|see also|also read|read also|more|watch|listen|recommended|"
    r"related (?:story|article|coverage|video)|more on this|read next)\s*:",
    re.I,
)
# Class/id/itemprop words of an article's metadata lines (never body text of a rail item).
META_MARKER = _word_start(
    "meta|byline|author|source|publisher|provider|date|time|timestamp|posted|dateline|"
    "label|category|tags?|share|actions?|more|credit|src"
)
# Class/id/itemprop words of the element naming an article's source outlet on aggregators.
SOURCE_MARKER = _word_start("source|publisher|provider|outlet|origin|src|site-?name|feed-?name")
# Class/id words of headline elements that are not h1-h6.
HEADLINE_MARKER = _word_start("title|headline")
AUTHOR_MARKER = _word_start("author|byline|writer|contributor|reporter")

# --- JSON-LD --------------------------------------------------------------------------------------

ARTICLE_TYPES = frozenset(
    {
        "Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle", "AnalysisNewsArticle",
        "OpinionNewsArticle", "ReviewNewsArticle", "BackgroundNewsArticle", "AskPublicNewsArticle",
        "SatiricalArticle", "TechArticle", "ScholarlyArticle", "Report", "LiveBlogPosting",
        "SocialMediaPosting", "DiscussionForumPosting", "Review",
    }
)  # fmt: skip
PAGE_TYPES = frozenset({"WebPage", "ItemPage", "CollectionPage", "AboutPage", "MediaGallery"})

# --- <meta> names (lower-case; `name=`, `property=` and `http-equiv=` share one key space) -------

PUBLISHED_META_OPENGRAPH = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
)
PUBLISHED_META = (
    "date", "pubdate", "publishdate", "publish-date", "publish_date", "published_time",
    "publication_date", "dc.date", "dc.date.issued", "dc.date.created", "dcterms.date",
    "dcterms.issued", "dcterms.created", "citation_publication_date", "citation_date",
    "sailthru.date", "parsely-pub-date", "article.published", "original-publish-date",
    "datepublished", "date.release", "created",
)  # fmt: skip
MODIFIED_META_OPENGRAPH = ("article:modified_time", "og:updated_time", "og:article:modified_time")
MODIFIED_META = (
    "last-modified", "lastmod", "dc.date.modified", "dcterms.modified", "modified",
    "datemodified", "revised", "article.updated", "updated_time",
)  # fmt: skip
# When the page says it was generated or fetched: the reference time of its relative dates.
# (og:updated_time and similar say when the article changed, not when the page was made.)
REFERENCE_TIME_META = (
    "generated", "fetched", "fetch-date", "fetch_date", "fetch-time", "fetched-at", "fetched_at",
    "crawled", "crawl-date", "crawl_date", "crawled-at", "retrieved", "date-retrieved",
    "retrieved-at", "snapshot-date", "generated-at", "page-generated",
)  # fmt: skip
AUTHOR_META = ("author", "article:author", "dc.creator", "dcterms.creator", "citation_author",
               "sailthru.author", "parsely-author", "byl")  # fmt: skip
SITE_NAME_META = ("og:site_name",)
# (not twitter:site: it is an @handle, not a name)
APPLICATION_NAME_META = ("application-name", "apple-mobile-web-app-title", "publisher",
                         "dc.publisher")  # fmt: skip
DESCRIPTION_META = ("description", "dc.description", "twitter:description")
TAG_META = ("article:tag", "news_keywords", "keywords", "parsely-tags", "sailthru.tags")
SECTION_META = ("article:section", "parsely-section", "section")
IMAGE_META = (
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
)
LANGUAGE_META = ("content-language", "language", "dc.language", "lang")

# --- text -----------------------------------------------------------------------------------------

# Byline prefixes, in the languages of the benchmark pages ("By", "Von", "Par", "Por", "Di").
BYLINE_PREFIX = re.compile(
    r"^\s*(?:(?:written|posted|reported|story|text|words|photos?|interview|interviewed|"
    r"compiled|edited) )?(?:by|von|par|por|di|door|av)"
    r"\s*:?\s+",
    re.I,
)
# Names that are not people: desks, wires and roles.
AUTHOR_STOP_WORDS = frozenset(
    {
        "staff", "staff writer", "staff reporter", "staffer", "editor", "editors", "editorial",
        "editorial staff", "editorial team", "editorial board", "the editors", "newsroom",
        "news desk", "newsdesk", "web desk", "desk", "admin", "administrator", "team", "guest",
        "guest author", "contributor", "contributors", "correspondent", "reporter", "agencies",
        "wire", "wires", "press release", "sponsored", "unknown", "anonymous", "null", "none",
    }
)  # fmt: skip
# A name containing one of these words is a desk, not a person ("Reuters Staff", "AP Newsroom").
AUTHOR_STOP_TOKENS = frozenset({"staff", "newsroom", "desk", "editorial", "team", "admin"})
# How names are joined in a byline: "A and B", "A, B & C", "A; B", "A und B".
AUTHOR_SEPARATORS = re.compile(r"\s*(?:,|;|&|\|)\s*|\s+(?:and|AND|And|und|et|y|e)\s+")
# Words that end the name part of a byline ("Jane Doe, Senior Reporter" is cut at the comma, but
# "Jane Doe Updated 5 PM" needs these).
_MONTH_WORD = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
BYLINE_STOP = re.compile(
    r"\s*(?:[·•|–—]"
    r"|\b(?:updated|published|posted|email|e-mail|follow|contact|photos?|video)\b"
    r"|\b(?:on|at)\s+\d|\bin\s+[A-Z]|\d{1,2}[:/.]\d{2}"
    rf"|\b{_MONTH_WORD}\.?\s+\d|\b\d{{1,2}}(?:st|nd|rd|th)?\.?\s+{_MONTH_WORD}\b"
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(?:\d+|an?)\s+\w+\s+ago\b)",
    re.I,
)
MAX_AUTHOR_WORDS = 5

# Separators between a page title and the site name ("Title | Site", "Title - Site").
# A run of them is one separator ("Title - | Site": a headline cut after a dash).
TITLE_SEPARATORS = re.compile(r"(?:\s+(?:[|\-–—:·•»/]|::))+\s+")
# Separators that set a site name apart even when the page does not show it.
STRONG_TITLE_SEPARATORS = frozenset({"|", "::", "»", "·", "•"})
# A generic " | Site" suffix is dropped without confirmation only when it is this short.
MAX_SITE_SUFFIX_WORDS = 4

# --- dates ----------------------------------------------------------------------------------------

# Dates a page states (JSON-LD, <meta>, <time datetime>, microdata, or printed next to the title)
# older than this are placeholders, not dates ("0001-01-01", the 1970 epoch).  Dates htmldate
# guesses from the rest of the page must be 1990 or later: older "dates" there are copyright
# years and founding dates.  (Pages of the Reuters-21578 test corpus state 1987 dates.)
EARLIEST_STATED_DATE = date(1970, 1, 2)
EARLIEST_GUESSED_DATE = date(1990, 1, 1)

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9,
    "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12,
    "december": 12,
}  # fmt: skip
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"  # noqa: E501
# Visible dates in the forms news pages print them.
TEXT_DATES = (
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]?\d)-(?P<day>[0-3]?\d)\b"),
    re.compile(
        rf"\b{_MONTH}\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I
    ),
    re.compile(
        rf"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\.?\s+{_MONTH}\s+(?P<year>(?:19|20)\d\d)\b", re.I
    ),
)
# A line printed near the title states the article's date when, besides the date, it has at most
# this many words (a byline, "Updated", a time of day)...
DATE_LINE_MAX_OTHER_WORDS = 10
# ...and does not end as a sentence does (a word or number, then a full stop; "a.m." and "U.S."
# do not).
SENTENCE_END = re.compile(r"(?:(?<![.\w])[^\W\d_]{2,}|\d)\.\s*$")
# A relative date line ("By Jane Doe, Staff Writer | 2 hours ago") has at most this many other
# words.
RELATIVE_LINE_MAX_OTHER_WORDS = 5
# Relative times ("2 days ago", "an hour ago", "yesterday", "just now").
# A number may follow a word directly: an icon's text often runs into it ("time16 minutes ago").
RELATIVE_DATE = re.compile(
    r"(?:(?:(?<![\d.,])(?P<count>\d{1,3})\s*|\b(?P<article>an?|one)\s+)"
    r"(?P<unit>sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago"
    r"|\b(?P<word>yesterday|today|just now))\b",
    re.I,
)
RELATIVE_UNIT_SECONDS = {
    "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mo": 30 * 86400, "y": 365 * 86400
}  # fmt: skip

# --- licences -------------------------------------------------------------------------------------

CREATIVE_COMMONS_URL = re.compile(
    r"creativecommons\.org/(?:licen[cs]es/(?P<kind>[a-z\-+]+)|publicdomain/(?P<pd>zero|mark))"
    r"(?:/(?P<version>\d(?:\.\d)?))?",
    re.I,
)
CREATIVE_COMMONS_TEXT = re.compile(
    r"\bCC[- ](?P<kind>BY(?:[- ](?:SA|ND|NC))*)[- ](?P<version>\d\.\d)\b|\bCC0(?:[- ]1\.0)?\b"
)
