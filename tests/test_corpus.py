"""Walking a corpus folder: pages found, and every entry not indexable named with a reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from indexer.corpus import list_corpus, readable_name

PAGE = b"<html><body><p>text</p></body></html>"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.html").write_bytes(PAGE)
    (corpus / "sub" / "b.html").write_bytes(PAGE)
    (corpus / "notes.txt").write_text("not a page")
    return corpus


def reasons(root: Path, **options: bool) -> dict[str, str]:
    return {p.path: p.reason for p in list_corpus(root, **options).problems}


def test_pages_are_listed_with_relative_paths_and_other_files_counted(root: Path) -> None:
    listing = list_corpus(root)
    assert sorted(listing.pages) == ["a.html", "sub/b.html"]
    assert listing.ignored == 1
    assert listing.problems == []


def test_a_link_to_the_corpus_itself_is_a_reported_loop_not_an_endless_walk(root: Path) -> None:
    os.symlink(".", root / "self")
    os.symlink("..", root / "sub" / "up")
    listing = list_corpus(root)
    assert sorted(listing.pages) == ["a.html", "sub/b.html"]
    problems = reasons(root)
    assert problems["self"].startswith("symlink loop")
    assert problems["sub/up"].startswith("symlink loop")


def test_links_that_point_at_each_other_are_reported(root: Path) -> None:
    os.symlink("b-link", root / "a-link")
    os.symlink("a-link", root / "b-link")
    problems = reasons(root)
    assert problems["a-link"].startswith("symlink loop")
    assert problems["b-link"].startswith("symlink loop")


def test_links_inside_the_corpus_are_followed(root: Path) -> None:
    os.symlink("sub/b.html", root / "alias.html")
    os.symlink("sub", root / "other")
    listing = list_corpus(root)
    assert "alias.html" in listing.pages
    assert reasons(root)["other"] == "folder reached twice: already indexed as sub/"


def test_a_link_out_of_the_corpus_is_skipped_unless_allowed(root: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_bytes(PAGE)
    os.symlink(secret, root / "p.html")
    os.symlink("/etc/passwd", root / "passwd.html")
    problems = reasons(root)
    assert "p.html" not in list_corpus(root).pages
    assert problems["p.html"].startswith("link outside the corpus")
    assert "--follow-external-links" in problems["passwd.html"]
    assert "p.html" in list_corpus(root, follow_external=True).pages


def test_a_name_that_is_not_utf8_is_kept_under_a_readable_name(root: Path) -> None:
    raw = os.fsencode(root) + b"/caf\xe9.html"
    with open(raw, "wb") as handle:
        handle.write(PAGE)
    listing = list_corpus(root)
    page = listing.pages["caf\\xe9.html"]
    assert page.path.encode("utf-8")  # storable and printable
    assert os.path.exists(os.path.join(root, page.name_on_disk))
    assert readable_name("ok.html") == "ok.html"


def test_dangling_links_fifos_and_folders_named_like_pages(root: Path) -> None:
    os.symlink("missing.html", root / "gone.html")
    os.mkfifo(root / "pipe.html")
    (root / "x.html").mkdir()
    (root / "x.html" / "c.html").write_bytes(PAGE)
    listing = list_corpus(root)
    assert "x.html/c.html" in listing.pages
    problems = reasons(root)
    assert problems["gone.html"].startswith("dangling link")
    assert problems["pipe.html"] == "not a regular file: a FIFO"
