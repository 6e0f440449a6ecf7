"""Bytes to tree: decompression, decoding, refusals and the parser's limits (indexer.htmlparse)."""

from __future__ import annotations

import codecs
import gzip
import time
from pathlib import Path

import pytest
from lxml.html import HtmlElement

from indexer.errors import ExtractionError
from indexer.extraction import htmlparse
from indexer.extraction.htmlparse import (
    MAX_PAGE_BYTES,
    declared_encoding,
    decode_page,
    is_binary,
    load_page,
    page_text,
    parse_html,
    refuse_oversized,
)

PAGES = Path(__file__).parent / "data" / "pages"


def page_bytes(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def title_of(data: bytes) -> str:
    return load_page(data).findtext(".//title") or ""


def test_gzipped_page_is_recognised_by_its_magic_bytes_not_its_name() -> None:
    data = page_bytes("gzip-page.html.gz")
    assert data[:2] == b"\x1f\x8b"
    assert title_of(data).startswith("After visa snags, all-girl Afghan team honored")


def test_truncated_gzip_stream_yields_the_part_that_arrived() -> None:
    data = page_bytes("gzip-page.html.gz")
    tree = load_page(data[: len(data) // 2])
    assert tree.findtext(".//title").startswith("After visa snags")


def test_corrupt_gzip_stream_is_an_extraction_error() -> None:
    with pytest.raises(ExtractionError, match="corrupt gzip"):
        load_page(b"\x1f\x8b\x08\x00" + b"\xff" * 64)


def test_gzip_that_inflates_past_the_size_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(htmlparse, "MAX_PAGE_BYTES", 10_000)
    bomb = gzip.compress(b"<p>" + b"a" * 50_000)
    with pytest.raises(ExtractionError, match="MAX_PAGE_BYTES"):
        load_page(bomb)


def test_page_over_50_mb_is_refused_with_a_reason_naming_the_cap() -> None:
    data = b"<p>" + b"a" * htmlparse.MAX_PAGE_BYTES
    with pytest.raises(ExtractionError, match=r"50 MB limit \(MAX_PAGE_BYTES\)"):
        load_page(data)


def test_empty_file_is_refused_as_empty() -> None:
    with pytest.raises(ExtractionError, match="^empty file$"):
        load_page(page_bytes("empty.html"))


def test_white_space_only_file_is_refused_as_empty() -> None:
    with pytest.raises(ExtractionError, match="^empty file$"):
        load_page(b" \n\t\r\n ")


def test_png_named_html_is_refused_as_binary() -> None:
    with pytest.raises(ExtractionError, match=r"^binary file, not HTML$"):
        load_page(page_bytes("binary.html"))


def test_bytes_full_of_nuls_or_control_characters_are_binary() -> None:
    assert is_binary(b"<html>" + b"\x00\x01" * 200)
    assert is_binary(bytes(range(256)) * 20)


def test_a_stray_nul_in_a_real_page_does_not_make_it_binary() -> None:
    data = page_bytes("time-element-only.html")
    assert not is_binary(data[:500] + b"\x00" + data[500:])


def test_utf8_byte_order_mark_is_honoured_and_dropped() -> None:
    text = decode_page(codecs.BOM_UTF8 + "<title>Café</title>".encode())
    assert text == "<title>Café</title>"


def test_utf16_page_with_a_byte_order_mark_is_decoded() -> None:
    data = "<html><head><title>Ličen</title></head><body><p>x</p></body></html>".encode("utf-16")
    assert title_of(data) == "Ličen"


def test_declared_windows_1252_page_gets_typographic_quotes() -> None:
    # 0x91-0x94 are quotes in windows-1252 and C1 control characters in latin-1.
    data = page_bytes("legacy-cp1252.html")
    assert b"\x91" in data
    assert title_of(data) == "North Korea puts military in ‘quasi-state of war’ — Pacific Wire"


def test_latin1_declaration_is_read_as_windows_1252_as_browsers_do() -> None:
    data = b'<meta charset="iso-8859-1"><title>\x93Quoted\x94 caf\xe9</title>'
    assert title_of(data) == "“Quoted” café"


def test_undeclared_windows_1252_bytes_decode_to_quotes_and_accents() -> None:
    text = decode_page(page_bytes("legacy-undeclared-latin1.html"))
    assert "José Álvarez" in text
    assert "’" in text
    assert "\ufffd" not in text


def test_undeclared_utf8_page_is_read_as_utf8() -> None:
    assert "Ličen" in title_of(page_bytes("utf8-no-declaration.html"))


def test_page_declaring_latin1_but_written_in_utf8_is_read_as_utf8() -> None:
    data = '<meta charset="iso-8859-1"><title>Ličen – café</title>'.encode()
    assert title_of(data) == "Ličen – café"


def test_page_declaring_utf8_but_written_in_windows_1252_is_rescued() -> None:
    data = b'<meta charset="utf-8"><title>\x93Caf\xe9\x94</title>'
    assert title_of(data) == "“Café”"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'<meta charset="windows-1251">', "cp1251"),
        (b'<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=Shift_JIS">', "shift_jis"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><html>', "cp1252"),
        (b'<meta charset="us-ascii">', "cp1252"),
        (b'<meta charset="utf-16">', "utf_8"),
        (b'<meta charset="no-such-charset">', None),
        (b"<title>nothing declared</title>", None),
    ],
)
def test_declared_encoding_reads_meta_and_xml_prologue(head: bytes, expected: str | None) -> None:
    assert declared_encoding(head) == expected


def test_cyrillic_page_without_declaration_is_detected() -> None:
    text = "<title>Новости</title><p>" + "Правительство объявило о новых мерах поддержки. " * 20
    assert "Правительство" in decode_page(text.encode("cp1251"))


def test_xml_prologue_with_an_encoding_declaration_parses() -> None:
    data = page_bytes("xml-prologue.html")
    assert data.startswith(b"<?xml")
    assert title_of(data) == "The future of the peace process in Israel — Levant Review"


def test_article_inside_5000_nested_divs_keeps_its_text() -> None:
    # libxml2 silently drops everything below its depth limit: the page is flattened instead.
    tree = load_page(page_bytes("deeply-nested.html"))
    paragraphs = [p.text_content() for p in tree.iter("p")]
    assert any(p.startswith("Greek court has ruled") for p in paragraphs)
    assert not tree.xpath("boolean(" + "/*" * htmlparse.MAX_TREE_DEPTH + ")")


def test_nesting_that_cannot_be_flattened_is_an_extraction_error() -> None:
    html = "<html><body>" + "<q>" * 3000 + "deep" + "</q>" * 3000 + "</body></html>"
    with pytest.raises(ExtractionError, match="levels deep"):
        parse_html(html)


def test_plain_text_without_tags_still_parses_into_a_tree() -> None:
    tree = parse_html("just some words, no tags")
    assert "just some words" in tree.text_content()


def test_control_characters_and_their_references_are_removed_before_parsing() -> None:
    # lxml refuses to set text containing them, which pruning the tree does.
    tree = parse_html("<p>a\x01b&#1;c&#x1f;d&#10;e&#9;f</p>")
    assert tree.findtext(".//p") == "abcd\ne\tf"


def test_a_truncated_xml_declaration_is_dropped() -> None:
    tree = parse_html('<?xml version="1.0" encoding="utf-8"\n<html><body><p>Text</p></body></html>')
    assert tree.findtext(".//p") == "Text"


@pytest.mark.parametrize("label", ["base64", "hex", "rot13", "zlib", "idna", "punycode", "utf-7"])
def test_a_bogus_charset_label_is_ignored_and_the_page_decoded(label: str) -> None:
    page = f'<html><head><meta charset="{label}"></head><body><p>Caf\u00e9 cr\u00e8me</p>'
    text = decode_page(page.encode("cp1252"))  # base: LookupError ("extractor bug")
    assert "Caf\u00e9 cr\u00e8me" in text


def test_a_gzip_file_of_many_members_decompresses_in_linear_time() -> None:
    members = gzip.compress(b"<p>one line</p>\n") * 200_000  # base: quadratic, 53 s
    started = time.perf_counter()
    assert page_text(members).count("one line") == 200_000
    assert time.perf_counter() - started < 10


def test_a_file_over_the_limit_is_refused_by_its_size_before_reading() -> None:
    with pytest.raises(ExtractionError, match="larger than the 50 MB limit"):
        refuse_oversized(MAX_PAGE_BYTES + 1)
    refuse_oversized(MAX_PAGE_BYTES)


def test_every_element_of_a_parsed_page_is_an_html_element_forms_included() -> None:
    # The element classes are chosen in C (no form classes): every element still has the
    # HtmlElement methods the extractor calls.
    tree = load_page(
        b"<html><body><form><input name=q><select><option>A</option></select>"
        b"</form><p>Text</p></body></html>"
    )
    assert all(isinstance(e, HtmlElement) for e in tree.iter())
    assert tree.find(".//form").text_content() == "A"
