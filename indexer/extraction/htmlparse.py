"""Page bytes in, lxml tree out: decompression, decoding and parsing, with the refusals they need.

`load_page(data)` is the entry point (`page_text` then `parse_html`, for callers that also want
the text).  It rejects what cannot be an HTML page (empty, binary,
oversized) with an :class:`~indexer.errors.ExtractionError` whose message is the reason, and
otherwise always returns a tree: decoding never fails (undecodable bytes become U+FFFD) and the
parser is lenient.  `parse_html` is the only place that names the parser.
"""

from __future__ import annotations

import codecs
import logging
import re
import zlib

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from indexer.errors import ExtractionError

log = logging.getLogger(__name__)

MAX_PAGE_BYTES = 50 * 1024 * 1024
"""Pages (after gzip decompression) larger than this are refused rather than parsed."""

# How deep a tree may nest.  libxml2 silently drops everything below 256 levels (2048 with
# huge_tree), and trafilatura walks trees recursively, so deeper pages are flattened first.
MAX_TREE_DEPTH = 200

_GZIP_MAGIC = b"\x1f\x8b"
# Compressed bytes handed to zlib at a time (see _decompress_if_gzip): 200,000 one-line members
# (4 MB) decompress in ~0.5 s, a 50 MB single-member page at zlib's own speed.
_GZIP_CHUNK = 4096
# Decoded documents are sniffed for a declared charset in their first bytes only, as browsers do
# (the HTML standard says 1024; real legacy pages put long <head>s first, so look a little further).
_SNIFF_BYTES = 8192
# How many leading bytes decide whether a file is binary, and feed charset detection.
_SAMPLE_BYTES = 64 * 1024
# Files that start with these are images, archives or documents, never HTML.
_BINARY_MAGIC = (
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"%PDF-",
    b"PK\x03\x04",
    b"\x7fELF",
    b"RIFF",
    b"OggS",
    b"\x00\x00\x01\x00",
)
# Control bytes that text never contains (tab, newline, form feed, carriage return and escape
# excluded); random binary data has about 11% of them, text pages none.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27)) + b"\x7f"
_MAX_CONTROL_SHARE = 0.02

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""", re.I)
# Labels that browsers read as windows-1252 (WHATWG Encoding standard): a page declaring latin-1
# with 0x91-0x94 quotes means typographic quotes, not C1 control characters.
_WINDOWS_1252_ALIASES = {"latin_1", "iso8859_1", "ascii", "cp1252", "iso8859_15"}
# Detected encodings trusted over the windows-1252 fallback: scripts that windows-1252 cannot
# represent at all.  A detector's guess between Western single-byte code pages is unreliable.
_TRUSTED_DETECTIONS = {
    "big5",
    "cp1250",
    "cp1251",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp932",
    "cp949",
    "euc_jis_2004",
    "euc_jp",
    "euc_kr",
    "gb18030",
    "gb2312",
    "gbk",
    "iso2022_jp",
    "iso8859_5",
    "iso8859_7",
    "iso8859_8",
    "koi8_r",
    "koi8_u",
    "shift_jis",
    "tis_620",
}
# Codecs Python knows that no page is written in, although they decode ASCII as ASCII: a page
# declaring one (``<meta charset="idna">``) has a bogus label, which browsers ignore too.  Codecs
# that are not text encodings at all (base64, hex, rot13, zlib) or that change ASCII (punycode,
# EBCDIC) are refused by the ASCII probe in declared_encoding.
_NOT_PAGE_ENCODINGS = {"idna", "utf_7", "unicode_escape", "raw_unicode_escape", "undefined"}
_ASCII_PROBE = b"<html><meta charset=utf-8>"
_HIGH_BYTES = bytes(range(128, 256))
_MIN_DETECTION_BYTES = 32
# Characters XML forbids, written out or as character references (&#1; &#x1f;).  Two patterns:
# one alternation of both scans a page three times slower than the two in turn.
_XML_INCOMPATIBLE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_INCOMPATIBLE_REFERENCES = re.compile(
    r"&#0*(?:[0-8]|1[124-9]|2\d|3[01])(?!\d);?|&#[xX]0*(?:[0-8bBcCeEfF]|1[\da-fA-F])(?![\da-fA-F]);?"
)
# Flattening a too-deep page: block containers become paragraphs (which cannot nest), inline
# wrappers disappear.  The text survives, the pathological structure does not.
_BLOCK_TAG = re.compile(
    r"<(/?)(?:div|section|article|aside|main|header|footer|nav|blockquote|center|figure|"
    r"table|tbody|thead|tr|td|th|ul|ol|li|dl|dd|dt|form|fieldset)\b[^>]*>",
    re.I,
)
_INLINE_TAG = re.compile(
    r"</?(?:span|font|b|i|em|strong|u|small|big|a|sup|sub|label)\b[^>]*>", re.I
)
# Every element is an lxml.html HtmlElement, chosen in C: lxml.html's own lookup calls back into
# Python for each element proxy created (to give <form>, <input>... their form classes, which
# nothing here uses), about a tenth of the extraction's CPU on the Zyte pages.
_HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)
_TOO_DEEP = etree.XPath("boolean(" + "/*" * MAX_TREE_DEPTH + ")")


def load_page(data: bytes) -> HtmlElement:
    """Decompress, decode and parse one page; raise ExtractionError when it is not an HTML page."""
    return parse_html(page_text(data))


def refuse_oversized(size: int) -> None:
    """Raise ExtractionError when a page file of ``size`` bytes is over the limit, so that callers
    check the size before reading (a 1 GB file read whole cost 1.1 GB per worker)."""
    if size > MAX_PAGE_BYTES:
        raise ExtractionError(_too_large(size))


def page_text(data: bytes) -> str:
    """A page file's text: decompressed when gzipped, decoded; ExtractionError when the file is
    empty, too large or binary."""
    data = _decompress_if_gzip(data)
    if len(data) > MAX_PAGE_BYTES:
        raise ExtractionError(_too_large(len(data)))
    if not data.strip():
        raise ExtractionError("empty file")
    return decode_page(data)


def parse_html(text: str) -> HtmlElement:
    """The one place that parses HTML: lxml's libxml2 parser, comments and PIs dropped.

    An XML prologue is removed first (lxml refuses str input that declares an encoding), and a
    page nesting deeper than MAX_TREE_DEPTH is flattened and parsed again.
    """
    text = _without_xml_declaration(text)
    # libxml2 keeps control characters in text nodes, and lxml then refuses to set any text
    # built from them ("All strings must be XML compatible"), e.g. when pruning the tree.
    for pattern in (_XML_INCOMPATIBLE_CHARS, _XML_INCOMPATIBLE_REFERENCES):
        if pattern.search(text) is not None:
            text = pattern.sub("", text)
    tree = _parse(text)
    if _TOO_DEEP(tree):
        log.debug("page nests deeper than %d levels: flattening it", MAX_TREE_DEPTH)
        tree = _parse(_INLINE_TAG.sub("", _BLOCK_TAG.sub(r"<\1p>", text)))
        if _TOO_DEEP(tree):
            raise ExtractionError(f"page nests elements more than {MAX_TREE_DEPTH} levels deep")
    return tree


def _without_xml_declaration(text: str) -> str:
    # lxml refuses str input that starts with an XML declaration naming an encoding (even a
    # truncated one): the text is already decoded, so the declaration goes.
    stripped = text.lstrip()
    if not stripped.startswith("<?xml"):
        return text
    end = stripped.find(">")
    return stripped[end + 1 :] if end != -1 else ""


def _parse(text: str) -> HtmlElement:
    # huge_tree lifts libxml2's 10 MB limit on one text node (inline scripts and data blobs of
    # big pages), which would otherwise silently cut the page short.
    parser = etree.HTMLParser(
        remove_comments=True, remove_pis=True, huge_tree=True, collect_ids=False
    )
    parser.set_element_class_lookup(_HTML_CLASSES)
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
    except etree.ParserError as error:  # "Document is empty": nothing but white space or junk
        raise ExtractionError("no HTML content") from error
    if not isinstance(tree, HtmlElement):  # a non-HTML root (<svg>, an XML document)
        raise ExtractionError("no HTML content")
    return tree


def decode_page(data: bytes) -> str:
    """The page's text: BOM, then strict UTF-8, then the declared charset, then detection.

    Raises ExtractionError("binary file, not HTML") for images, archives and other binaries.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if is_binary(data):
        raise ExtractionError("binary file, not HTML")
    # Strict UTF-8 first: non-ASCII text in any other encoding is almost never valid UTF-8, and
    # pages that declare latin-1 but are UTF-8 are common.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = declared_encoding(data[:_SNIFF_BYTES])
    if declared is not None and declared != "utf_8":
        try:
            return data.decode(declared, errors="replace")
        except (LookupError, UnicodeError):  # a codec that raises even with errors="replace"
            log.debug("declared charset %s cannot decode the page: detecting it", declared)
    if declared == "utf_8" and _mostly_utf8(data):
        return data.decode("utf-8", errors="replace")
    return data.decode(detect_encoding(data[:_SAMPLE_BYTES]), errors="replace")


