"""Readers for the classic IR test collections in ``../shared/data`` and their article pages.

Each reader returns a :class:`Collection`: documents (id, title or None, body paragraphs), query
texts and the set of relevant document ids per query.  The formats, and their gotchas, are
described in each collection's ``SOURCE.md``; the ones that matter here are noted in the readers.

:func:`render_page` turns a document into a simple article page of the kind a news site serves:
the title in ``<title>`` and ``<h1>``, the text as ``<p>`` paragraphs inside ``<article>``, and a
``<link rel=canonical>``.  Documents without a title get no ``<h1>``: the extractor decides.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path

NAMES = ("cisi", "cacm", "cranfield", "medline", "npl", "lisa", "adi")


@dataclass(frozen=True)
class Document:
    id: str
    title: str | None
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Collection:
    name: str
    documents: tuple[Document, ...]
    queries: dict[str, str]  # query id -> text
    qrels: dict[str, frozenset[str]]  # query id -> relevant document ids (binary)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("latin-1")


def _one_line(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


def _paragraphs(lines: list[str]) -> tuple[str, ...]:
    """Hard-wrapped text as paragraphs: blank lines separate them, line breaks become spaces."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(_one_line(current))
            current = []
    return tuple(paragraphs)


_SMART_MARKER = re.compile(r"^\.([A-Z])(?:\s+(\S.*))?\s*$")


def _smart_records(text: str) -> Iterator[tuple[str, dict[str, list[str]]]]:
    """Records of the SMART format: ``.I id`` then sections ``.T``, ``.W``, ... up to the next."""
    record_id: str | None = None
    sections: dict[str, list[str]] = {}
    section: list[str] | None = None
    for line in text.splitlines():
        marker = _SMART_MARKER.match(line)
        if marker and marker.group(1) == "I" and marker.group(2):
            if record_id is not None:
                yield record_id, sections
            record_id, sections, section = marker.group(2).strip(), {}, None
        elif marker and marker.group(2) is None:
            section = sections.setdefault(marker.group(1), [])
        elif section is not None:
            section.append(line)
    if record_id is not None:
        yield record_id, sections


def _smart_documents(text: str) -> tuple[Document, ...]:
    documents = []
    for record_id, sections in _smart_records(text):
        title = _one_line(sections.get("T", [])) or None
        paragraphs = _paragraphs(sections.get("W", []))
        if paragraphs == ("None",):
            paragraphs = ()  # CACM writes a missing abstract as the word "None" (227 records)
        documents.append(Document(str(int(record_id)), title, paragraphs))
    return tuple(documents)


def _smart_queries(text: str) -> dict[str, str]:
    # The query is its .W text (CISI's document-style queries also have .T/.A: not used).
    return {
        str(int(qid)): _one_line(sections.get("W", [])) for qid, sections in _smart_records(text)
    }


def _pairs_qrels(text: str, query_col: int, doc_col: int) -> dict[str, frozenset[str]]:
    qrels: dict[str, set[str]] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) > max(query_col, doc_col):
            qrels.setdefault(str(int(parts[query_col])), set()).add(str(int(parts[doc_col])))
    return {qid: frozenset(docs) for qid, docs in qrels.items()}


def read_cisi(folder: Path) -> Collection:
    return Collection(
        "cisi",
        _smart_documents(_read_text(folder / "CISI.ALL.gz")),
        _smart_queries(_read_text(folder / "CISI.QRY")),
        _pairs_qrels(_read_text(folder / "CISI.REL"), 0, 1),
    )


def read_cacm(folder: Path) -> Collection:
    # Many records have only a title (no .W): the page then holds just its headline.
    return Collection(
        "cacm",
        _smart_documents(_read_text(folder / "cacm.all.gz")),
        _smart_queries(_read_text(folder / "query.text")),
        _pairs_qrels(_read_text(folder / "qrels.text"), 0, 1),
    )


def read_cranfield(folder: Path) -> Collection:
    # Query ids in cran.qry skip numbers; the qrels number the queries 1..225 in file order.
    queries = _smart_queries(_read_text(folder / "cran.qry"))
    renumbered = {str(i): text for i, text in enumerate(queries.values(), 1)}
    qrels: dict[str, set[str]] = {}
    for line in _read_text(folder / "cran.qrels").splitlines():
        parts = line.split()
        # Codes 1 (complete answer) to 4 (minimum interest) are relevant; -1 is not.
        if len(parts) >= 3 and 1 <= int(parts[2]) <= 4:
            qrels.setdefault(str(int(parts[0])), set()).add(str(int(parts[1])))
    return Collection(
        "cranfield",
        _smart_documents(_read_text(folder / "cran.all.1400.gz")),
        renumbered,
        {qid: frozenset(docs) for qid, docs in qrels.items()},
    )


def read_medline(folder: Path) -> Collection:
    # MED.REL columns are "qid 0 docid 1".
    return Collection(
        "medline",
        _smart_documents(_read_text(folder / "MED.ALL.gz")),
        _smart_queries(_read_text(folder / "MED.QRY")),
        _pairs_qrels(_read_text(folder / "MED.REL"), 0, 2),
    )


