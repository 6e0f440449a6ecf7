"""Pages of one story printed by several outlets, for the story tests (unit, API, browser).

Each page is plain news-site HTML: the outlet in ``og:site_name``, the date in
``article:published_time``, the original URL in a canonical link, the article in ``<article>``.
The bridge story has three versions: the Valley Herald and the Riverton Gazette print the same
text under different headlines, the County Courier a shortened one (its first three paragraphs);
the frost story is another Valley Herald article.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

BRIDGE = (
    "The city council of Riverton voted on Tuesday to rebuild the old stone bridge over the Mill "
    "River, ending a debate that had lasted for more than six years and divided the town's two "
    "largest neighbourhoods.",
    "Engineers told the council that the bridge, built in 1887, could no longer carry delivery "
    "trucks safely, and that repairs would cost almost as much as a new structure with a wider "
    "footpath and a cycle lane.",
    "Work is expected to begin next spring and to last eighteen months, during which a temporary "
    "crossing will be placed upstream near the old mill so that school buses can keep their "
    "usual routes.",
    "Several residents said after the vote that they would miss the narrow arches, and a local "
    "history society asked the council to keep one of the original stones for a memorial in the "
    "riverside park.",
)
FROST = (
    "A late frost damaged apple orchards across the northern valley this week, growers said, and "
    "some expect to lose half of their harvest after temperatures fell well below freezing for "
    "three nights.",
    "The regional farmers union asked the government for emergency support and for help with "
    "insurance claims, and said smaller orchards would struggle to pay their seasonal workers.",
)
UNRELATED = (
    "The regional orchestra announced its new season on Friday, with a cycle of the Beethoven "
    "symphonies, two premieres by local composers and a series of free concerts in village halls.",
    "Tickets go on sale next month, and the orchestra said it would keep prices at last year's "
    "level for students and pensioners, thanks to a grant from the county arts fund.",
)
# Outlet -> (file, headline, published, URL, paragraphs).
PAGES: dict[str, tuple[str, str, str, str, tuple[str, ...]]] = {
    "Valley Herald": (
        "herald/bridge.html",
        "Council votes to rebuild Mill River bridge",
        "2024-03-05T09:00:00",
        "https://valleyherald.example/news/bridge?ref=a&b=1",
        BRIDGE,
    ),
    "Riverton Gazette": (
        "gazette/bridge.html",
        "Old stone bridge to be replaced",
        "2024-03-06T10:00:00",
        "https://gazette.example/2024/bridge",
        BRIDGE,
    ),
    "County Courier": (
        "courier/bridge.html",
        "Riverton bridge: the council decides",
        "2024-03-07T08:00:00",
        "https://courier.example/b",
        BRIDGE[:3],
    ),
}
BRIDGE_OUTLETS = tuple(PAGES)


def page_html(
    outlet: str, title: str, published: str, url: str, paragraphs: tuple[str, ...]
) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} | {escape(outlet)}</title>"
        f'<meta property="og:site_name" content="{escape(outlet)}">'
        f'<meta property="og:title" content="{escape(title)}">'
        f'<meta property="article:published_time" content="{published}">'
        f'<link rel="canonical" href="{escape(url)}"></head><body>'
        '<header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>'
        f"<main><article><h1>{escape(title)}</h1>{body}</article></main>"
        f"<footer>Copyright {escape(outlet)}</footer></body></html>"
    )


def write_page(corpus: Path, outlet: str) -> Path:
    """One of :data:`PAGES` into ``corpus``; its path."""
    path, title, published, url, paragraphs = PAGES[outlet]
    target = corpus / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page_html(outlet, title, published, url, paragraphs), encoding="utf-8")
    return target


def write_story_corpus(corpus: Path) -> Path:
    """The bridge story's three versions, the frost story and an unrelated one."""
    for outlet in PAGES:
        write_page(corpus, outlet)
    frost = corpus / "herald" / "frost.html"
    frost.write_text(
        page_html(
            "Valley Herald",
            "Frost hits apple orchards",
            "2024-04-01T08:00:00",
            "https://valleyherald.example/news/frost",
            FROST,
        ),
        encoding="utf-8",
    )
    concerts = corpus / "gazette" / "concerts.html"
    concerts.write_text(
        page_html(
            "Riverton Gazette",
            "Orchestra announces its season",
            "2024-02-10T12:00:00",
            "https://gazette.example/2024/concerts",
            UNRELATED,
        ),
        encoding="utf-8",
    )
    return corpus