def is_binary(data: bytes) -> bool:
    """True for data that is not text: a known binary signature, NUL bytes or control bytes."""
    sample = data[:_SAMPLE_BYTES]
    if sample.startswith(_BINARY_MAGIC):
        return True
    # A stray NUL or two happens in real pages; text never has many.
    if sample.count(0) > max(2, len(sample) // 1000):
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > _MAX_CONTROL_SHARE * len(sample)


def declared_encoding(head: bytes) -> str | None:
    """The Python codec name the page declares (XML prologue or <meta>), or None.

    Labels browsers treat as windows-1252 (latin-1, ASCII) become "cp1252"; an unknown label is
    ignored, and so is one naming a codec that is not a page encoding (base64, rot13, idna...).
    A UTF-16 declaration in an ASCII-compatible page is read as UTF-8, as browsers do.
    """
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if match is None:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name.replace("-", "_")
    except LookupError:
        return None
    if name in _WINDOWS_1252_ALIASES:
        return "cp1252"
    if name.startswith(("utf_16", "utf_32")):
        return "utf_8"
    if name in _NOT_PAGE_ENCODINGS:
        return None
    try:
        # The label was read as ASCII from the page itself, so the page's encoding writes ASCII
        # as ASCII; bytes-to-bytes codecs raise LookupError here.
        if _ASCII_PROBE.decode(name) != _ASCII_PROBE.decode("ascii"):
            return None
    except (LookupError, UnicodeError):
        return None
    return name


def detect_encoding(sample: bytes) -> str:
    """Guess the encoding of undeclared non-UTF-8 bytes: windows-1252 unless the detector finds
    a script windows-1252 cannot write (Cyrillic, Greek, CJK...)."""
    from charset_normalizer import from_bytes  # imported on first use: a rare path

    # A few stray bytes are too little to tell scripts apart: they are windows-1252 typography.
    if len(sample) - len(sample.translate(None, _HIGH_BYTES)) < _MIN_DETECTION_BYTES:
        return "cp1252"
    best = from_bytes(sample).best()
    if best is not None:
        name = codecs.lookup(best.encoding).name.replace("-", "_")
        if name in _TRUSTED_DETECTIONS:
            return name
    return "cp1252"


def _mostly_utf8(data: bytes) -> bool:
    # A UTF-8 page with a few bad bytes (a pasted latin-1 snippet) is still UTF-8; a page whose
    # every non-ASCII byte is invalid UTF-8 is a legacy page mislabelled as UTF-8.
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    ascii_chars = len(text.encode("ascii", errors="ignore"))
    return len(text) - ascii_chars - bad > bad


def _decompress_if_gzip(data: bytes) -> bytes:
    """The concatenated members of a gzip file, in time linear in its size.

    A .gz file may hold several members, and a truncated one still yields what arrived.  Input is
    fed in :data:`_GZIP_CHUNK`-byte slices of one memoryview: handing zlib the whole rest of the
    file for each member made it copy that rest as ``unused_data`` at every member's end, which
    took 53 s for 200,000 members (quadratic); now at most one slice is copied per member.
    """
    if not data.startswith(_GZIP_MAGIC):
        return data
    view = memoryview(data)
    parts: list[bytes] = []
    size = 0
    offset = 0
    members = 0
    while data.startswith(_GZIP_MAGIC, offset):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            while not inflater.eof and offset < len(data):
                chunk = view[offset : offset + _GZIP_CHUNK]
                part = inflater.decompress(chunk, MAX_PAGE_BYTES + 1 - size)
                parts.append(part)
                size += len(part)
                if size > MAX_PAGE_BYTES:
                    raise ExtractionError(_too_large(size, decompressed=True))
                offset += len(chunk) - len(inflater.unused_data) - len(inflater.unconsumed_tail)
        except zlib.error as error:
            if members:
                break  # junk after complete members: keep them
            raise ExtractionError(f"corrupt gzip data ({error})") from error
        if not inflater.eof:
            break  # truncated: keep the part that arrived
        members += 1
    return b"".join(parts)


def _too_large(size: int, *, decompressed: bool = False) -> str:
    what = "decompressed page" if decompressed else "page"
    return f"{what} is larger than the {MAX_PAGE_BYTES // 1048576} MB limit (MAX_PAGE_BYTES)" + (
        "" if decompressed else f": {size / 1048576:.1f} MB"
    )