def read_adi(folder: Path) -> Collection:
    return Collection(
        "adi",
        _smart_documents(_read_text(folder / "ADI.ALL")),
        _smart_queries(_read_text(folder / "ADI.QRY")),
        _pairs_qrels(_read_text(folder / "ADI.REL"), 0, 1),
    )


def _slash_records(text: str) -> Iterator[tuple[str, list[str]]]:
    """NPL's records: an id line, text lines, then a line holding only ``/``."""
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() == "/":
            if lines:
                yield lines[0].strip(), lines[1:]
            lines = []
        elif line.strip() or lines:
            lines.append(line)


def read_npl(folder: Path) -> Collection:
    documents = tuple(
        Document(str(int(rid)), None, _paragraphs(lines))
        for rid, lines in _slash_records(_read_text(folder / "doc-text.gz"))
    )
    queries = {
        str(int(rid)): _one_line(lines)
        for rid, lines in _slash_records(_read_text(folder / "query-text"))
    }
    qrels = {
        str(int(rid)): frozenset(str(int(d)) for d in " ".join(lines).split())
        for rid, lines in _slash_records(_read_text(folder / "rlv-ass"))
    }
    return Collection("npl", documents, queries, {q: d for q, d in qrels.items() if d})


def read_lisa(folder: Path) -> Collection:
    # The documents are split over files to be read in name order; records are "Document N",
    # title lines, a blank line, abstract lines, and a line of 44 asterisks.  Ids 1998-2001 occur
    # twice (the files overlap): the first copy is kept.
    text = "\n".join(_read_text(path) for path in sorted(folder.glob("LISA[0-9].*.gz")))
    documents: dict[str, Document] = {}
    for record in re.split(r"^\*{44}\s*$", text, flags=re.MULTILINE):
        lines = record.strip("\n").splitlines()
        header = re.match(r"^Document\s+(\d+)\s*$", lines[0]) if lines else None
        if header is None:
            continue
        rest = lines[1:]
        blank = next((i for i, line in enumerate(rest) if not line.strip()), len(rest))
        doc_id = str(int(header.group(1)))
        if doc_id not in documents:
            documents[doc_id] = Document(
                doc_id, _one_line(rest[:blank]) or None, _paragraphs(rest[blank + 1 :])
            )
    queries = {}
    for match in re.finditer(r"^(\d+)\s*\n(.*?)#", _read_text(folder / "LISA.QUE"), re.M | re.S):
        queries[str(int(match.group(1)))] = _one_line(match.group(2).splitlines())
    # LISA.REL is damaged: query 21's list runs into another record's header (and 22-23 are
    # missing), so a record whose list is not all numbers is dropped, as SOURCE.md's count does.
    qrels = {}
    record = re.compile(r"Query\s+(\d+)\s*\n\s*\d+\s+Relevant Refs:\s*\n(.*?)-1", re.S)
    for match in record.finditer(_read_text(folder / "LISA.REL")):
        ids = match.group(2).split()
        if all(token.isdigit() for token in ids):
            qrels[str(int(match.group(1)))] = frozenset(str(int(d)) for d in ids)
    return Collection("lisa", tuple(documents.values()), queries, qrels)


READERS: dict[str, Callable[[Path], Collection]] = {
    "cisi": read_cisi,
    "cacm": read_cacm,
    "cranfield": read_cranfield,
    "medline": read_medline,
    "npl": read_npl,
    "lisa": read_lisa,
    "adi": read_adi,
}


def read_collection(name: str, data_dir: Path) -> Collection:
    return READERS[name](data_dir / name)


def page_name(doc_id: str) -> str:
    return f"doc-{doc_id}.html"


def doc_id_of_page(path: str) -> str:
    match = re.search(r"doc-([^/]+)\.html$", path)
    if match is None:
        raise ValueError(f"{path!r} is not a rendered test-collection page")
    return match.group(1)


def render_page(collection: str, document: Document) -> str:
    """A simple article page for one document (escaped; one ``<p>`` per paragraph).

    A record with a title but no text (half of CACM) becomes a page whose only text is that title,
    without a separate headline: a page holding nothing but a headline has no article for the
    extractor to find, and these records are judged relevant 146 times in CACM.
    """
    url = f"https://{collection}.example.org/articles/{page_name(document.id)}"
    title, texts = document.title, document.paragraphs
    if title and not texts:
        title, texts = None, (title,)
    head_title = f"<title>{escape(title)}</title>" if title else ""
    heading = f"<h1>{escape(title)}</h1>\n" if title else ""
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in texts)
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"{head_title}\n"
        f'<link rel="canonical" href="{url}">\n'
        "</head>\n<body>\n"
        f'<header><a href="https://{collection}.example.org/">{collection.upper()} Review</a>'
        "</header>\n"
        f"<main>\n<article>\n{heading}{paragraphs}\n</article>\n</main>\n"
        "<footer><p>Reproduced for evaluation only.</p></footer>\n"
        "</body>\n</html>\n"
    )
